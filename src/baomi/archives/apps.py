from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchivesConfig(AppConfig):
    name = "baomi.archives"
    label = "archives"
    verbose_name = _("档案")

    def ready(self) -> None:
        # The approval types (查档, 扩大利用范围, 案卷外借) and the 我的待办 providers.
        from baomi import inbox
        from baomi.archives import selectors, services

        services.register_request_types()
        inbox.register("archives.keeper", selectors.inbox_keeper, gate=selectors.inbox_keeper_gate)
        inbox.register("archives.mine", selectors.inbox_mine, gate=selectors.inbox_mine_gate)
