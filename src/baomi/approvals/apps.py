from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "baomi.approvals"
    label = "approvals"
    verbose_name = _("审批")

    def ready(self) -> None:
        # 我的待办: the approvals this person may decide, including delegated ones.
        from baomi import inbox
        from baomi.approvals.selectors import inbox_gate, inbox_items

        inbox.register("approvals.decide", inbox_items, gate=inbox_gate)
        # 对外提供 (EXT-01) has no other owning module yet.
        from baomi.approvals.services import register_request_types

        register_request_types()
