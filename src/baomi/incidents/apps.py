from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "baomi.incidents"
    label = "incidents"
    verbose_name = _("泄密事件")

    def ready(self) -> None:
        from baomi import inbox
        from baomi.incidents import selectors, services

        services.register_request_types()
        inbox.register("incidents", selectors.inbox_items, gate=selectors.inbox_gate)
