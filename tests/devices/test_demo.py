"""The devices part of the demo: the register, the 秘密 USB drive linked to its carrier entry and
bound to 规划科's 涉密计算机, one computer under repair with a supervisor, one scan report whose
finding on the internet computer opened a rectification item; the chain still verifies."""

from __future__ import annotations

import pytest

from baomi import demo
from baomi.audit.verify import verify
from baomi.devices import rules
from baomi.devices.models import Anomaly, Binding, Device, DeviceStatus, InputApproval, ScanAlert, ScanReport


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BAOMI_DATA_DIR", str(tmp_path))
    return tmp_path


def test_demo_devices(db, data_dir):
    demo.load()
    usb = Device.objects.get(asset_no="U-GH-03")
    assert usb.level == 3 and usb.carrier is not None and usb.carrier.level == 3
    assert Binding.objects.get(medium=usb, unbound_at__isnull=True).device.asset_no == "GH-PC-01"
    repair = Device.objects.get(status=DeviceStatus.REPAIR).repairs.get()
    assert repair.outside and repair.supervisor.username == "zhaolei" and not repair.disk_removed
    report = ScanReport.objects.get()
    assert report.device.asset_no == "BGS-NET-01" and report.files == 2 and report.files_with_findings == 1
    alert = ScanAlert.objects.get(report=report)
    assert alert.fingerprint and (alert.rectification_ref or alert.status == "pending")
    assert {d.asset_no for d in Device.objects.filter(kind="classified_pc")} >= {"JY-PC-01", "GH-PC-01"}
    # SYS-08/10/13/15/17
    inputs = {t.material[:4]: t.status for t in InputApproval.objects.all()}
    assert inputs == {"党组会议": "closed", "2027": "approved"}
    reused = Device.objects.get(asset_no="U-JY-07")
    assert (reused.level, reused.content_level) == (1, 0)
    assert reused.reuses.get().status == "done" and reused.sanitisations.get().specialist
    assert [d.unit.code for d in rules.reviews_due()] and "secretariat" not in {
        d.unit.code for d in rules.reviews_due()}
    assert Anomaly.objects.get().important
    assert verify().ok
