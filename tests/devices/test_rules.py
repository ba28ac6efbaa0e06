"""SYS-08/10 涉密信息录入计算机 and the sanitisation that closes it, SYS-13 介质改作他用,
SYS-15 each unit's periodic data review, SYS-17 unexplained changes reported — services,
我的待办, pages and API."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from baomi import inbox
from baomi.approvals import services as approvals
from baomi.devices import rules, services
from baomi.devices.models import Anomaly, DataReview, InputStatus, ReuseStatus
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Level
from tests.conftest import login
from tests.devices.conftest import denied, device
from tests.factories import PASSWORD

SECRET, CONF = int(Level.SECRET), int(Level.CONFIDENTIAL)


def _titles(person) -> list[str]:
    return [i.title for i in inbox.items_for(person)]


def test_input_needs_a_classified_computer_of_the_level_and_the_leaders_approval(office):
    pc = device(office, "JY-PC-01", level=CONF)
    plain = device(office, "BGS-PC-01", kind="plain_pc", network="intranet", level=2)
    with pytest.raises(Refused, match="不是机密级及以上的涉密计算机"):
        rules.input_request(actor=office.wangfang, device=pc, material="规划纲要（机密）", level=SECRET, purpose="汇总")
    with pytest.raises(Refused, match="涉密计算机"):
        rules.input_request(actor=office.lijianhua, device=plain, material="会议纪要", level=CONF, purpose="打印")
    assert denied("device.input_request") is not None
    with pytest.raises(Invalid):
        rules.input_request(actor=office.wangfang, device=pc, material="通知", level=2, purpose="x")
    with pytest.raises(Refused, match="责任人或保密办"):
        rules.input_request(actor=office.zhoujing, device=pc, material="纪要", level=CONF, purpose="x")
    task = rules.input_request(actor=office.wangfang, device=pc, material="党组会议纪要", level=CONF,
                               purpose="打印分发")
    assert task.status == InputStatus.PENDING and task.approval is not None
    assert task.approval.request_type == rules.INPUT
    # no sanitisation before approval
    with pytest.raises(Conflict):
        rules.input_sanitise(actor=office.wangfang, task=task, method="overwrite", witness=office.liumin)
    approvals.request_decide(actor=office.liumin, request=task.approval, approve=True, comment="同意",
                             password=PASSWORD)
    task.refresh_from_db()
    assert task.status == InputStatus.APPROVED


def test_approved_input_stays_open_and_reminded_until_sanitised(office):
    pc = device(office, "JY-PC-01", level=CONF)
    task = rules.input_request(actor=office.wangfang, device=pc, material="党组会议纪要", level=CONF,
                               purpose="打印分发")
    approvals.request_decide(actor=office.liumin, request=task.approval, approve=True, comment="同意",
                             password=PASSWORD)
    assert any("删除并进行技术处理" in t for t in _titles(office.wangfang))
    with pytest.raises(Invalid, match="监督人"):
        rules.input_sanitise(actor=office.wangfang, task=task, method="overwrite", witness=office.wangfang)
    with pytest.raises(Refused, match="监督人"):
        rules.input_sanitise(actor=office.wangfang, task=task, method="overwrite", witness=office.zhengli)
    row = rules.input_sanitise(actor=office.wangfang, task=task, method="overwrite", witness=office.liumin,
                               note="文件已删除，空闲空间三次覆写")
    task.refresh_from_db()
    assert task.status == InputStatus.CLOSED
    assert (row.operator, row.witness, row.method) == (office.wangfang, office.liumin, "overwrite")
    assert not any("删除并进行技术处理" in t for t in _titles(office.wangfang))
    with pytest.raises(Conflict):
        rules.input_sanitise(actor=office.wangfang, task=task, method="overwrite", witness=office.liumin)


def test_medium_level_goes_down_only_through_approved_reuse_and_specialist(office):
    usb = device(office, "U-JY-01", kind="usb", level=SECRET, content_level=CONF)
    with pytest.raises(Refused, match="办公室领导"):
        services.device_set_level(actor=office.lijianhua, device=usb, level=CONF)
    assert denied("device.set_level") is not None
    reuse = rules.medium_reuse_request(actor=office.lijianhua, medium=usb, new_level=1, new_purpose="改作内部资料交换")
    assert reuse.approval is not None and reuse.approval.request_type == rules.REUSE
    with pytest.raises(Refused, match="未经办公室领导批准"):
        rules.medium_reuse_sanitise(actor=office.lijianhua, reuse=reuse, specialist="张工", method="tool",
                                    witness=office.wangfang)
    with pytest.raises(Conflict):
        rules.medium_reuse_request(actor=office.lijianhua, medium=usb, new_level=1, new_purpose="再次")
    steps = list(reuse.approval.steps.order_by("order"))
    assert [(s.approver_role, s.unit.code if s.unit else None) for s in steps] == [("approver", "fgw")]
    approvals.request_decide(actor=office.chen, request=reuse.approval, approve=True, comment="同意",
                             password=PASSWORD)
    reuse.refresh_from_db()
    assert reuse.status == ReuseStatus.APPROVED
    assert any("改作他用" in t for t in _titles(office.lijianhua))
    with pytest.raises(Invalid, match="专业人员"):
        rules.medium_reuse_sanitise(actor=office.lijianhua, reuse=reuse, specialist=" ", method="tool",
                                    witness=office.wangfang)
    row = rules.medium_reuse_sanitise(actor=office.lijianhua, reuse=reuse, specialist="市保密技术服务中心 张工",
                                      method="tool", witness=office.wangfang)
    usb.refresh_from_db()
    reuse.refresh_from_db()
    assert (usb.level, usb.content_level, reuse.status) == (1, 0, ReuseStatus.DONE)
    assert row.specialist.startswith("市保密技术服务中心")


def test_data_review_reminded_per_unit_until_recorded(office):
    device(office, "GH-PC-01", unit="planning", custodian=office.sunwei)
    due = {d.unit.code for d in rules.reviews_due()}
    assert due == {"planning"}
    assert any("规划科 须定期整理" in t for t in _titles(office.lijianhua))
    with pytest.raises(Refused):
        rules.data_review_record(actor=office.wutao, unit=office.units["planning"], note="x")
    rules.data_review_record(actor=office.zhoujing, unit=office.units["planning"], note="已清理过期数据 12 份")
    assert rules.reviews_due() == []
    later = timezone.localdate() + datetime.timedelta(days=95)
    assert [d.unit.code for d in rules.reviews_due(today=later)] == ["planning"]  # quarterly by default
    with override_settings(BAOMI_DATA_REVIEW_MONTHS=6):
        assert rules.reviews_due(today=later) == []
    assert DataReview.objects.count() == 1


def test_anomaly_reaches_the_secrecy_office_and_keepers_when_important(office, client):
    pc = device(office, "GH-PC-01", unit="planning", custodian=office.sunwei)
    rules.anomaly_report(actor=office.sunwei, device=pc, kind="deleted", description="D:/规划/草稿 目录被删除")
    keeper_before = _titles(office.wangfang)
    assert not any("GH-PC-01" in t for t in keeper_before)  # not important: not the keepers'
    assert any("GH-PC-01" in t for t in _titles(office.lijianhua))
    row = rules.anomaly_report(actor=office.sunwei, device=pc, kind="modified", description="规划纲要被改动",
                               important=True)
    assert any("GH-PC-01" in t for t in _titles(office.wangfang))
    with pytest.raises(Refused, match="责任人或保密办"):
        rules.anomaly_report(actor=office.zhoujing, device=pc, kind="moved", description="x")
    # the system administrator sees and handles it on the page
    login(client, office.sysadmin)
    page = client.get("/devices/anomalies/").content.decode()
    assert "规划纲要被改动" in page and "D:/规划/草稿" in page
    client.post("/devices/anomalies/", {"anomaly": row.pk, "handling": "已从备份恢复，系误操作"})
    row.refresh_from_db()
    assert row.handled_by == office.sysadmin and "备份" in row.handling
    client.logout()
    login(client, office.zhoujing)
    assert client.get("/devices/anomalies/").status_code == 403
    assert Anomaly.objects.filter(handled_at__isnull=True).count() == 1


def test_pages_and_api(office, client):
    pc = device(office, "JY-PC-01", level=CONF)
    login(client, office.wangfang)
    page = client.get(f"/devices/{pc.pk}/").content.decode()
    assert "涉密信息录入计算机审批" in page and "报告系统管理员" in page
    client.post(f"/devices/{pc.pk}/input/", {"material": "会议纪要", "level": CONF, "purpose": "打印"})
    task = pc.input_approvals.get()
    approvals.request_decide(actor=office.liumin, request=task.approval, approve=True, comment="同意",
                             password=PASSWORD)
    client.post(f"/devices/{pc.pk}/sanitise/", {"input": task.pk, "method": "overwrite",
                                                "witness": office.wangfang.pk})
    task.refresh_from_db()
    assert task.status == InputStatus.APPROVED  # self as witness refused, shown as a message
    client.post(f"/devices/{pc.pk}/sanitise/", {"input": task.pk, "method": "overwrite",
                                                "witness": office.liumin.pk})
    task.refresh_from_db()
    assert task.status == InputStatus.CLOSED
    got = client.post(f"/api/v1/devices/{pc.pk}/anomalies", {"kind": "moved", "description": "文件被移动"},
                      content_type="application/json")
    assert got.status_code == 201 and got.json()["handled"] is False
    got = client.post(f"/api/v1/devices/{pc.pk}/inputs", {"material": "x", "level": SECRET, "purpose": "y"},
                      content_type="application/json")
    assert got.status_code == 403
    client.logout()
    login(client, office.lijianhua)
    assert [d["unit"] for d in client.get("/api/v1/devices/reviews/due").json()] == ["秘书股"]
    client.post("/devices/reviews/", {"unit": office.units["secretariat"].pk, "note": "已整理"})
    assert client.get("/api/v1/devices/reviews/due").json() == []
    assert "已整理" in client.get("/devices/reviews/").content.decode()


def test_reuse_and_sanitise_through_the_api_and_the_page(office, client):
    usb = device(office, "U-JY-01", kind="usb", level=SECRET, content_level=CONF)
    pc = device(office, "JY-PC-01", level=CONF)
    login(client, office.lijianhua)
    assert "申请改作他用" in client.get(f"/devices/{usb.pk}/").content.decode()
    lowered = client.post(f"/devices/{usb.pk}/level/", {"level": CONF, "network": "standalone"}, follow=True)
    assert "介质密级不得直接降低" in lowered.content.decode()
    got = client.post(f"/api/v1/devices/{usb.pk}/reuses", {"new_level": 1, "new_purpose": "改作内部资料交换"},
                      content_type="application/json")
    assert got.status_code == 201 and got.json()["status"] == "pending"
    reuse = usb.reuses.get()
    early = client.post(f"/api/v1/devices/{usb.pk}/reuses/{reuse.pk}/sanitise",
                        {"method": "tool", "witness_id": office.wangfang.pk, "specialist": "张工"},
                        content_type="application/json")
    assert early.status_code == 403
    approvals.request_decide(actor=office.chen, request=reuse.approval, approve=True, comment="同意",
                             password=PASSWORD)
    done = client.post(f"/api/v1/devices/{usb.pk}/reuses/{reuse.pk}/sanitise",
                       {"method": "tool", "witness_id": office.wangfang.pk, "specialist": "市保密技术服务中心 张工"},
                       content_type="application/json")
    assert done.status_code == 201 and done.json()["status"] == "done"
    usb.refresh_from_db()
    assert usb.level == 1
    row = client.post(f"/api/v1/devices/{pc.pk}/anomalies", {"kind": "deleted", "description": "共享目录文件被删",
                                                              "important": True},
                      content_type="application/json").json()
    handled = client.post(f"/api/v1/devices/anomalies/{row['id']}/handle", {"handling": "已从备份恢复"},
                          content_type="application/json")
    assert handled.status_code == 200 and handled.json()["handled"] is True
    client.logout()
    login(client, office.zhoujing)
    assert client.post(f"/api/v1/devices/anomalies/{row['id']}/handle", {"handling": "x"},
                       content_type="application/json").status_code == 403
