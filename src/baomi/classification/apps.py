from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassificationConfig(AppConfig):
    name = "baomi.classification"
    label = "classification"
    verbose_name = _("定密")

    def ready(self) -> None:
        # Changes and lifting go through the one approval engine (issue 3).
        from baomi.classification import services

        services.register_request_types()
