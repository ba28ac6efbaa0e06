"""Upload and download through the services: who may, what is refused, what is audited."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from baomi.errors import Invalid, NotFound, Refused
from baomi.levels import Level
from baomi.vault import services, storage
from baomi.vault.models import ContentFile
from tests.vault.conftest import REPORT, blobs, details, events, pdf

pytestmark = pytest.mark.django_db


def upload(actor, carrier, data: bytes, name: str = "报告.txt") -> ContentFile:
    return services.content_upload(actor=actor, carrier=carrier, data=data, filename=name)


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def test_upload_is_encrypted_versioned_fingerprinted_and_audited(office, work, vault_dir):
    first = upload(office.wangfang, work, REPORT.encode())
    second = upload(office.wangfang, work, (REPORT + "（修改稿）").encode())
    assert (first.version, second.version) == (1, 2) and ContentFile.objects.count() == 2  # the old one is kept
    assert first.algorithm == "AES-256-GCM+GCM-WRAP" and first.level == Level.WORK_SECRET
    assert first.fingerprint and first.fingerprint_length > 200 and first.scan_status == "ok"
    stored = (vault_dir / "blobs" / first.blob_name[:2] / first.blob_name).read_bytes()
    assert "重点项目".encode() not in stored and REPORT.encode() not in stored
    (event, _second) = events("vault.upload")
    assert event.object_id == str(first.pk) and event.object_level == Level.WORK_SECRET
    assert work.register_no in event.summary and "报告" not in event.summary and work.title not in event.summary
    assert details(event)["sha256"] == first.sha256 and details(event)["algorithm"] == first.algorithm


def test_upload_above_the_system_level_is_refused_and_audited(office, confidential, settings):
    assert settings.BAOMI_SYSTEM_LEVEL == Level.WORK_SECRET
    with pytest.raises(Refused) as caught:
        upload(office.wangfang, confidential, REPORT.encode())
    assert "秘密" in caught.value.message and "工作秘密" in caught.value.message
    assert caught.value.recorded and not ContentFile.objects.exists()
    (event,) = events("vault.upload", "denied")
    assert event.summary == caught.value.message and event.object_id == str(confidential.pk)
    settings.BAOMI_SYSTEM_LEVEL = Level.CONFIDENTIAL
    assert upload(office.wangfang, confidential, REPORT.encode()).version == 1


def test_only_a_keeper_may_upload(office, work):
    # 周静 may read the carrier (规划科 is in its need-to-know) but keeps no register.
    for person in (office.zhoujing, office.sunwei):
        with pytest.raises(Refused, match="机要员或保密员"):
            upload(person, work, REPORT.encode())
    with pytest.raises(NotFound):  # 郑丽 may not even see it
        upload(office.zhengli, work, REPORT.encode())
    with pytest.raises(NotFound):  # administrators read no classified content
        upload(office.sysadmin, work, REPORT.encode())
    assert len(events("vault.upload", "denied")) == 2 and not ContentFile.objects.exists()


def test_paper_carrier_has_no_electronic_content(office, paper):
    with pytest.raises(Refused, match="纸质载体"):
        upload(office.wangfang, paper, REPORT.encode())


def test_size_limit(office, work, settings):
    settings.BAOMI_MAX_UPLOAD_MB = 1
    with pytest.raises(Invalid, match="1 MB"):
        upload(office.wangfang, work, b"a" * (1024 * 1024 + 1))
    assert upload(office.wangfang, work, b"a" * (1024 * 1024)).size == 1024 * 1024
    with pytest.raises(Invalid):
        upload(office.wangfang, work, b"")


def test_a_file_marked_above_its_carrier_is_refused(office, work, confidential, settings):
    settings.BAOMI_SYSTEM_LEVEL = Level.CONFIDENTIAL
    with pytest.raises(Refused) as caught:
        upload(office.wangfang, confidential, ("机密★5年\n" + REPORT).encode())
    assert caught.value.message.startswith("文件标注为机密，高于载体密级秘密")
    with pytest.raises(Refused, match="文件标注为秘密，高于载体密级工作秘密"):
        upload(office.wangfang, work, pdf(["正文"], header="秘密★5年"), "通知.pdf")
    assert len(events("vault.upload", "denied")) == 2 and not ContentFile.objects.exists()
    # The same level or below is fine.
    assert upload(office.wangfang, confidential, ("秘密★5年\n" + REPORT).encode()).mark_level == Level.CONFIDENTIAL


def test_malformed_files_upload_without_fingerprint(office, work):
    broken = upload(office.wangfang, work, b"%PDF-1.7\n this is not a pdf", "损坏.pdf")
    binary = upload(office.wangfang, work, bytes(range(256)) * 10, "data.bin")
    assert broken.fingerprint == "" and broken.scan_status == "error"
    assert binary.fingerprint == "" and binary.scan_status != "ok"


def test_a_failed_transaction_leaves_no_blob(office, work, vault_dir, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "record", boom)
    with pytest.raises(RuntimeError):
        upload(office.wangfang, work, REPORT.encode())
    assert blobs(vault_dir) == [] and not ContentFile.objects.exists()


# ---------------------------------------------------------------- download


def test_hidden_carrier_content_is_not_found(office, work):
    content = upload(office.wangfang, work, REPORT.encode())
    for person in (office.zhengli, office.wutao, office.sysadmin, office.auditor):
        with pytest.raises(NotFound):
            services.content_download(actor=person, content_id=content.pk)
    with pytest.raises(NotFound):
        services.content_download(actor=office.zhoujing, content_id=content.pk + 100)
    assert not events("vault.download")


def test_every_page_of_a_pdf_carries_the_watermark(office, work):
    content = upload(office.wangfang, work, pdf(["第一页正文", "第二页正文", "第三页正文"]), "方案.pdf")
    result = services.content_download(actor=office.zhoujing, content_id=content.pk)
    texts = pages_text(result.data)
    assert len(texts) == 3
    for n, text in enumerate(texts, 1):
        assert f"第{'一二三'[n - 1]}页正文" in text
        for part in ("周静", "规划科", "份号阅", "Baomi 保密管理平台"):
            assert part in text, (n, part)
    assert result.filename.endswith("-v1.pdf")


def test_text_is_converted_to_a_stamped_pdf_utf8_and_gbk(office, work):
    for encoding in ("utf-8", "gbk"):
        content = upload(office.wangfang, work, REPORT.encode(encoding), f"报告-{encoding}.txt")
        text = "".join(pages_text(services.content_download(actor=office.zhoujing, content_id=content.pk).data))
        assert "重点项目" in text and "周静" in text and "份号阅" in text


def test_keepers_get_the_watermark_too_with_their_copy_number(office, work):
    content = upload(office.wangfang, work, REPORT.encode())
    copy = work.copies.get()
    text = pages_text(services.content_download(actor=office.wangfang, content_id=content.pk).data)[0]
    assert "王芳" in text and f"份号{copy.number}" in text
    services.content_download(actor=office.wangfang, content_id=content.pk, copy_id=copy.pk)
    with pytest.raises(Refused, match="当前责任人"):  # 周静 does not hold that copy
        services.content_download(actor=office.zhoujing, content_id=content.pk, copy_id=copy.pk)


def test_unsupported_types_are_refused_for_everyone(office, work):
    content = upload(office.wangfang, work, b"PK\x03\x04" + bytes(200), "报告.docx")
    for person in (office.zhoujing, office.wangfang):
        with pytest.raises(Refused) as caught:
            services.content_download(actor=person, content_id=content.pk)
        assert caught.value.message == "该类型文件不支持带水印下载，请联系机要员"
    assert len(events("vault.download", "denied")) == 2 and not events("vault.download")


def test_every_view_and_download_is_audited_with_its_copy_number(office, work):
    content = upload(office.wangfang, work, REPORT.encode())
    copy = work.copies.get()
    services.content_download(actor=office.zhoujing, content_id=content.pk)
    services.content_download(actor=office.zhoujing, content_id=content.pk, inline=True)
    services.content_download(actor=office.wangfang, content_id=content.pk, copy_id=copy.pk)
    downloads, views = events("vault.download"), events("vault.view")
    assert [(e.actor_username, details(e)["copy"]) for e in downloads] == [("zhoujing", None),
                                                                          ("wangfang", copy.number)]
    assert len(views) == 1 and views[0].object_id == str(content.pk)
    assert copy.number in downloads[1].summary and work.title not in downloads[1].summary


def test_tampered_ciphertext_is_a_clear_error_and_audited(office, work, vault_dir):
    content = upload(office.wangfang, work, REPORT.encode())
    store = storage.blob_store()
    data = bytearray(store.get(content.blob_name))
    data[10] ^= 0xFF
    store.put(content.blob_name, bytes(data))
    with pytest.raises(services.Tampered, match="校验失败"):
        services.content_download(actor=office.zhoujing, content_id=content.pk)
    (event,) = events("vault.download", "error")
    assert details(event)["error"] == "TamperedError" and not events("vault.download")
    store.delete(content.blob_name)
    with pytest.raises(services.Tampered):
        services.content_download(actor=office.zhoujing, content_id=content.pk)
