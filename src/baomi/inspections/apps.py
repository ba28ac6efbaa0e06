from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "baomi.inspections"
    label = "inspections"
    verbose_name = _("保密检查")

    def ready(self) -> None:
        from baomi import inbox
        from baomi.approvals.registry import register
        from baomi.inspections import selectors, services

        inbox.register("inspections", selectors.inbox_items, gate=selectors.inbox_gate)
        register(services.SITE_ENTRY_TYPE)
