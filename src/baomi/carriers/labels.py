"""QR labels for copies, and the lookup of a scanned or typed label.

The QR code holds an opaque label code, `BM-C-<copy id>-<check digits>` (ISO 7064 MOD 97-10
over the id, as in IBAN), never the title: a label lying on a desk tells nothing about the
document, and a mistyped code is rejected rather than opening another copy. The lookup goes
through the selectors, so a copy the reader may not see is "not found"."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from baomi import policy
from baomi.accounts.models import User
from baomi.audit.services import atomic_action, record
from baomi.carriers import selectors
from baomi.carriers.models import Copy
from baomi.classification.reports import _font
from baomi.errors import Invalid

PREFIX = "BM-C-"
_CODE = re.compile(r"^BM-C-(\d{1,12})-(\d{2})$")


def check_digits(copy_id: int) -> str:
    return f"{98 - (copy_id * 100) % 97:02d}"


def label_code(copy: Copy | int) -> str:
    copy_id = copy if isinstance(copy, int) else copy.pk
    return f"{PREFIX}{copy_id}-{check_digits(copy_id)}"


def parse_label(code: str) -> int:
    """The copy id in a label code, or Invalid (unknown shape or wrong check digits)."""
    cleaned = (code or "").strip().upper().replace(" ", "")
    match = _CODE.match(cleaned)
    if not match:
        raise Invalid(_("标签编码格式不正确"))
    copy_id = int(match.group(1))
    if int(f"{copy_id}{match.group(2)}") % 97 != 1:
        raise Invalid(_("标签编码校验位不正确"))
    return copy_id


def copy_for_label(reader: User, code: str) -> Copy:
    """The copy a label opens: Invalid for a malformed code, NotFound if absent or not visible."""
    return selectors.copy_for(reader, parse_label(code))


# ---------------------------------------------------------------- the label sheet

COLUMNS, ROWS = 3, 8
LABEL_W, LABEL_H = 70 * mm, 37 * mm
MARGIN_X = (A4[0] - COLUMNS * LABEL_W) / 2
MARGIN_Y = (A4[1] - ROWS * LABEL_H) / 2


def _qr_png(code: str) -> ImageReader:
    out = io.BytesIO()
    segno.make(code, error="m", micro=False).save(out, kind="png", scale=8, border=2)
    out.seek(0)
    return ImageReader(out)


def labels_pdf(copies: Sequence[Copy]) -> bytes:
    """An A4 sheet (3 × 8 labels of 70 × 37 mm) with one label per copy: QR code, label code,
    register number and 份号, and the mark. No title."""
    font = _font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle("载体标签")
    per_page = COLUMNS * ROWS
    for index, copy in enumerate(copies):
        if index and index % per_page == 0:
            pdf.showPage()
        slot = index % per_page
        x = MARGIN_X + (slot % COLUMNS) * LABEL_W
        y = A4[1] - MARGIN_Y - (slot // COLUMNS + 1) * LABEL_H
        pdf.setLineWidth(0.3)
        pdf.rect(x, y, LABEL_W, LABEL_H)
        code = label_code(copy)
        side = LABEL_H - 6 * mm
        pdf.drawImage(_qr_png(code), x + 3 * mm, y + 3 * mm, width=side, height=side)
        tx = x + side + 6 * mm
        pdf.setFont(font, 8)
        pdf.drawString(tx, y + LABEL_H - 9 * mm, "涉密载体")
        pdf.setFont("Courier-Bold", 8)
        pdf.drawString(tx, y + LABEL_H - 15 * mm, code)
        pdf.setFont(font, 8)
        pdf.drawString(tx, y + LABEL_H - 21 * mm, copy.carrier.register_no)
        pdf.drawString(tx, y + LABEL_H - 26 * mm, f"第{copy.number}份")
        pdf.drawString(tx, y + LABEL_H - 31 * mm, copy.carrier.marking[:14])
    if not copies:
        pdf.setFont(font, 12)
        pdf.drawString(MARGIN_X, A4[1] - MARGIN_Y, "（无可打印的载体份）")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def labels_print(*, actor: User, carrier_id: int | None = None, copy_ids: Sequence[int] = ()) -> bytes:
    """Labels for the visible copies of one carrier, or for the listed visible copies; keepers
    only, recorded (copy ids and label codes, never the title)."""
    with atomic_action(actor, "carriers.labels.print"):
        policy.require(actor, policy.Perm.KEEP_CARRIERS)
        copies = selectors.copies_visible_to(actor)
        if carrier_id is not None:
            copies = selectors.copies_of(actor, selectors.carrier_for(actor, carrier_id))
        if copy_ids:
            copies = copies.filter(pk__in=list(copy_ids))
        elif carrier_id is None:
            raise Invalid(_("请选择要打印标签的载体"))
        chosen = list(copies)
        content = labels_pdf(chosen)
        record(actor=actor, action="carriers.labels.print", object_type="carrier",
               object_id=str(carrier_id or ""), summary=f"打印载体标签（{len(chosen)} 张）",
               details={"copies": [c.pk for c in chosen], "codes": [label_code(c) for c in chosen],
                        "printed_at": timezone.now().isoformat()})
    return content
