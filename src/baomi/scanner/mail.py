"""E-mail: .eml (MIME) and Outlook .msg, with attachments scanned as members."""

from __future__ import annotations

import email
import email.policy
import io
from email.message import EmailMessage
from typing import IO, Any

from baomi.scanner.base import Job
from baomi.scanner.documents import html_from_str, html_text


def eml(f: IO[bytes], name: str, size: int, job: Job) -> None:
    msg = email.message_from_binary_file(f, policy=email.policy.default)  # type: ignore[arg-type]
    _message(msg, job, 0)  # type: ignore[arg-type]


def _message(msg: EmailMessage, job: Job, attached: int) -> None:
    subject = str(msg.get("Subject", "") or "")
    job.part(subject, "subject", strong=True)
    n = 0
    for part in msg.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        ctype = part.get_content_type()
        if filename or part.get_content_disposition() == "attachment":
            n += 1
            data = part.get_payload(decode=True) or b""
            if not isinstance(data, bytes):
                data = str(data).encode()
            job.member(filename or f"attachment-{n}", io.BytesIO(data), len(data))
        elif ctype == "text/plain":
            job.part(_content(part), "body")
        elif ctype == "text/html":
            raw = part.get_payload(decode=True)
            if isinstance(raw, bytes):
                _title, body = html_text(raw, part.get_content_charset())
                job.part(body, "body")


def _content(part: Any) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, KeyError):  # unknown or wrong charset
        raw = part.get_payload(decode=True) or b""
        return raw.decode("gb18030", "replace") if isinstance(raw, bytes) else str(raw)


def _ole_text(ole: Any, prefix: str, prop: str) -> str:
    """A MAPI string property: Unicode (001F) or 8-bit (001E, usually GBK in Chinese Outlook)."""
    for suffix, codec in (("001F", "utf-16-le"), ("001E", "gb18030")):
        stream = f"{prefix}__substg1.0_{prop}{suffix}"
        if ole.exists(stream):
            return str(ole.openstream(stream).read().decode(codec, "replace").rstrip("\x00"))
    return ""


def msg(ole: Any, job: Job) -> None:
    job.part(_ole_text(ole, "", "0037"), "subject", strong=True)
    job.part(_ole_text(ole, "", "1000"), "body")
    if ole.exists("__substg1.0_10130102"):
        _, body = html_text(ole.openstream("__substg1.0_10130102").read())
        job.part(body, "body (html)")
    elif ole.exists("__substg1.0_1013001F"):
        _, body = html_from_str(_ole_text(ole, "", "1013"))
        job.part(body, "body (html)")
    storages = sorted({entry[0] for entry in ole.listdir(streams=True, storages=True)
                       if entry and entry[0].startswith("__attach_version1.0_#")})
    for n, storage in enumerate(storages, 1):
        prefix = f"{storage}/"
        name = _ole_text(ole, prefix, "3707") or _ole_text(ole, prefix, "3704") or f"attachment-{n}"
        data_stream = f"{prefix}__substg1.0_37010102"
        if ole.exists(data_stream):
            size = ole.get_size(data_stream)
            job.budget.check_member(name, size, None)
            data = ole.openstream(data_stream).read()
            job.member(name, io.BytesIO(data), len(data))
