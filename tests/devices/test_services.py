"""Registering devices and media and every refusal around them (SYS-09, SYS-11, SYS-12,
SYS-14, SYS-18, COMM-08), repairs, scrapping by approval, departures blocked by held media."""

from __future__ import annotations

import datetime
import json

import pytest

from baomi.approvals import services as approvals
from baomi.audit.models import AuditEvent
from baomi.devices import selectors, services
from baomi.devices.models import Binding, Device, DeviceStatus, ScrapStatus
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Level
from tests.devices.conftest import denied, device
from tests.factories import PASSWORD

SECRET, CONF = int(Level.SECRET), int(Level.CONFIDENTIAL)


def test_register_is_audited_and_for_the_secrecy_office_only(office):
    pc = device(office, "JY-PC-01", location="机要室", serial_no="SN1", disk_serial="HD1",
                purchased_on=datetime.date(2024, 3, 1))
    assert pc.status == DeviceStatus.IN_USE and pc.level == SECRET
    assert AuditEvent.objects.filter(action="device.register", outcome="ok").count() == 1
    with pytest.raises(Refused):
        services.device_register(actor=office.zhoujing, asset_no="X", kind="printer", network="intranet", level=1,
                                 custodian=office.zhoujing, unit=office.units["planning"])
    with pytest.raises(Refused):
        services.device_register(actor=office.sysadmin, asset_no="X", kind="printer", network="intranet", level=1,
                                 custodian=office.zhoujing, unit=office.units["planning"])
    assert denied("device.register") is not None
    with pytest.raises(Conflict):
        device(office, "JY-PC-01")
    with pytest.raises(Invalid):
        device(office, "X2", kind="toaster")


@pytest.mark.parametrize(("kind", "network", "level"), [
    ("internet_pc", "internet", CONF),   # 上网微机不办公
    ("plain_pc", "intranet", CONF),      # 非涉密计算机 never for state secrets
    ("plain_pc", "standalone", SECRET),
    ("printer", "internet", CONF),       # any internet device
    ("server", "intranet", CONF),        # 内网 caps at 工作秘密
    ("internet_pc", "intranet", 0),      # an internet computer sits on the internet
    ("classified_pc", "standalone", 2),  # a 涉密计算机 is registered at its secret level
])
def test_internet_and_non_classified_devices_never_process_state_secrets(office, kind, network, level):
    with pytest.raises(Refused):
        device(office, "BAD-1", kind=kind, network=network, level=level)
    assert not Device.objects.exists()
    assert denied("device.register") is not None


def test_level_change_keeps_the_caps(office):
    pc = device(office, "BGS-NET-01", kind="internet_pc", network="internet", level=0, unit="office",
                custodian=office.liumin)
    with pytest.raises(Refused, match="上网微机不办公"):
        services.device_set_level(actor=office.lijianhua, device=pc, level=CONF)
    plain = device(office, "GH-PC-02", kind="plain_pc", network="intranet", level=2, unit="planning",
                   custodian=office.zhoujing)
    with pytest.raises(Refused):
        services.device_set_level(actor=office.lijianhua, device=plain, level=CONF, network="standalone")
    assert Device.objects.get(pk=plain.pk).level == 2
    assert denied("device.set_level") is not None


def test_custodian_must_be_cleared_for_the_device_level(office):
    with pytest.raises(Refused, match="郑丽"):
        device(office, "CW-PC-01", level=CONF, custodian=office.zhengli, unit="finance")
    pc = device(office, "GH-PC-01", level=CONF, custodian=office.zhoujing, unit="planning")
    with pytest.raises(Refused, match="周静"):  # 一般 may know 秘密, not 机密
        services.device_set_level(actor=office.lijianhua, device=pc, level=SECRET)
    with pytest.raises(Refused):
        services.custodian_change(actor=office.lijianhua, device=pc, custodian=office.zhengli)
    assert denied("device.custodian") is not None


def test_imported_device_needs_its_technical_inspection(office):
    with pytest.raises(Refused, match="技术检查"):
        device(office, "FAX-01", kind="fax", network="standalone", level=CONF, imported=True)
    fax = device(office, "FAX-01", kind="fax", network="standalone", level=CONF, imported=True,
                 inspected_on=datetime.date(2026, 1, 5))
    assert fax.inspected_on is not None


