from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "baomi.devices"
    label = "devices"
    verbose_name = _("设备与介质")

    def ready(self) -> None:
        from baomi import inbox
        from baomi.devices import rules, selectors, services

        services.register_request_types()
        rules.register_request_types()
        inbox.register("devices", selectors.inbox_items, gate=selectors.inbox_gate)
