from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "baomi.review"
    label = "review"
    verbose_name = _("保密审查")

    def ready(self) -> None:
        from baomi.review import services

        services.register_request_types()