def test_medium_level_covers_its_content_and_never_goes_down(office):
    usb = device(office, "U-001", kind="usb", network="standalone", level=CONF, content_level=CONF)
    with pytest.raises(Refused, match="不得低于"):
        device(office, "U-002", kind="usb", network="standalone", level=2, content_level=CONF)
    with pytest.raises(Refused, match="不得低于秘密"):
        services.device_set_level(actor=office.lijianhua, device=usb, level=2)
    services.medium_record_content(actor=office.lijianhua, medium=usb, level=SECRET)
    usb.refresh_from_db()
    assert (usb.level, usb.content_level) == (SECRET, SECRET)  # raised with what it holds (SYS-12)
    with pytest.raises(Refused, match="不得降低"):
        services.medium_record_content(actor=office.lijianhua, medium=usb, level=CONF)
    assert denied("device.content") is not None


def test_classified_medium_is_never_bound_to_a_lower_or_non_classified_device(office):
    usb = device(office, "U-001", kind="usb", network="standalone", level=CONF, content_level=CONF)
    net = device(office, "BGS-NET-01", kind="internet_pc", network="internet", level=0, unit="office",
                 custodian=office.liumin)
    with pytest.raises(Refused, match="不得在公开级设备"):
        services.medium_bind(actor=office.lijianhua, medium=usb, device=net)
    bridge = device(office, "ZJJ-01", kind="bridge_pc", network="standalone", level=2)
    with pytest.raises(Refused):
        services.medium_bind(actor=office.lijianhua, medium=usb, device=bridge)
    assert not Binding.objects.exists()
    assert denied("device.bind") is not None
    pc = device(office, "JY-PC-01")
    binding = services.medium_bind(actor=office.lijianhua, medium=usb, device=pc)
    # The medium now may hold 机密 (the computer is 机密); a 绝密 content is refused: the computer is lower.
    with pytest.raises(Refused, match="设备密级低于绝密"):
        services.medium_record_content(actor=office.lijianhua, medium=usb, level=int(Level.TOP_SECRET))
    services.medium_record_content(actor=office.lijianhua, medium=usb, level=SECRET)
    with pytest.raises(Refused, match="介质密级高于新密级"):
        services.device_set_level(actor=office.lijianhua, device=pc, level=CONF)
    services.medium_unbind(actor=office.lijianhua, binding=binding)
    with pytest.raises(Conflict):
        services.medium_unbind(actor=office.lijianhua, binding=binding)


def test_outside_repair_needs_a_supervisor_and_classified_disks_stay(office):
    pc = device(office, "GH-PC-01", level=CONF, custodian=office.zhoujing, unit="planning")
    with pytest.raises(Refused, match="现场监修"):
        services.repair_start(actor=office.lijianhua, device=pc, repairer_unit="某电脑公司", outside=True,
                              supervisor=None, disk_removed=False)
    with pytest.raises(Refused, match="郑丽"):
        services.repair_start(actor=office.lijianhua, device=pc, repairer_unit="某电脑公司", outside=True,
                              supervisor=office.zhengli, disk_removed=False)
    with pytest.raises(Refused, match="硬盘不得带离"):
        services.repair_start(actor=office.lijianhua, device=pc, repairer_unit="某电脑公司", outside=True,
                              supervisor=office.sunwei, disk_removed=True)
    assert Device.objects.get(pk=pc.pk).status == DeviceStatus.IN_USE
    assert denied("device.repair_start") is not None
    repair = services.repair_start(actor=office.lijianhua, device=pc, repairer_unit="某电脑公司", outside=True,
                                   supervisor=office.sunwei, disk_removed=False, note="无法开机")
    assert Device.objects.get(pk=pc.pk).status == DeviceStatus.REPAIR
    items = selectors.inbox_items(office.zhaolei)
    assert [i for i in items if "GH-PC-01" in i.title]
    services.repair_finish(actor=office.lijianhua, device=pc, result="更换电源")
    assert Device.objects.get(pk=pc.pk).status == DeviceStatus.IN_USE and repair.supervisor == office.sunwei
    with pytest.raises(Conflict):
        services.repair_finish(actor=office.lijianhua, device=pc)
    # A non-classified computer's disk may go with the repairer.
    plain = device(office, "GH-PC-02", kind="plain_pc", network="intranet", level=2, unit="planning",
                   custodian=office.zhoujing)
    services.repair_start(actor=office.lijianhua, device=plain, repairer_unit="某电脑公司", outside=True,
                          supervisor=office.zhoujing, disk_removed=True)


