from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "baomi.meetings"
    label = "meetings"
    verbose_name = _("涉密会议")

    def ready(self) -> None:
        # The approval type and 我的待办 provider of this module.
        from baomi import inbox
        from baomi.meetings import selectors, services

        services.register_request_types()
        inbox.register("meetings", selectors.inbox_items, gate=selectors.inbox_gate)
