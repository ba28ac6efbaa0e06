from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "baomi.accounts"
    label = "accounts"
    verbose_name = _("人员与账户")

    def ready(self) -> None:
        from baomi.accounts import signals  # noqa: F401  (login/logout/lockout audit events)
