"""The demo's 出国境 story (DEMO.md, Personnel): passports of the cleared cast held centrally by
the 保密办, 周静's private trip waiting for her section chief, 孙伟's official trip approved with
his passport out and due back, and 孙伟's closed report on his daughter's foreign residence."""

from __future__ import annotations

import datetime


def load(password: str) -> None:
    from baomi.accounts.models import User
    from baomi.approvals.services import request_decide
    from baomi.levels import Clearance
    from baomi.travel import services
    from baomi.travel.models import DocumentKind, TripKind

    people = {u.username: u for u in User.objects.all()}
    office = people["lijianhua"]
    today = services.today()
    numbers = {"chen": "E71234561", "liumin": "E71234562", "wangfang": "E71234563", "lijianhua": "E71234564",
               "zhaolei": "E71234565", "sunwei": "E71234566", "zhoujing": "E71234567", "wutao": "E71234568"}
    documents = {}
    for n, (username, number) in enumerate(numbers.items()):
        person = people[username]
        if person.clearance <= Clearance.NONE:
            continue
        documents[username] = services.document_register(
            actor=office, holder=person, kind=DocumentKind.PASSPORT, number=number,
            expires_on=today + datetime.timedelta(days=900 + 170 * n))
    services.document_register(actor=office, holder=people["wangfang"], kind=DocumentKind.HK_MACAO,
                               number="C60123458", expires_on=today + datetime.timedelta(days=120))

    # 周静: a private trip waiting for 孙伟 (unit leader), then the secrecy office.
    services.trip_apply(actor=people["zhoujing"], kind=TripKind.PRIVATE, destinations="日本（东京、大阪）",
                        purpose="春节假期探亲旅游", depart_on=today + datetime.timedelta(days=30),
                        return_on=today + datetime.timedelta(days=37), companions="配偶、女儿")
    # 孙伟: an official trip, approved, briefed, passport issued and due back a week after return.
    trip = services.trip_apply(actor=people["sunwei"], kind=TripKind.OFFICIAL, destinations="新加坡",
                               purpose="参加东盟城市规划合作论坛（市政府组团）",
                               depart_on=today + datetime.timedelta(days=2),
                               return_on=today + datetime.timedelta(days=6), companions="市规划局 2 人")
    assert trip.approval is not None
    # Each step by its decider (three steps if another story put 孙伟 in a 脱密期).
    while (step := trip.approval.current_step) is not None:
        secrecy = step.approver_role == "secrecy_officer"
        request_decide(actor=office if secrecy else people["chen"], request=trip.approval, approve=True,
                       comment="同意，行前须接受保密教育" if secrecy else "同意，注意保密纪律", password=password)
    trip.refresh_from_db()
    services.trip_acknowledge_briefing(actor=people["sunwei"], trip=trip, password=password)
    services.document_issue(actor=office, document=documents["sunwei"], trip=trip)

    # A closed 重大事项报告 (PERS-20).
    report = services.report_file(actor=people["sunwei"], kind="relative_foreign",
                                  event_on=today - datetime.timedelta(days=6),
                                  description="本人女儿孙某（在加拿大留学）近日获得加拿大永久居留资格，特此报告。")
    services.report_follow_up(actor=office, report=report,
                              action="与孙伟同志谈话，了解其女儿情况，提醒其家庭保密义务；登记备案。")
    services.report_close(actor=office, report=report,
                          conclusion="已登记备案，孙伟同志涉密岗位暂不调整，列入年度复审关注。")
    services.reminders_send()
