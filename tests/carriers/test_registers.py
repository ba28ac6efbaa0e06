"""Registers (xlsx and PDF), QR labels and the label lookup: only what the reader may see,
every download recorded, never a title in the audit trail."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from baomi.audit.models import AuditEvent
from baomi.carriers import labels, registers, services
from baomi.carriers.models import Channel, DestructionMethod
from baomi.errors import Invalid, NotFound, Refused
from tests.carriers.conftest import approve_all, events, first_copy, register
from tests.conftest import login

HIDDEN = "机密：不应出现在登记簿中的标题"
SHOWN = "秘密：可以出现在登记簿中的标题"


@pytest.fixture
def books(office):
    """A 机密 carrier 赵磊 (一般, 保密员) may not see, and a 秘密 one he may; both lent, sent,
    destroyed and due for hand-back, so that every register has a row of each."""
    today = timezone.localdate()
    made = {}
    for title, mark in ((HIDDEN, "机密★5年"), (SHOWN, "秘密★10年")):
        carrier = register(office.wangfang, mark=mark, copies=4, title=title, units=[office.units["planning"]],
                           return_by=today + datetime.timedelta(days=10))
        c1, c2, c3 = (first_copy(carrier, n) for n in (1, 2, 3))
        request = services.copy_lend_request(actor=office.sunwei, copy=c1, due_on=today + datetime.timedelta(days=3),
                                             reason="工作需要")
        approve_all(request, office.chen)
        services.copy_return(actor=office.wangfang, copy=first_copy(carrier, 1))
        services.copy_dispatch(actor=office.wangfang, copy=c2, recipient_unit="省发展改革委",
                               channel=Channel.CONFIDENTIAL, courier="张三", note="")
        services.destruction_create(actor=office.wangfang, copies=[c3], method=DestructionMethod.SHRED, site="机要室",
                                    witnesses=[office.lijianhua, office.liumin], reason="已过保存期限")
        # 传阅单 and 复制登记簿: copy 4 circulated, signed for and returned; then copied once.
        c4 = first_copy(carrier, 4)
        services.copy_circulate(actor=office.wangfang, copy=c4, reader=office.sunwei, note="阅办")
        services.copy_acknowledge(actor=office.sunwei, copy=first_copy(carrier, 4))
        services.copy_return(actor=office.sunwei, copy=first_copy(carrier, 4))
        approve_all(services.copy_reproduce_request(actor=office.wangfang, copy=first_copy(carrier, 4), count=1,
                                                    reason="会议需要"), office.chen)
        made[title] = carrier
    return made


def _xlsx_text(content: bytes) -> str:
    sheet = load_workbook(io.BytesIO(content)).active
    return "\n".join(" ".join(str(v) for v in row if v is not None) for row in sheet.iter_rows(values_only=True))


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("slug", sorted(registers.REGISTERS))
def test_each_register_opens_in_both_formats_with_only_visible_rows(office, books, slug):
    """CARRIER-01, -10, -16, -20: the printable registers; CARRIER-04: only what the reader may see."""
    heading = registers.REGISTERS[slug].heading
    for reader in (office.wangfang, office.zhaolei):
        xlsx, content_type, name = registers.register_export(actor=reader, slug=slug, fmt="xlsx")
        assert content_type == registers.XLSX_TYPE and name.endswith(".xlsx")
        text = _xlsx_text(xlsx)
        assert heading in text
        assert SHOWN in text
        # 王芳 (核心) sees both; 赵磊 (一般) never the 机密 title.
        assert (HIDDEN in text) == (reader == office.wangfang)
        assert books[SHOWN].register_no in text
        if slug != "destruction":  # a destruction list names hidden copies by number only
            assert (books[HIDDEN].register_no in text) == (reader == office.wangfang)
        pdf, content_type, _name = registers.register_export(actor=reader, slug=slug, fmt="pdf")
        assert content_type == "application/pdf"
        assert heading in _pdf_text(pdf)
    assert events("carriers.register.export").count() == 4
    for event in events("carriers.register.export"):
        assert HIDDEN not in event.summary and SHOWN not in event.summary
        assert HIDDEN not in str(event.details) and SHOWN not in str(event.details)


def test_register_rows_and_date_filters(office, books):
    today = timezone.localdate()
    rows = registers.lending_rows(office.wangfang, registers.Period())
    assert len(rows) == 2 and all(r[7] for r in rows)  # both lent and returned
    assert registers.outgoing_rows(office.zhaolei, registers.Period()) == [
        row for row in registers.outgoing_rows(office.wangfang, registers.Period()) if SHOWN in row]
    past = registers.Period(end=today - datetime.timedelta(days=1))
    future = registers.Period(start=today + datetime.timedelta(days=1))
    for slug in ("incoming", "outgoing", "lending", "destruction"):
        rows_of = registers.REGISTERS[slug].rows
        assert len(rows_of(office.wangfang, registers.Period(today, today))) == 2
        assert rows_of(office.wangfang, past) == [] and rows_of(office.wangfang, future) == []
    hand_back = registers.hand_back_rows(office.wangfang, registers.Period())
    # Shelved incoming copies: the one lent and returned, the one on a pending destruction list, the one
    # circulated and returned, and its reproduction.
    assert {r[1] for r in hand_back} == {"000001", "000003", "000004", "000005"}
    assert registers.hand_back_rows(office.wangfang, registers.Period(end=today)) == []
    with pytest.raises(Invalid):
        registers.parse_period("2026-13-01", "")
    with pytest.raises(Invalid):
        registers.parse_period("2026-02-01", "2026-01-01")


def test_registers_are_for_the_keepers_and_refusals_recorded(office, books):
    with pytest.raises(Refused):
        registers.register_export(actor=office.sunwei, slug="incoming", fmt="xlsx")
    assert events("carriers.register.export", "denied").count() == 1
    with pytest.raises(NotFound):
        registers.register_export(actor=office.wangfang, slug="nonsense", fmt="xlsx")
    with pytest.raises(Invalid):
        registers.register_export(actor=office.wangfang, slug="incoming", fmt="doc")


def test_label_code_round_trips_and_rejects_wrong_check_digits():
    for copy_id in (1, 7, 42, 999, 123456789):
        code = labels.label_code(copy_id)
        assert code.startswith("BM-C-") and labels.parse_label(code) == copy_id
        assert labels.parse_label(f" {code.lower()} ") == copy_id
        head, check = code.rsplit("-", 1)
        for wrong in {f"{(int(check) + d) % 100:02d}" for d in (1, 10, 50)}:
            with pytest.raises(Invalid, match="校验位"):
                labels.parse_label(f"{head}-{wrong}")
    # A single mistyped digit of the id is caught too.
    with pytest.raises(Invalid):
        labels.parse_label(labels.label_code(42).replace("BM-C-42-", "BM-C-43-"))
    for junk in ("", "42", "BM-C-", "BM-C-x-12", "BM-C-42-1"):
        with pytest.raises(Invalid):
            labels.parse_label(junk)


def test_label_sheet_encodes_the_code_not_the_title(office, books):
    carrier = books[SHOWN]
    pdf = labels.labels_print(actor=office.wangfang, carrier_id=carrier.pk)
    text = _pdf_text(pdf)
    copies = list(carrier.copies.order_by("serial"))
    for copy in copies:
        assert labels.label_code(copy) in text
    assert SHOWN not in text and carrier.register_no in text
    event = events("carriers.labels.print").get()
    assert json.loads(event.details)["copies"] == [c.pk for c in copies]
    assert SHOWN not in event.summary + event.details
    # Not for readers; not for a carrier the keeper may not see.
    with pytest.raises(Refused):
        labels.labels_print(actor=office.sunwei, carrier_id=carrier.pk)
    with pytest.raises(NotFound):
        labels.labels_print(actor=office.zhaolei, carrier_id=books[HIDDEN].pk)


def test_lookup_opens_the_copy_or_404(office, books):
    shown, hidden = first_copy(books[SHOWN], 4), first_copy(books[HIDDEN], 4)
    client = login(Client(), office.zhaolei)
    response = client.get("/carriers/scan/", {"code": labels.label_code(shown)})
    assert response.status_code == 302 and response["Location"] == f"/carriers/copies/{shown.pk}/"
    assert client.get("/carriers/scan/", {"code": labels.label_code(hidden)}).status_code == 404
    code = labels.label_code(shown)
    wrong = code[:-1] + ("1" if code[-1] == "0" else "0")  # a check digit that is not the right one
    response = client.get("/carriers/scan/", {"code": wrong}, follow=True)
    assert response.status_code == 200 and "校验位" in response.content.decode()
    assert labels.copy_for_label(office.wangfang, labels.label_code(hidden)).pk == hidden.pk
    page = client.get("/carriers/").content.decode()
    assert 'action="/carriers/scan/"' in page and "/carriers/registers/incoming.pdf" in page


def test_downloads_through_the_pages_and_the_api(office, books):
    today = timezone.localdate().isoformat()
    client = login(Client(), office.zhaolei)
    response = client.get("/carriers/registers/incoming.xlsx", {"from": today, "to": today})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert SHOWN in _xlsx_text(response.content) and HIDDEN not in _xlsx_text(response.content)
    response = client.get("/carriers/registers/destruction.pdf")
    assert response.status_code == 200 and "销毁清单" in _pdf_text(response.content)
    assert "/carriers/registers/destruction.pdf" in client.get("/carriers/destructions/").content.decode()
    assert client.get("/carriers/registers/bogus.pdf").status_code == 404
    assert login(Client(), office.sunwei).get("/carriers/registers/incoming.xlsx").status_code == 403
    response = client.get(f"/carriers/{books[SHOWN].pk}/labels.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(f"/carriers/{books[HIDDEN].pk}/labels.pdf").status_code == 404

    response = client.get("/api/v1/carriers/registers/lending", {"format": "pdf", "date_from": today})
    assert response.status_code == 200 and "借阅登记簿" in _pdf_text(response.content)
    response = client.get("/api/v1/carriers/registers/hand_back", {"format": "xlsx"})
    assert response.status_code == 200 and HIDDEN not in _xlsx_text(response.content)
    shown, hidden = first_copy(books[SHOWN], 4), first_copy(books[HIDDEN], 4)
    response = client.get(f"/api/v1/carriers/labels/{labels.label_code(shown)}")
    assert response.status_code == 200 and response.json()["id"] == shown.pk
    assert client.get(f"/api/v1/carriers/labels/{labels.label_code(hidden)}").status_code == 404
    assert client.get(f"/api/v1/carriers/{books[SHOWN].pk}/labels").content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="carriers.register.export", outcome="ok").count() == 4
    assert AuditEvent.objects.filter(action="carriers.labels.print", outcome="ok").count() == 2
