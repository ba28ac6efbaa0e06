from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StocktakeConfig(AppConfig):
    name = "baomi.stocktake"
    label = "stocktake"
    verbose_name = _("载体盘点")

    def ready(self) -> None:
        # 我的待办: a stocktake in progress for its keepers, and the half-year reminder for
        # the secrecy office.
        from baomi import inbox
        from baomi.stocktake import selectors

        inbox.register("stocktake", selectors.inbox_items)
