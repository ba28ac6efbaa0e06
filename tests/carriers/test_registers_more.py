"""传阅单 and 复制登记簿 (pages, xlsx, PDF: only what the reader may see), the 年度清理 page
and its December reminder, and the carriers' items in 我的待办."""

from __future__ import annotations

import datetime
import io
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from baomi import inbox, jobs
from baomi.carriers import registers, selectors, services
from baomi.carriers.models import CopyStatus, DestructionList
from baomi.errors import NotFound, Refused
from tests.carriers.conftest import approve_all, events, first_copy, fresh, register
from tests.conftest import login

HIDDEN = "机密：传阅单中不应出现的标题"
SHOWN = "秘密：传阅单中可以出现的标题"


@pytest.fixture
def sheets(office):
    """Each carrier: copy 1 circulated to 孙伟 with a 事由, signed for and returned; copy 2
    copied once by approval."""
    made = {}
    for title, mark in ((HIDDEN, "机密★5年"), (SHOWN, "秘密★10年")):
        carrier = register(office.wangfang, mark=mark, title=title, units=[office.units["planning"]])
        services.copy_circulate(actor=office.wangfang, copy=first_copy(carrier), reader=office.sunwei,
                                note="因工作需要取阅")
        services.copy_acknowledge(actor=office.sunwei, copy=first_copy(carrier))
        services.copy_return(actor=office.sunwei, copy=first_copy(carrier))
        approve_all(services.copy_reproduce_request(actor=office.wangfang, copy=first_copy(carrier, 2), count=1,
                                                    reason="会议需要"), office.chen)
        made[title] = carrier
    return made


def _xlsx_text(content: bytes) -> str:
    sheet = load_workbook(io.BytesIO(content)).active
    return "\n".join(" ".join(str(v) for v in row if v is not None) for row in sheet.iter_rows(values_only=True))


def test_circulation_sheet_names_reader_times_and_signature(office, sheets):
    """CARRIER-08: taking a document from the circulation folder is signed out through the
    机要员 — who took it, why, when out, signed for, due and back."""
    carrier = sheets[SHOWN]
    rows = registers.circulation_rows(office.wangfang, registers.Period(), carrier_id=carrier.pk)
    [row] = rows
    assert row[:6] == [carrier.register_no, "000001", SHOWN, carrier.marking, "孙伟", "因工作需要取阅"]
    assert all(row[6:10]) and row[10] == "王芳"  # out, signed, due, back; handed out by 王芳
    assert len(registers.circulation_rows(office.wangfang, registers.Period())) == 2
    # 赵磊 (一般) sees only the 秘密 carrier's sheet, and "not found" for the other one.
    assert [r[2] for r in registers.circulation_rows(office.zhaolei, registers.Period())] == [SHOWN]
    with pytest.raises(NotFound):
        registers.register_export(actor=office.zhaolei, slug="circulation", fmt="xlsx",
                                  carrier_id=sheets[HIDDEN].pk)
    content, _type, _name = registers.register_export(actor=office.zhaolei, slug="circulation", fmt="xlsx")
    assert SHOWN in _xlsx_text(content) and HIDDEN not in _xlsx_text(content)
    with pytest.raises(Refused):
        registers.register_rows(actor=office.sunwei, slug="circulation")


def test_copying_register_lists_each_copy_made_by_approval(office, sheets):
    """CARRIER-13: the copying register — approval, copies made, who, when."""
    rows = registers.copying_rows(office.wangfang, registers.Period())
    assert len(rows) == 2 and {r[1] for r in rows} == {"复制"}
    shown = next(r for r in rows if r[4] == SHOWN)
    assert shown[2].endswith("第000002份") and shown[3].endswith("第000003份") and shown[8]
    assert [r[4] for r in registers.copying_rows(office.zhaolei, registers.Period())] == [SHOWN]
    today = timezone.localdate()
    assert registers.copying_rows(office.wangfang, registers.Period(end=today - datetime.timedelta(days=1))) == []


