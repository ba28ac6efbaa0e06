from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarriersConfig(AppConfig):
    name = "baomi.carriers"
    label = "carriers"
    verbose_name = _("涉密载体")

    def ready(self) -> None:
        # The approval types this module needs; their effects live in services.py.
        from baomi.carriers import services

        services.register_request_types()
