from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "baomi.personnel"
    label = "personnel"
    verbose_name = _("涉密人员")

    def ready(self) -> None:
        # The departure approval type and the inbox providers; their effects live in services.py.
        from baomi import inbox
        from baomi.personnel import selectors, services

        services.register_request_types()
        inbox.register("personnel.tasks", selectors.inbox_items, gate=selectors.inbox_gate)
