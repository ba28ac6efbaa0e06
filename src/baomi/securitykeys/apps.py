from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityKeysConfig(AppConfig):
    name = "baomi.securitykeys"
    label = "securitykeys"
    verbose_name = _("安全密钥")

    def ready(self) -> None:
        from baomi.securitykeys import checks  # noqa: F401  (registers the settings check)
