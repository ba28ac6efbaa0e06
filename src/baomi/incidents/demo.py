"""The incidents story: the 秘密 copy the carriers story lost became an incident draft; the
secrecy office confirmed it, took measures within the hour, reported to the 市国家保密局 the
same day, investigated and gave the holder a 警告, then closed the case. All through the
services, at the times they happened."""

from __future__ import annotations

import datetime

from baomi.accounts.models import User
from baomi.carriers.demo import as_of
from baomi.incidents import services
from baomi.incidents.models import Incident, IncidentStatus, InvolvementRole


def load(password: str) -> None:
    office = User.objects.get(username="lijianhua")
    incident = Incident.objects.filter(source="carriers.lost", status=IncidentStatus.DRAFT).order_by("pk").first()
    if incident is None:
        return
    holder = incident.involved.get(role=InvolvementRole.PARTY).person
    start = incident.discovered_at

    def at(hours: float) -> datetime.datetime:
        return start + datetime.timedelta(hours=hours)

    with as_of(at(0.5)):
        services.incident_confirm(actor=office, incident=incident)
        services.measure_add(actor=office, incident=incident, at=at(0.3),
                             text="通知会务组和宾馆查找会场及沿途，调阅会场监控")
    with as_of(at(1)):
        services.measure_add(actor=office, incident=incident, text="通知发文单位，告知文件编号和份号")
    with as_of(at(3)):
        services.incident_notify(actor=office, incident=incident, at=at(3), to="市国家保密局",
                                 how="电话报告，当日报送书面报告")
    with as_of(at(50)):
        services.investigation_add(actor=office, incident=incident,
                                   text="询问当事人及会务人员；文件未找回，未发现被他人获取的迹象。")
        services.responsibility_determine(
            actor=office, incident=incident, severity="ordinary", responsible=[holder],
            finding="当事人携带秘密文件外出开会未随身保管，违反涉密载体管理规定，负直接责任。")
    with as_of(at(24 * 7)):
        services.penalty_decide(actor=office, incident=incident, person=holder, kind="warning",
                                basis="《行政机关公务员处分条例》第二十六条")
        services.incident_close(actor=office, incident=incident,
                                reason="已采取补救措施并按时上报；责任已认定，给予警告处分，全委通报以示警示。")