def test_register_pages_and_downloads(office, sheets):
    client = login(Client(), office.zhaolei)
    page = client.get("/carriers/registers/circulation/").content.decode()
    assert SHOWN in page and HIDDEN not in page and "传阅单" in page
    page = client.get("/carriers/registers/copying/", {"from": timezone.localdate().isoformat()}).content.decode()
    assert SHOWN in page and HIDDEN not in page
    assert client.get("/carriers/registers/circulation/", {"carrier": sheets[HIDDEN].pk}).status_code == 404
    response = client.get("/carriers/registers/circulation.xlsx", {"carrier": sheets[SHOWN].pk})
    assert response.status_code == 200 and SHOWN in _xlsx_text(response.content)
    response = client.get("/carriers/registers/copying.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert login(Client(), office.sunwei).get("/carriers/registers/copying/").status_code == 403
    assert client.get("/carriers/registers/bogus/").status_code == 404
    keeper = login(Client(), office.wangfang)
    assert 'data-testid="circulation-sheet"' in keeper.get(f"/carriers/{sheets[SHOWN].pk}/").content.decode()
    response = keeper.get("/api/v1/carriers/registers/circulation",
                          {"format": "xlsx", "carrier_id": sheets[HIDDEN].pk})
    assert response.status_code == 200 and HIDDEN in _xlsx_text(response.content)
    assert events("carriers.register.export").count() == 3


def test_annual_cleanup_lists_and_bulk_actions(office):
    """CARRIER-18: the year-end list (held by individuals, past the 清退 deadline, to hand back,
    to archive, to destroy) with bulk actions through the existing services."""
    today = timezone.localdate()
    late = register(office.wangfang, mark="秘密★10年", copies=2, units=[office.units["planning"]],
                    return_by=today - datetime.timedelta(days=3))
    kept = register(office.wangfang, mark="秘密★10年", copies=1, direction="made", source_unit="",
                    units=[office.units["planning"]], registered_on=today - datetime.timedelta(days=400))
    services.copy_circulate(actor=office.wangfang, copy=first_copy(late, 2), reader=office.zhoujing)
    lists = selectors.cleanup_for(office.wangfang)
    assert [c.pk for c in lists["held"]] == [first_copy(late, 2).pk]
    assert [c.pk for c in lists["past_return"]] == [first_copy(late).pk]
    assert [c.pk for c in lists["archive"]] == [first_copy(kept).pk]
    assert [c.pk for c in lists["destroy"]] == [first_copy(kept).pk]
    assert all(not qs.exists() for qs in selectors.cleanup_for(office.sunwei).values())
    client = login(Client(), office.wangfang)
    page = client.get("/carriers/cleanup/").content.decode()
    assert late.register_no in page and kept.register_no in page
    assert login(Client(), office.sunwei).get("/carriers/cleanup/").status_code == 403
    client.post("/carriers/cleanup/", {"action": "hand_back", "copies": [first_copy(late).pk]})
    assert fresh(first_copy(late)).status == CopyStatus.RETURNED
    response = client.post("/carriers/cleanup/", {"action": "destroy", "copies": [first_copy(kept).pk]})
    assert response.status_code == 302
    assert response["Location"] == f"/carriers/destructions/?copies={first_copy(kept).pk}"
    assert f'value="{first_copy(kept).pk}" selected' in client.get(response["Location"]).content.decode()
    client.post("/carriers/cleanup/", {"action": "archive", "copies": [first_copy(kept).pk], "location": "档案室",
                                       "storage": "safe"})
    assert fresh(first_copy(kept)).status == CopyStatus.ARCHIVED
    assert not DestructionList.objects.exists()
    data = client.get("/api/v1/carriers/cleanup").json()
    assert [c["id"] for c in data["held"]] == [first_copy(late, 2).pk]
    assert login(Client(), office.sunwei).get("/api/v1/carriers/cleanup").status_code == 403


def test_cleanup_reminder_once_in_december(office):
    assert services.cleanup_remind(today=datetime.date(2026, 11, 30)) == []
    assert services.cleanup_remind(today=datetime.date(2026, 12, 1)) == ["年度清理提醒: 2026"]
    assert services.cleanup_remind(today=datetime.date(2026, 12, 2)) == []
    assert "年度清理提醒: 2027" in jobs.tick(today=datetime.date(2027, 12, 1))
    assert events("carriers.cleanup_remind").count() == 2
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2026, 12, 5)):
        assert [i.kind for i in inbox.items_for(office.wangfang) if i.kind == "年度清理"] == ["年度清理"]
        assert not [i for i in inbox.items_for(office.sunwei) if i.kind == "年度清理"]
    assert not [i for i in inbox.items_for(office.wangfang) if i.kind == "年度清理"] or timezone.localdate().month == 12


def test_inbox_copies_to_return_and_to_sign_for(office):
    carrier = register(office.wangfang, mark="秘密★10年", title=SHOWN, units=[office.units["planning"]])
    services.copy_circulate(actor=office.wangfang, copy=first_copy(carrier), reader=office.zhoujing)
    items = {i.kind: i for i in inbox.items_for(office.zhoujing)}
    assert {"归还", "签收"} <= set(items)
    assert items["归还"].url == f"/carriers/copies/{first_copy(carrier).pk}/" and items["归还"].due
    assert SHOWN not in items["归还"].title and first_copy(carrier).label in items["归还"].title
    services.copy_acknowledge(actor=office.zhoujing, copy=first_copy(carrier))
    kinds = [i.kind for i in inbox.items_for(office.zhoujing)]
    assert "签收" not in kinds and "归还" in kinds
    services.copy_return(actor=office.zhoujing, copy=first_copy(carrier))
    assert not [i for i in inbox.items_for(office.zhoujing) if i.kind in ("归还", "签收")]
    assert not [i for i in inbox.items_for(office.sunwei) if i.kind in ("归还", "签收")]
