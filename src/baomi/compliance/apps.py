from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    name = "baomi.compliance"
    label = "compliance"
    verbose_name = _("制度落实")

    def ready(self) -> None:
        # The figures of the modules that exist today; the others register their own
        # (`baomi.compliance.figures.register`) in their AppConfig.ready().
        from baomi.compliance.builtin import register_builtin

        register_builtin()
