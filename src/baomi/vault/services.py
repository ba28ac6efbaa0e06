"""Storing and handing out the content of electronic carriers (issue 4), with fingerprints (issue 5).

- `content_upload`: a keeper of the carrier's register puts a file into an electronic carrier
  whose level this installation may hold (系统密级); the file's own classification mark may
  not be above the carrier's (no write-down). The content is sealed with a fresh data key
  (`crypto`), the ciphertext written atomically to the blob store (`storage`), the record and
  its audit event committed together; if the transaction fails the blob is removed.
- `content_download`: anyone who may see the carrier gets a copy stamped on every page with
  who they are, their unit, the time, their 份号 (or 阅) and the system's name; nobody, not
  even a keeper, gets the raw file. Every view and download is audited; a ciphertext that
  fails authentication is refused with a clear error and audited.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.audit.models import Outcome
from baomi.audit.services import atomic_action, record
from baomi.carriers.models import Carrier, Copy
from baomi.errors import BaomiError, Invalid, NotFound, Refused
from baomi.levels import Level
from baomi.scanner import Kind, Limits, Rules, Scanner, Status
from baomi.scanner.fingerprint import FingerprintIndex, FingerprintSession, encode_hashes, fingerprint
from baomi.vault import crypto, selectors, storage, watermark
from baomi.vault.models import ContentFile

MiB = 1024 * 1024
SYSTEM_NAME = "Baomi 保密管理平台"
WATERMARK_TZ = ZoneInfo("Asia/Shanghai")


class Tampered(BaomiError):
    """Stored content failed authentication: it was altered, or the master key is not the one
    that sealed it. Nothing is handed out."""

    status = 500
    code = "tampered"


def max_upload_bytes() -> int:
    return int(settings.BAOMI_MAX_UPLOAD_MB) * MiB


# ---------------------------------------------------------------- reading the upload


class _TextCollector(FingerprintIndex):
    """Stands in for the scanner's fingerprint index to receive the text it extracts."""

    def __init__(self) -> None:
        super().__init__([])
        self.parts: list[str] = []

    def __bool__(self) -> bool:
        return True

    def session(self) -> FingerprintSession:
        return _CollectingSession(self)


class _CollectingSession(FingerprintSession):
    def feed(self, text: str, ref: object) -> None:
        collector = self.index
        assert isinstance(collector, _TextCollector)
        collector.parts.append(text)

    def results(self) -> list:  # type: ignore[type-arg]
        return []


@dataclass
class Reading:
    status: str
    mark_level: Level | None
    fingerprint: str
    fingerprint_length: int


def read_content(data: bytes, name: str) -> Reading:
    """Extract the text with `baomi.scanner`: the highest classification mark, and winnowing
    fingerprints of the text (none when the file could not be read completely)."""
    scanner = Scanner(Rules(), limits=Limits(max_file_size=None, max_total_uncompressed=256 * MiB))
    collector = _TextCollector()
    scanner.fingerprints = collector
    result = scanner.scan_bytes(data, name=name)
    encoded, length = "", 0
    if result.status is Status.OK and collector.parts:
        hashes, length = fingerprint("\n".join(collector.parts))
        encoded = encode_hashes(hashes) if hashes.size else ""
    return Reading(result.status.value, result.highest(Kind.MARK), encoded, length if encoded else 0)


# ---------------------------------------------------------------- upload


def _clean_name(filename: str) -> str:
    return os.path.basename(filename.replace("\\", "/")).strip().replace("\x00", "")[:200]


def content_upload(*, actor: User, carrier: Carrier, data: bytes, filename: str,
                   content_type: str = "") -> ContentFile:
    """Store a new version of an electronic carrier's content, encrypted (SYS-05), audited (SYS-07)."""
    name = _clean_name(filename)
    store = storage.blob_store()
    written: list[str] = []
    try:
        with atomic_action(actor, "vault.upload", obj=carrier):
            # The carrier row is locked: two uploads at once get consecutive version numbers.
            locked = (Carrier.objects.select_for_update().filter(policy.carriers_visible_to(actor), pk=carrier.pk)
                      .first())
            if locked is None:
                raise NotFound(_("对象不存在"))
            reason = policy.reason_may_store_content(actor, locked, settings.BAOMI_SYSTEM_LEVEL)
            if reason:
                raise Refused(reason, details={"carrier": locked.register_no})
            if not name:
                raise Invalid(_("请选择要上传的文件"))
            if not data:
                raise Invalid(_("文件为空"))
            if len(data) > max_upload_bytes():
                raise Invalid(_("文件超过 %(mb)d MB 的上传限制") % {"mb": settings.BAOMI_MAX_UPLOAD_MB})
            reading = read_content(data, name)
            reason = policy.reason_content_written_down(reading.mark_level, locked)
            if reason:
                raise Refused(reason, details={"carrier": locked.register_no,
                                               "mark_level": int(reading.mark_level or 0)})
            version = (ContentFile.objects.filter(carrier=locked).aggregate(top=Max("version"))["top"] or 0) + 1
            content = ContentFile(
                carrier=locked, version=version, level=locked.level, filename=name,
                content_type=(content_type or mimetypes.guess_type(name)[0] or "application/octet-stream")[:100],
                size=len(data), sha256=hashlib.sha256(data).hexdigest(), blob_name=storage.new_name(),
                uploaded_by=actor, scan_status=reading.status,
                mark_level=int(reading.mark_level) if reading.mark_level is not None else None,
                fingerprint=reading.fingerprint, fingerprint_length=reading.fingerprint_length)
            sealed = crypto.provider().seal(data, content.aad)
            content.algorithm, content.key_id = sealed.algorithm, sealed.key_id
            content.wrapped_key, content.nonce = sealed.wrapped_key, sealed.nonce
            written.append(content.blob_name)
            store.put(content.blob_name, sealed.ciphertext)
            content.save()
            record(actor=actor, action="vault.upload", obj=content,
                   summary=f"上传电子内容 {locked.register_no} 第{version}版（{len(data)} 字节，加密存储）",
                   details={"carrier": locked.register_no, "version": version, "sha256": content.sha256,
                            "size": content.size, "algorithm": content.algorithm, "key_id": content.key_id,
                            "scan_status": content.scan_status, "mark_level": content.mark_level,
                            "fingerprinted": bool(content.fingerprint)})
    except BaseException:
        # The record did not commit: its ciphertext must not stay behind as an orphan.
        for blob in written:
            store.delete(blob)
        raise
    return content