def test_scrapping_a_classified_device_goes_through_approval_with_method_and_witness(office):
    pc = device(office, "JY-PC-01", level=CONF)
    with pytest.raises(Refused, match="监销人"):
        services.scrap_request(actor=office.lijianhua, device=pc, method="shred", witness=office.zhengli,
                               reason="超期服役")
    scrap = services.scrap_request(actor=office.lijianhua, device=pc, method="shred", witness=office.wangfang,
                                   reason="超期服役")
    assert scrap.approval is not None and scrap.status == ScrapStatus.PENDING
    assert [(s.approver_role, s.order) for s in scrap.approval.steps.order_by("order")] == [
        ("approver", 1), ("secrecy_officer", 2)]
    with pytest.raises(Refused, match="未经批准"):
        services.device_destroy(actor=office.lijianhua, device=pc, witness_password=PASSWORD)
    with pytest.raises(Conflict):
        services.scrap_request(actor=office.lijianhua, device=pc, method="shred", witness=office.wangfang,
                               reason="再次")
    request = scrap.approval
    for decider in (office.liumin, office.zhaolei):  # the unit leader, then the secrecy office
        request = approvals.request_decide(actor=decider, request=request, approve=True, comment="同意",
                                           password=PASSWORD)
    pc.refresh_from_db()
    assert pc.status == DeviceStatus.SCRAPPED
    with pytest.raises(Refused, match="签字密码"):
        services.device_destroy(actor=office.lijianhua, device=pc, witness_password="wrong")
    done = services.device_destroy(actor=office.lijianhua, device=pc, witness_password=PASSWORD)
    assert done.status == ScrapStatus.DONE and Device.objects.get(pk=pc.pk).status == DeviceStatus.DESTROYED
    event = AuditEvent.objects.filter(action="device.destroy", outcome="ok").get()
    details = json.loads(event.details)
    assert details["method"] == "shred" and details["witness"] == office.wangfang.pk


def test_rejected_scrapping_leaves_the_device_in_use(office):
    pc = device(office, "JY-PC-01")
    scrap = services.scrap_request(actor=office.lijianhua, device=pc, method="shred", witness=office.wangfang,
                                   reason="超期服役")
    approvals.request_decide(actor=office.liumin, request=scrap.approval, approve=False, comment="仍可使用",
                             password=PASSWORD)
    scrap.refresh_from_db()
    assert scrap.status == ScrapStatus.REJECTED and Device.objects.get(pk=pc.pk).status == DeviceStatus.IN_USE


def test_non_classified_device_is_scrapped_without_approval(office):
    printer = device(office, "BGS-PR-01", kind="printer", network="intranet", level=1, unit="office",
                     custodian=office.liumin)
    scrap = services.scrap_request(actor=office.lijianhua, device=printer, method="centre",
                                   witness=office.liumin, reason="损坏")
    assert scrap.approval is None and Device.objects.get(pk=printer.pk).status == DeviceStatus.SCRAPPED


def test_departure_is_blocked_by_a_held_usb_drive(office):
    from baomi.personnel import selectors as personnel_selectors
    from baomi.personnel import services as personnel
    from baomi.personnel.models import Commitment

    usb = device(office, "U-001", kind="usb", network="standalone", level=CONF, content_level=CONF,
                 custodian=office.zhoujing, unit="planning")
    assert list(selectors.devices_held_by(office.zhoujing)) == [usb]
    departure = personnel.departure_open(actor=office.lijianhua, person=office.zhoujing, kind="job",
                                         reason="调往外单位工作")
    personnel.departure_handover(actor=office.lijianhua, departure=departure, to=office.sunwei, items="资料")
    leave = Commitment.objects.get(person=office.zhoujing, kind="leave", signed_at__isnull=True)
    personnel.commitment_sign(actor=office.zhoujing, commitment=leave, password=PASSWORD)
    with pytest.raises(Refused, match="仍保管 1 件设备或存储介质未交回：U盘 U-001"):
        personnel.departure_submit(actor=office.lijianhua, departure=departure)
    assert [i for i in selectors.inbox_items(office.zhoujing) if "U-001" in i.title]
    services.custodian_change(actor=office.lijianhua, device=usb, custodian=office.sunwei)
    assert not personnel_selectors.checklist_for(departure).devices
    personnel.departure_submit(actor=office.lijianhua, departure=departure)
