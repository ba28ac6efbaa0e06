"""The demo's approvals part: 陈国强 will be away next week on a 出差 and has lent his approval
power to 刘敏 for those days (she still cannot decide anything above her 重要 clearance, nor her
own requests)."""

from __future__ import annotations

import datetime


def load(password: str) -> None:
    from django.utils import timezone

    from baomi.accounts.models import User
    from baomi.approvals import services

    people = {u.username: u for u in User.objects.filter(username__in=["chen", "liumin"])}
    if len(people) < 2:
        return
    today = timezone.localdate()
    services.delegation_create(
        actor=people["chen"], delegate=people["liumin"], starts_on=today + datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=7), reason="赴省发展改革委参加项目评审会（出差）期间，由刘敏代为审批",
    )