# ---------------------------------------------------------------- download


@dataclass
class Download:
    data: bytes
    filename: str
    content_type: str = "application/pdf"


def _copy_for_watermark(actor: User, carrier: Carrier, copy_id: int | None) -> Copy | None:
    """The copy whose 份号 goes on the watermark: the one named (it must be the reader's), or
    the reader's own copy of the carrier, or None (stamped 阅)."""
    if copy_id is None:
        return selectors.held_copy(actor, carrier)
    copy = Copy.objects.filter(policy.copies_visible_to(actor), pk=copy_id, carrier=carrier).first()
    if copy is None:
        raise NotFound(_("对象不存在"))
    if copy.custodian_id != actor.pk:
        raise Refused(_("您不是该份（%(number)s）的当前责任人，不能以该份号下载") % {"number": copy.number})
    return copy


def _format(content: ContentFile, plaintext: bytes) -> str | None:
    if plaintext[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    is_text = content.filename.lower().endswith(".txt") or content.content_type.startswith("text/plain")
    if is_text and b"\x00" not in plaintext:
        return "text"
    return None


def open_content(content: ContentFile) -> bytes:
    """The plaintext of `content`, authenticated and checked against its SHA-256, or Tampered.

    Not audited and no access check: for the services here and for operators' tools
    (backup verification); the master key is the one the record names (`key_id`)."""
    try:
        ciphertext = storage.blob_store().get(content.blob_name)
        plaintext = crypto.provider(content.algorithm, content.key_id).open(
            ciphertext=ciphertext, nonce=bytes(content.nonce), wrapped_key=bytes(content.wrapped_key),
            aad=content.aad)
    except (crypto.TamperedError, FileNotFoundError) as exc:
        raise Tampered(_("电子内容校验失败（密文被篡改、缺失或主密钥不符），已拒绝提供并记入审计，"
                         "请立即报告系统管理员"), details={"error": type(exc).__name__}) from exc
    if hashlib.sha256(plaintext).hexdigest() != content.sha256:
        raise Tampered(_("电子内容校验失败（摘要不符），已拒绝提供并记入审计，请立即报告系统管理员"))
    return plaintext


_open = open_content  # the name the download path has always used


def watermark_text(actor: User, copy: Copy | None) -> str:
    moment = timezone.localtime(timezone.now(), WATERMARK_TZ)
    unit = actor.unit.name if actor.unit is not None else ""
    number = copy.number if copy is not None else "阅"
    return f"{actor.full_name or actor.username} {unit} {moment:%Y-%m-%d %H:%M} 份号{number} {SYSTEM_NAME}"


def content_download(*, actor: User, content_id: int, copy_id: int | None = None,
                     inline: bool = False) -> Download:
    """The content stamped on every page for this reader (CARRIER-13: no unmarked copies leave).

    PDF is stamped as it is; plain text (UTF-8 or GBK) becomes a stamped PDF; any other type
    is refused. NotFound for content the reader may not see."""
    action = "vault.view" if inline else "vault.download"
    visible = selectors.content_for(actor, content_id)  # NotFound when hidden
    carrier = visible.carrier
    try:
        with atomic_action(actor, action, obj=visible):
            copy = _copy_for_watermark(actor, carrier, copy_id)
            plaintext = open_content(visible)
            kind = _format(visible, plaintext)
            if kind is None:
                raise Refused(_("该类型文件不支持带水印下载，请联系机要员"), details={"carrier": carrier.register_no})
            stamp = watermark_text(actor, copy)
            try:
                if kind == "pdf":
                    pdf = watermark.stamp_pdf(plaintext, stamp)
                else:
                    text = watermark.decode_text(plaintext)
                    if text is None:
                        raise Refused(_("文本文件编码无法识别（仅支持 UTF-8 和 GBK），请联系机要员"))
                    pdf = watermark.stamp_pdf(watermark.text_to_pdf(text, carrier.register_no), stamp)
            except watermark.UnreadablePdf:
                raise Refused(_("该 PDF 文件已损坏或加密，无法加盖水印，请联系机要员")) from None
            number = copy.number if copy is not None else None
            record(actor=actor, action=action, obj=visible,
                   summary=f"{'查看' if inline else '下载'}电子内容 {carrier.register_no} 第{visible.version}版"
                           f"（{'份号 ' + number if number else '阅'}，加水印）",
                   details={"carrier": carrier.register_no, "version": visible.version, "copy": number,
                            "format": kind, "sha256": visible.sha256, "pages_stamped": True})
    except Tampered as exc:
        with transaction.atomic():
            record(actor=actor, action=action, obj=visible, outcome=Outcome.ERROR,
                   summary=f"电子内容校验失败 {carrier.register_no} 第{visible.version}版",
                   details={"carrier": carrier.register_no, "version": visible.version, **exc.details})
        raise
    return Download(pdf, f"{carrier.register_no}-v{visible.version}.pdf")
