"""The vault's part of the demo (src/baomi/vault/demo.py) on the demo office's cast:
electronic content stored encrypted, and a pre-send check that recognises it."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from baomi.review.models import ContentCheck
from baomi.vault import demo, services
from baomi.vault.models import ContentFile
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_demo_content_is_encrypted_versioned_and_recognised(office):
    demo.load(PASSWORD)
    files = list(ContentFile.objects.select_related("carrier").order_by("pk"))
    assert [(f.carrier.kind, f.version) for f in files] == [("electronic", 1), ("electronic", 2), ("electronic", 1)]
    assert all(f.fingerprint and f.level == 2 and f.scan_status == "ok" for f in files)
    (check,) = ContentCheck.objects.filter(actor=office.zhoujing)
    (match,) = [f for f in check.findings if f["kind"] == "fingerprint"]
    assert match["carrier"] == files[0].carrier_id and match["similarity"] >= 0.9
    data = services.content_download(actor=office.zhoujing, content_id=files[1].pk).data
    pages = PdfReader(io.BytesIO(data)).pages
    assert len(pages) == 2 and all("周静" in p.extract_text() and "份号阅" in p.extract_text() for p in pages)
    assert "规划科本周工作安排" in PdfReader(io.BytesIO(services.content_download(
        actor=office.zhoujing, content_id=files[2].pk).data)).pages[0].extract_text()
