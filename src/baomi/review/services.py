"""宣传出版保密审查 and pre-send checks (issue 5, server side), and the rules-bundle export.

`content_check` scans an upload or pasted text with `baomi.scanner` (marks, plus the
keywords of the current 保密事项范围) and records the check with masked snippets only.
It refuses — and records the refusal — when:

- the content claims to publish a classification decision that is still in force
  (`classification.services.release_check`, CLASS-14);
- a declared level is below what the content shows (no write-down);
- the purpose is publication and the content shows 秘密 or above, or a work-secret mark
  (EXT-07, EXT-08).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.audit import keys
from baomi.audit.models import Outcome
from baomi.audit.services import atomic_action, record
from baomi.classification.models import Decision, Guide
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.levels import Level
from baomi.review.models import ContentCheck, PublicationStatus, Purpose, Result
from baomi.scanner import (
    CarrierFingerprint,
    FileResult,
    Limits,
    Rules,
    Scanner,
    Status,
    build_bundle,
    parse_bundle,
    write_bundle,
)
from baomi.scanner.engine import MASK
from baomi.scanner.rules import sign_bundle
from baomi.vault.selectors import keep_similar, match_fields, scanner_fingerprints

Perm = policy.Perm

MiB = 1024 * 1024
#: Largest upload or pasted text a check accepts.
MAX_BYTES = 20 * MiB
#: Findings kept per check (all are counted).
MAX_STORED_FINDINGS = 200
# A web request waits for the check: OCR reads only the first pages of a scanned PDF.
_LIMITS = Limits(max_file_size=MAX_BYTES, max_total_uncompressed=256 * MiB, max_member_size=64 * MiB, ocr_pages=3)


def guide_bundle(
    *, issuer: str = "", fingerprints: Iterable[CarrierFingerprint] = ()
) -> tuple[dict[str, Any], Guide | None]:
    """A rules bundle holding the current guide's keywords, each at its entry's level, and the
    given carrier fingerprints."""
    guide = Guide.objects.filter(is_current=True).first()
    dictionaries: list[dict[str, Any]] = []
    if guide is not None:
        keywords = [
            {"id": f"guide-{guide.version}:{entry.code}:{n}", "keyword": word, "level": int(entry.level),
             "source": f"{guide.title} {entry.code}"}
            for entry in guide.entries.order_by("sort_order", "id")
            for n, word in enumerate(entry.keyword_list, 1)
        ]
        dictionaries.append({"id": f"guide-{guide.version}", "name": guide.title, "mode": "enforce",
                             "keywords": keywords})
    return build_bundle(dictionaries=dictionaries, fingerprints=fingerprints, issuer=issuer), guide


def _rules() -> Rules:
    bundle, _guide = guide_bundle()
    rules = parse_bundle(bundle, "guide")
    # Issue 5: the fingerprints of registered electronic carriers' content (baomi.vault).
    rules.fingerprints = scanner_fingerprints()
    return rules


def _masked_name(name: str, rules: Rules) -> str:
    """The file name with every guide keyword masked: names carry content too."""
    for rule in rules.keywords:
        name = re.sub(re.escape(rule.keyword), lambda m: MASK * len(m.group(0)), name, flags=re.IGNORECASE)
    return name


def _stored(result: FileResult) -> list[dict[str, Any]]:
    """What is kept of each finding: never the matched text, only the masked snippet."""
    return [
        {"kind": f.kind.value, "level": f.level.name, "level_zh": f.level.zh, "location": f.location,
         "snippet": f.snippet, "rule": f.rule, **match_fields(f.kind.value, f.rule, f.details)}
        for f in result.enforced[:MAX_STORED_FINDINGS]
    ]


def _verdict(result: FileResult, purpose: str, declared: Level | None) -> str | None:
    """The reason to refuse, or None."""
    if result.status in (Status.ERROR, Status.UNSUPPORTED, Status.SKIPPED):
        return _("无法完整读取内容（%(error)s），不能通过保密审查") % {"error": result.error or result.status.value}
    found = result.max_level
    if found is None:
        return None
    if declared is not None and found > declared:
        return _("内容显示为%(found)s级，高于申报的%(declared)s，不得降级处理") % {
            "found": found.zh, "declared": declared.zh}
    if purpose == Purpose.PUBLICATION:
        if found.is_state_secret:
            return _("内容含有%(found)s级标志或关键词，秘密以上内容不得公开发布或刊登") % {"found": found.zh}
        if found == Level.WORK_SECRET:
            return _("内容含有工作秘密标志，须先解除工作秘密后方可公开发布")
    return None


def content_check(
    *,
    actor: User,
    data: bytes | None = None,
    text: str | None = None,
    filename: str = "",
    purpose: str = Purpose.OTHER,
    declared_level: Level | int | str | None = None,
    decision: Decision | None = None,
) -> ContentCheck:
    """Scan an upload (`data`) or pasted `text` and record the check.

    Invalid (nothing stored) for bad input or content over MAX_BYTES. Refused after the
    check was recorded as refused and audited; otherwise the check, clear or with findings.
    """
    if actor.admin_role:
        with atomic_action(actor, "review.check"):
            raise Refused(_("三员分立：管理员不审查业务内容"))
    if (data is None) == (text is None):
        raise Invalid(_("请上传一个文件或粘贴文本（二者选一）"))
    if purpose not in Purpose.values:
        raise Invalid(_("请选择用途"))
    raw = data if data is not None else (text or "").encode("utf-8", "surrogatepass")
    if not raw:
        raise Invalid(_("内容为空"))
    if len(raw) > MAX_BYTES:
        raise Invalid(_("内容超过 %(mb)d MB，请拆分后再检查") % {"mb": MAX_BYTES // MiB})
    try:
        declared = Level.parse(declared_level) if declared_level not in (None, "") else None
    except ValueError:
        raise Invalid(_("申报密级无效")) from None
    if decision is not None and not Decision.objects.filter(policy.decisions_visible_to(actor),
                                                             pk=decision.pk).exists():
        raise NotFound(_("对象不存在"))
    name = os.path.basename(filename.replace("\\", "/")).strip()[:200] or (
        _("粘贴文本.txt") if text is not None else _("上传文件"))

    rules = _rules()
    scanner = Scanner(rules, limits=_LIMITS)
    result = scanner.scan_text(text, name=name) if text is not None else scanner.scan_bytes(raw, name=name)
    keep_similar(result)  # matches with registered electronic carriers below the threshold are dropped

    reason: str | None = None
    if decision is not None:
        from baomi.classification.services import release_check

        try:  # records its own event, allowed or denied
            release_check(actor=actor, item=decision, purpose=purpose)
        except Refused as exc:
            reason = exc.message
    if reason is None:
        reason = _verdict(result, purpose, declared)
    found = result.max_level
    outcome = Result.REFUSED if reason else (Result.FINDINGS if result.enforced else Result.CLEAR)
    with atomic_action(actor, "review.check"):
        check = ContentCheck.objects.create(
            actor=actor, purpose=purpose, filename=_masked_name(name, rules), size=len(raw),
            sha256=hashlib.sha256(raw).hexdigest(), declared_level=int(declared) if declared is not None else None,
            level=int(found) if found is not None else None, result=outcome, reason=(reason or "")[:300],
            findings=_stored(result), finding_count=sum(n for k, n in result.counts().items() if k != "simulated"),
            decision=decision, status=result.status.value)
        record(actor=actor, action="review.check", obj=check,
               summary=f"保密审查 {check.code}（{Purpose(purpose).label}）：{Result(outcome).label}",
               details={"purpose": purpose, "result": outcome, "sha256": check.sha256, "size": check.size,
                        "counts": result.counts(), "declared_level": check.declared_level,
                        "decision": decision.pk if decision is not None else None, "status": check.status},
               outcome=Outcome.DENIED if reason else Outcome.OK)
    if reason:
        refused = Refused(reason, code="content_refused", details={"check": check.pk})
        refused.recorded = True
        raise refused
    return check


# ---------------------------------------------------------------- 出版主编审核 (EXT-09)

PUBLICATION = "review.publication"


def publication_submit(*, actor: User, check: ContentCheck, title: str) -> ContentCheck:
    """Send a passed publication check to the 出版主编, who carries out the publication's secrecy
    review (EXT-09). Only the checker submits; a refused check or another purpose never goes."""
    from baomi.approvals.services import request_submit

    with atomic_action(actor, "review.publication.submit", obj=check):
        check = ContentCheck.objects.select_for_update().get(pk=check.pk)
        if check.actor_id != actor.pk:
            raise Refused(_("只能提交本人的保密审查记录"))
        if check.purpose != Purpose.PUBLICATION:
            raise Refused(_("只有用途为宣传出版的审查记录才能提交出版主编审核"))
        if check.result == Result.REFUSED:
            raise Refused(_("未通过保密审查的内容不得提交出版"))
        if check.publication_status in (PublicationStatus.PENDING, PublicationStatus.APPROVED):
            raise Conflict(_("该审查记录已提交出版主编审核"))
        title = title.strip()
        if not title:
            raise Invalid(_("请填写出版物名称"))
        check.title, check.publication_status = title[:200], PublicationStatus.PENDING
        record(actor=actor, action="review.publication.submit", obj=check,
               summary=f"保密审查 {check.code} 提交出版主编审核", details={"title": check.title})
        check.approval = request_submit(actor=actor, request_type=PUBLICATION, subject=check,
                                        title=f"出版保密审核：{check.title}"[:200],
                                        reason=_("保密审查 %(code)s：%(result)s") % {
                                            "code": check.code, "result": Result(check.result).label})
        check.save(update_fields=["title", "publication_status", "approval"])
    return check


def _publication_decided(approved: bool) -> Any:
    def effect(request: Any, decider: User | None) -> None:
        check = ContentCheck.objects.select_for_update().get(pk=int(request.subject_id))
        if check.publication_status != PublicationStatus.PENDING:
            return
        check.publication_status = PublicationStatus.APPROVED if approved else PublicationStatus.REJECTED
        check.save(update_fields=["publication_status"])
        record(actor=decider, actor_username="" if decider else "system",
               action="review.publication." + ("approve" if approved else "reject"), obj=check,
               summary=f"保密审查 {check.code}：{check.get_publication_status_display()}",
               details={"approval": request.pk, "at": timezone.now().isoformat()})
    return effect


def _may_decide_publication(request: Any, person: User) -> str | None:
    check = ContentCheck.objects.filter(pk=int(request.subject_id)).first()
    if check is not None and check.actor_id == person.pk:
        return _("出版主编不能审核本人提交的内容")
    return None


def register_request_types() -> None:
    from baomi.approvals import registry

    registry.register(registry.RequestType(
        code=PUBLICATION, label="出版物保密审核（出版主编）", on_approved=_publication_decided(True),
        on_rejected=_publication_decided(False), may_decide=_may_decide_publication,
        default_steps=(("editor", "org"),)))


RULES_KEY_NAME = "rules_signing_key"


def rules_signing_key() -> Ed25519PrivateKey:
    return keys.named_signing_key(RULES_KEY_NAME)


def rules_public_key_pem() -> bytes:
    """What a scanning station pins (`baomi scan --verify-key`): public, so anyone may fetch it."""
    return keys.public_pem(rules_signing_key())


def rules_bundle_export(*, actor: User) -> bytes:
    """The current guide's keywords as a gzipped rules bundle for `baomi scan --rules`.

    Only the 保密员 and 定密责任人 roles export it: the keywords travel in clear and the
    bundle carries the guide's level."""
    with atomic_action(actor, "review.rules_export"):
        policy.require(actor, Perm.EXPORT_SCAN_RULES)
        issuer = actor.unit.name if actor.unit is not None else ""
        # The content fingerprints travel only for carriers the exporter may see themselves.
        prints = scanner_fingerprints(actor)
        bundle, guide = guide_bundle(issuer=issuer, fingerprints=prints)
        bundle = sign_bundle(bundle, rules_signing_key())
        with tempfile.TemporaryDirectory() as folder:
            payload = write_bundle(bundle, Path(folder) / "rules.bundle").read_bytes()
        count = sum(len(d["keywords"]) for d in bundle["dictionaries"])
        top = guide.entries.order_by("-level").values_list("level", flat=True).first() if guide else None
        record(actor=actor, action="review.rules_export", object_type="guide",
               object_id=str(guide.pk) if guide else "", object_level=top,
               summary=f"导出检查规则包：保密事项范围第 {guide.version if guide else 0} 版，{count} 个关键词，"
                       f"{len(prints)} 个载体指纹",
               details={"sha256": bundle["sha256"], "keywords": count, "bytes": len(payload),
                        "key_id": bundle["signature"]["key_id"]})
    return payload
