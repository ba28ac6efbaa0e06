from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TravelConfig(AppConfig):
    name = "baomi.travel"
    label = "travel"
    verbose_name = _("出国境与重大事项")

    def ready(self) -> None:
        # The approval types and 我的待办 providers of this module.
        from baomi import inbox
        from baomi.travel import selectors, services

        services.register_request_types()
        inbox.register("travel", selectors.inbox_items, gate=selectors.inbox_gate)
