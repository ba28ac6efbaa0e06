"""Reads of electronic content, filtered in SQL by `policy.content_files_visible_to` (the
same answer as for the carrier: hidden content is "not found"), and the fingerprints of
registered content for the 保密审查 module."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.carriers.models import HELD_STATUSES, Carrier, Copy
from baomi.errors import NotFound
from baomi.levels import Level
from baomi.scanner import CarrierFingerprint, FileResult, Kind
from baomi.scanner.fingerprint import decode_hashes
from baomi.vault.models import ContentFile

#: A content check reports a registered carrier when this share of the checked text, or of
#: the carrier's fingerprints, is shared with it (and the scanner's 60-character floor is met).
SIMILARITY_THRESHOLD = 0.5
_PREFIX = "carrier:"


def content_files_visible_to(reader: User) -> QuerySet[ContentFile]:
    return (ContentFile.objects.filter(policy.content_files_visible_to(reader))
            .select_related("carrier", "uploaded_by").order_by("carrier_id", "-version"))


def versions_of(reader: User, carrier: Carrier) -> QuerySet[ContentFile]:
    """Every version of a carrier's content, newest first (empty for a carrier the reader may not see)."""
    return content_files_visible_to(reader).filter(carrier=carrier)


def content_for(reader: User, content_id: int) -> ContentFile:
    found = content_files_visible_to(reader).filter(pk=content_id).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def held_copy(reader: User, carrier: Carrier) -> Copy | None:
    """The reader's own copy of the carrier (its 份号 goes on the watermark), if any."""
    return (Copy.objects.filter(carrier=carrier, custodian=reader, status__in=HELD_STATUSES)
            .order_by("serial").first())


# ---------------------------------------------------------------- fingerprints (issue 5)


def scanner_fingerprints(reader: User | None = None) -> list[CarrierFingerprint]:
    """Every fingerprinted version of registered electronic content, as scanner rules; with a
    reader, only the content of carriers that reader may see (what an exported bundle carries)."""
    files = ContentFile.objects.exclude(fingerprint="")
    if reader is not None:
        files = files.filter(policy.content_files_visible_to(reader))
    rows = files.values_list(
        "carrier_id", "level", "fingerprint", "fingerprint_length").order_by("carrier_id", "version")
    return [CarrierFingerprint(carrier_id=f"{_PREFIX}{carrier_id}", level=Level(level), hashes=decode_hashes(fp),
                               length=length) for carrier_id, level, fp, length in rows]


def similarity_of(details: dict[str, Any]) -> float:
    return float(max(details.get("overlap", 0.0), details.get("coverage", 0.0)))


def keep_similar(result: FileResult) -> None:
    """Keep the fingerprint findings at or above SIMILARITY_THRESHOLD, one per carrier (its
    most similar version), each with its `similarity`; the tally follows."""
    best: dict[str, Any] = {}
    for finding in result.findings:
        if finding.kind is Kind.FINGERPRINT and finding.rule.startswith(_PREFIX):
            finding.details["similarity"] = round(similarity_of(finding.details), 4)
            current = best.get(finding.rule)
            if finding.details["similarity"] >= SIMILARITY_THRESHOLD and (
                    current is None or finding.details["similarity"] > current.details["similarity"]):
                best[finding.rule] = finding
    dropped = [f for f in result.findings
               if f.kind is Kind.FINGERPRINT and f.rule.startswith(_PREFIX) and best.get(f.rule) is not f]
    if dropped:
        result.findings = [f for f in result.findings if not any(f is d for d in dropped)]
        result.tally[Kind.FINGERPRINT.value] -= len(dropped)


def match_fields(kind: str, rule: str, details: dict[str, Any]) -> dict[str, Any]:
    """What a stored check keeps of a match: the carrier's id and the similarity (never its title)."""
    if kind != Kind.FINGERPRINT.value or not rule.startswith(_PREFIX):
        return {}
    similarity = float(details.get("similarity", similarity_of(details)))
    return {"carrier": int(rule[len(_PREFIX):]), "similarity": similarity,
            "message": match_message(similarity)}


def match_message(similarity: float) -> str:
    return _("与一份已登记的涉密电子载体高度相似（%(pct)d%%）") % {"pct": round(similarity * 100)}


def match_register_no(reader: User, carrier_id: int | None) -> str | None:
    """The matched carrier's register number, only for a reader who may see that carrier."""
    if carrier_id is None:
        return None
    return (Carrier.objects.filter(policy.carriers_visible_to(reader), pk=carrier_id)
            .values_list("register_no", flat=True).first())
