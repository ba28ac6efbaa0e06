from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "baomi.training"
    label = "training"
    verbose_name = _("培训考试")

    def ready(self) -> None:
        # 我的待办: training hours behind, exams in progress, the 集中保密教育 count (officers).
        from baomi import inbox
        from baomi.training import selectors

        inbox.register("training", selectors.inbox_items, gate=selectors.inbox_gate)
