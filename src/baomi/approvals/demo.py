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
    _foreign_talks(password)
    _publication(password)


def _foreign_talks(password: str) -> None:
    """EXT-06: 孙伟 will meet a foreign investors' delegation; the outline is approved beforehand by
    陈国强 and now waits for the 保密办 (the superior secrecy department's step)."""
    from baomi.accounts.models import User
    from baomi.approvals import services
    from baomi.levels import Level

    people = {u.username: u for u in User.objects.filter(username__in=["sunwei", "chen"])}
    if len(people) < 2:
        return
    talks = services.provision_request(
        actor=people["sunwei"], kind="talks", recipient="德国某新能源企业投资考察团", level=int(Level.SECRET),
        material="示范市新能源产业园规划的公开部分", purpose="招商引资洽谈",
        outline="一、介绍产业园公开规划和招商政策；二、不涉及：园区选址比选方案、财政补贴测算；"
                "三、对方问及未公开事项时，答复“以正式公布为准”。")
    assert talks.approval is not None
    services.request_decide(actor=people["chen"], request=talks.approval, approve=True, password=password,
                            comment="同意按提纲会谈，不得超出提纲范围")


def _publication(password: str) -> None:
    """EXT-09: 周静's article for the 工作动态 passed the check; 刘敏, the 出版主编, signed it off."""
    from baomi.accounts.models import User
    from baomi.approvals import services
    from baomi.review.services import content_check, publication_submit

    people = {u.username: u for u in User.objects.filter(username__in=["zhoujing", "liumin"])}
    if len(people) < 2:
        return
    check = content_check(actor=people["zhoujing"], purpose="publication", filename="工作动态第12期.txt",
                          text="我委召开全市招商引资工作推进会，通报了前三季度招商引资工作情况，部署了第四季度的服务保障工作。")
    check = publication_submit(actor=people["zhoujing"], check=check, title="《发改工作动态》2026年第12期")
    assert check.approval is not None
    services.request_decide(actor=people["liumin"], request=check.approval, approve=True, password=password,
                            comment="已审核，可以刊发")
