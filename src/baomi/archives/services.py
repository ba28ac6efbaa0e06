"""Every change in the archive: 著录 (catalogue), 查档 (request, approval, reading in the
archive room, excerpts), 扩大利用范围 (widening, by approval), 案卷外借 (lending by
exception) and the designation of the 人事档案专人.

Each service checks policy, locks what it changes, writes its audit event in the same
transaction (`atomic_action`). Approvals go through the one engine: the request types are
registered in `ArchivesConfig.ready()`; their effects run inside the deciding transaction.
Audit summaries name 档号, 查档编号 and register numbers, never titles.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import Unit, User
from baomi.approvals import registry
from baomi.approvals.models import ApprovalRequest
from baomi.approvals.services import request_submit
from baomi.archives.models import (
    RESTRICTED_CATEGORIES,
    AccessItem,
    AccessRequest,
    AccessStatus,
    Counter,
    Custodian,
    Entry,
    EntryCategory,
    Excerpt,
    ExcerptStatus,
    Loan,
    LoanStatus,
    Part,
    Session,
)
from baomi.audit.services import atomic_action, record
from baomi.carriers.models import Carrier, Copy, CopyStatus
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.levels import Clearance, Level

ACCESS = "archives.access"
# ARCH-05: 绝密 and the minutes of plenary, standing-committee and party-group meetings.
ACCESS_OFFICE = "archives.access_office"
WIDEN = "archives.widen"
LEND = "archives.lend"

EXCERPTS_APPROVAL, EXCERPTS_FORBIDDEN = "approval", "forbidden"
MAX_LOAN_DAYS = 30  # the seed names no period; as for ordinary lending (carriers.MAX_LEND_DAYS)
MAX_PARTS = 200


# ---------------------------------------------------------------- helpers


def _next_number(key: str) -> int:
    counter, _created = Counter.objects.select_for_update().get_or_create(key=key)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def excerpt_mode() -> str:
    """ARCH-04: "approval" (S13/S16: reviewed, then stamped) or "forbidden" (S20: 不准摘抄)."""
    mode = str(getattr(settings, "BAOMI_ARCHIVE_EXCERPTS", EXCERPTS_APPROVAL)).strip().lower()
    return EXCERPTS_FORBIDDEN if mode == EXCERPTS_FORBIDDEN else EXCERPTS_APPROVAL


def archive_rooms() -> list[str]:
    return list(getattr(settings, "BAOMI_ARCHIVE_ROOMS", ["档案室", "查档室"]))


def office_unit(fallback: Unit | None) -> Unit | None:
    """The 办公室 whose leader (主管领导) approves ARCH-05 requests: the unit named by
    BAOMI_ARCHIVE_OFFICE_UNIT, else the top of `fallback`'s chain (the unit's leadership,
    the strictest choice)."""
    code = str(getattr(settings, "BAOMI_ARCHIVE_OFFICE_UNIT", "office"))
    found = Unit.objects.filter(code=code, is_active=True).first()
    if found is not None:
        return found
    chain = fallback.ancestors() if fallback is not None else []
    return chain[-1] if chain else fallback


def _require_keeper(actor: User, entry: Entry) -> None:
    reason = policy.reason_may_keep_archive(actor, entry)
    if reason:
        raise Refused(reason, details={"entry": entry.pk})


def _archived_copy(carrier: Carrier) -> Copy | None:
    return carrier.copies.filter(status=CopyStatus.ARCHIVED).order_by("serial").first()


def _lock_request(pk: int) -> AccessRequest:
    found = AccessRequest.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound(_("对象不存在"))
    return found


def _entries_of(request: AccessRequest) -> list[Entry]:
    ids = request.items.values_list("part__entry_id", flat=True)
    return list(Entry.objects.filter(pk__in=ids).select_related("carrier", "keeper__unit").order_by("pk"))


def _name(person: User) -> str:
    return person.full_name or person.username


def _check_reader(person: User, entries: Sequence[Entry]) -> None:
    """SYS-02/03 for 查档: every entry within the person's clearance and need-to-know."""
    for entry in entries:
        reason = policy.reason_may_consult_archive(person, entry)
        if reason:
            raise Refused(reason, details={"entry": entry.pk, "person": person.pk})


def _check_visitor(clearance: int | None, level: int, entries: Sequence[Entry]) -> None:
    """An outside visitor: the letter must state a clearance covering the highest level."""
    if level >= Level.CONFIDENTIAL and (clearance is None or not Clearance(clearance).may_know(Level(level))):
        raise Refused(_("介绍信载明的查阅人涉密类别不能知悉%(level)s级档案") % {"level": Level(level).zh},
                      details={"visitor_clearance": clearance, "level": level})


# ---------------------------------------------------------------- 人事档案专人 (ARCH-08)


def custodian_designate(*, actor: User, person: User, basis: str) -> Custodian:
    """Record the written designation of a 人事档案专人 (保密办)."""
    with atomic_action(actor, "archives.custodian_designate", obj=person):
        policy.require(actor, policy.Perm.DESIGNATE_ARCHIVE_CUSTODIAN)
        if not basis.strip():
            raise Invalid(_("请填写指定依据（文件或会议）"))
        if not person.is_active or person.admin_role:
            raise Invalid(_("只能指定在职的业务人员"))
        if Custodian.objects.select_for_update().filter(person=person, revoked_at__isnull=True).exists():
            raise Conflict(_("%(name)s 已是人事档案专人") % {"name": _name(person)})
        custodian = Custodian.objects.create(person=person, basis=basis.strip()[:200], designated_by=actor)
        record(actor=actor, action="archives.custodian_designate", obj=custodian,
               summary=f"指定 {person.username} 为人事档案专人", details={"person": person.pk})
    return custodian


def custodian_revoke(*, actor: User, custodian: Custodian) -> Custodian:
    with atomic_action(actor, "archives.custodian_revoke", obj=custodian):
        policy.require(actor, policy.Perm.DESIGNATE_ARCHIVE_CUSTODIAN)
        custodian = Custodian.objects.select_for_update().get(pk=custodian.pk)
        if custodian.revoked_at is not None:
            raise Conflict(_("该指定已撤销"))
        if Entry.objects.filter(keeper_id=custodian.person_id, category__in=RESTRICTED_CATEGORIES).exists():
            raise Conflict(_("该专人仍保管人事档案或专案材料，须先移交"))
        custodian.revoked_at = timezone.now()
        custodian.save(update_fields=["revoked_at"])
        record(actor=actor, action="archives.custodian_revoke", obj=custodian,
               summary=f"撤销 {custodian.person.username} 的人事档案专人指定")
    return custodian


# ---------------------------------------------------------------- 著录 (catalogue, ARCH-01)


def entry_create(*, actor: User, carrier: Carrier, category: str, parts: Sequence[tuple[str, str]]) -> Entry:
    """Catalogue an archived carrier with its parts (题名, 页码). Only a keeper of the carrier
    (ARCH-01: the 秘书股 keeps the office's records); personnel files and special-case
    materials only by a designated 人事档案专人, who keeps them from then on (ARCH-08)."""
    with atomic_action(actor, "archives.entry_create", obj=carrier):
        carrier = Carrier.objects.select_for_update().get(pk=carrier.pk)
        if category not in EntryCategory.values:
            raise Invalid(_("未知的档案类别"))
        probe = Entry(carrier=carrier, category=category, level=carrier.level, keeper=actor)
        _require_keeper(actor, probe)
        if _archived_copy(carrier) is None:
            raise Conflict(_("%(no)s 没有已归档的载体份，请先归档") % {"no": carrier.register_no})
        if Entry.objects.filter(carrier=carrier).exists():
            raise Conflict(_("%(no)s 已著录") % {"no": carrier.register_no})
        cleaned = [(title.strip(), pages.strip()) for title, pages in parts if title.strip()]
        if not cleaned:
            raise Invalid(_("请至少填写一件卷内文件"))
        if len(cleaned) > MAX_PARTS:
            raise Invalid(_("卷内文件不得超过 %(n)s 件") % {"n": MAX_PARTS})
        year = timezone.localdate().year
        entry = Entry.objects.create(carrier=carrier, file_no=f"档{year}-{_next_number(f'entry-{year}'):04d}",
                                     category=category, level=carrier.level, keeper=actor, created_by=actor)
        Part.objects.bulk_create([Part(entry=entry, seq=n, title=title[:200], pages=pages[:30])
                                  for n, (title, pages) in enumerate(cleaned, start=1)])
        record(actor=actor, action="archives.entry_create", obj=entry,
               summary=f"著录 {carrier.register_no} 为 {entry.file_no}（{EntryCategory(category).label}，"
                       f"{len(cleaned)} 件）",
               details={"carrier": carrier.pk, "category": category, "parts": len(cleaned)})
    return entry


# ---------------------------------------------------------------- 查档 (access requests)


def access_request_submit(
    *,
    actor: User,
    parts: Sequence[Part],
    purpose: str,
    minutes: bool = False,
    outside: bool = False,
    visitor_name: str = "",
    visitor_unit: str = "",
    letter_no: str = "",
    visitor_clearance: int | None = None,
) -> AccessRequest:
    """查档申请 (ARCH-02): only the listed parts (ARCH-03), for a stated purpose.

    A person asks for themselves and must be cleared for the level and inside the need-to-know
    of every file. An outside unit's visitor (基层单位) is recorded by the keeper with the
    letter of introduction: its number, the unit, the visitor, and the clearance it states.
    绝密 files and the minutes of leadership meetings go to the 办公室主管领导 (ARCH-05);
    the rest to the archive keeper's leader. Registered once approved (+RECORD)."""
    purpose = purpose.strip()
    visitor_name, visitor_unit, letter_no = visitor_name.strip(), visitor_unit.strip(), letter_no.strip()
    with atomic_action(actor, "archives.access_request"):
        if not actor.is_active or actor.admin_role:
            raise Refused(_("三员分立：您的角色无权执行此操作"))
        part_ids = sorted({p.pk for p in parts})
        found = list(Part.objects.filter(pk__in=part_ids).select_related("entry__carrier", "entry__keeper__unit"))
        if not found or len(found) != len(part_ids):
            raise Invalid(_("请选择要查阅的卷内文件"))
        if not purpose:
            raise Invalid(_("请注明查阅内容及目的"))
        entries = sorted({p.entry_id: p.entry for p in found}.values(), key=lambda e: e.pk)
        level = max(e.level for e in entries)
        if outside:
            if not (visitor_name and visitor_unit and letter_no):
                raise Invalid(_("外单位查档须登记查阅人、单位和介绍信编号"))
            for entry in entries:  # the keeper (or, for restricted files, their custodian) records it
                _require_keeper(actor, entry)
            _check_visitor(visitor_clearance, level, entries)
        else:
            _check_reader(actor, entries)
        minutes = minutes or any(e.category == EntryCategory.MINUTES for e in entries)
        for entry in entries:
            if _archived_copy(entry.carrier) is None:
                raise Conflict(_("%(no)s 已不在档案室") % {"no": entry.file_no})
        year = timezone.localdate().year
        access = AccessRequest.objects.create(
            number=f"查{year}-{_next_number(f'access-{year}'):04d}", requester=actor, outside=outside,
            visitor_name=visitor_name[:60], visitor_unit=visitor_unit[:200], letter_no=letter_no[:60],
            visitor_clearance=visitor_clearance if outside else None, purpose=purpose, minutes=minutes, level=level)
        AccessItem.objects.bulk_create([AccessItem(request=access, part=p) for p in found])
        office = level == Level.TOP_SECRET or minutes
        keeper_unit = entries[0].keeper.unit
        access.approval = request_submit(
            actor=actor, request_type=ACCESS_OFFICE if office else ACCESS, subject=access,
            title=f"查档 {access.number}（{'、'.join(e.file_no for e in entries)}）"[:200],
            reason=purpose, level=level, unit=office_unit(keeper_unit) if office else keeper_unit,
            payload={"access": access.pk, "parts": part_ids})
        access.save(update_fields=["approval"])
        who = f"{visitor_unit} {visitor_name}（介绍信 {letter_no}）" if outside else actor.username
        record(actor=actor, action="archives.access_request", obj=access,
               summary=f"查档申请 {access.number}：{who}，{len(found)} 件"[:300],
               details={"parts": part_ids, "outside": outside, "minutes": minutes, "letter_no": letter_no,
                        "route": ACCESS_OFFICE if office else ACCESS})
    return access


def _access_approved(request: ApprovalRequest, decider: User) -> None:
    access = _lock_request(int(request.payload["access"]))
    if access.status != AccessStatus.PENDING:
        raise Conflict(_("该查档申请不在审批中"))
    entries = _entries_of(access)
    if access.outside:
        _check_visitor(access.visitor_clearance, access.level, entries)
    else:
        _check_reader(access.requester, entries)  # clearances may have changed while it waited
    approved = access.items.update(approved=True)
    access.status = AccessStatus.APPROVED
    access.save(update_fields=["status"])
    record(actor=decider, action="archives.access_approve", obj=access,
           summary=f"查档 {access.number} 已批准，准予查阅 {approved} 件，登记待查阅（审批 #{request.pk}）",
           details={"approval": request.pk, "parts": list(access.items.values_list("part_id", flat=True))})


def _access_closed(request: ApprovalRequest, decider: User) -> None:
    access = _lock_request(int(request.payload["access"]))
    if access.status == AccessStatus.PENDING:
        access.status = AccessStatus.WITHDRAWN if request.status == "withdrawn" else AccessStatus.REJECTED
        access.save(update_fields=["status"])
        record(actor=decider, action="archives.access_close", obj=access,
               summary=f"查档 {access.number} {access.get_status_display()}")


# ---------------------------------------------------------------- reading in the archive room (ARCH-06)


def session_open(*, actor: User, access: AccessRequest, room: str, note: str = "") -> Session:
    """The keeper opens the approved reading in the archive (or reading) room. The files do
    not leave it: the copies must be on the archive's shelf, and nothing here lends them."""
    room = room.strip()
    with atomic_action(actor, "archives.session_open", obj=access):
        access = _lock_request(access.pk)
        entries = _entries_of(access)
        for entry in entries:
            _require_keeper(actor, entry)
        if access.status != AccessStatus.APPROVED:
            raise Conflict(_("查档 %(no)s 未获批准或已查阅") % {"no": access.number})
        rooms = archive_rooms()
        if not any(word in room for word in rooms):
            raise Refused(_("查阅档案必须在档案室（或查档室）进行，不许将案卷带出（%(rooms)s）")
                          % {"rooms": "、".join(rooms)}, details={"room": room[:100]})
        for entry in entries:
            if _archived_copy(entry.carrier) is None:
                raise Conflict(_("%(no)s 已不在档案室，不能开启查阅") % {"no": entry.file_no})
        session = Session.objects.create(request=access, room=room[:100], opened_by=actor, opened_at=timezone.now(),
                                         note=note.strip()[:300])
        access.status = AccessStatus.READING
        access.save(update_fields=["status"])
        record(actor=actor, action="archives.session_open", obj=access,
               summary=f"查档 {access.number} 在{session.room}开始查阅",
               details={"room": session.room, "session": session.pk})
    return session


def _may_read(person: User, access: AccessRequest) -> bool:
    return person.pk == access.requester_id or access.readers.filter(pk=person.pk).exists()


def session_view_part(*, actor: User, session: Session, part: Part) -> AccessItem:
    """Open one part during the reading: only approved parts of this request (ARCH-03), only
    while the session is open in the archive room (ARCH-06), by a reader or the keeper."""
    with atomic_action(actor, "archives.view", obj=session.request):
        session = Session.objects.select_related("request").get(pk=session.pk)
        access = session.request
        keeper = all(policy.reason_may_keep_archive(actor, e) is None for e in _entries_of(access))
        if not keeper and not _may_read(actor, access):
            raise Refused(_("您不是该查档申请的查阅人"))
        if session.closed_at is not None:
            raise Refused(_("查阅已结束，案卷已收回档案室"))
        item = access.items.filter(part_id=part.pk, approved=True).select_related("part__entry").first()
        if item is None:
            raise Refused(_("只许查阅经批准的部分，不许翻阅其他部分"),
                          details={"part": part.pk, "request": access.pk})
        record(actor=actor, action="archives.view", obj=access,
               summary=f"查档 {access.number} 查阅 {item.part.entry.file_no} 第 {item.part.seq} 件",
               details={"part": part.pk, "session": session.pk})
    return item


def session_close(*, actor: User, session: Session, note: str = "") -> Session:
    """The keeper closes the reading: the files are back on the shelf."""
    with atomic_action(actor, "archives.session_close", obj=session.request):
        session = Session.objects.select_for_update().get(pk=session.pk)
        access = _lock_request(session.request_id)
        for entry in _entries_of(access):
            _require_keeper(actor, entry)
        if session.closed_at is not None:
            raise Conflict(_("查阅已结束"))
        if session.excerpts.filter(status=ExcerptStatus.PENDING).exists():
            raise Conflict(_("尚有摘抄未审核，请先审核"))
        session.closed_at, session.closed_by = timezone.now(), actor
        if note.strip():
            session.note = note.strip()[:300]
        session.save(update_fields=["closed_at", "closed_by", "note"])
        access.status = AccessStatus.DONE
        access.save(update_fields=["status"])
        record(actor=actor, action="archives.session_close", obj=access,
               summary=f"查档 {access.number} 查阅结束，案卷已收回", details={"session": session.pk})
    return session


# ---------------------------------------------------------------- 摘抄 (excerpts, ARCH-04)


def excerpt_record(*, actor: User, session: Session, part: Part, description: str, pages: str = "") -> Excerpt:
    """Record an excerpt taken during the reading: only from an approved part (ARCH-03: no
    unrelated content), only where the unit allows excerpts at all (BAOMI_ARCHIVE_EXCERPTS)."""
    with atomic_action(actor, "archives.excerpt_record", obj=session.request):
        if excerpt_mode() == EXCERPTS_FORBIDDEN:
            raise Refused(_("本单位规定档案不准摘抄"), details={"mode": EXCERPTS_FORBIDDEN})
        session = Session.objects.select_for_update().select_related("request").get(pk=session.pk)
        access = session.request
        keeper = all(policy.reason_may_keep_archive(actor, e) is None for e in _entries_of(access))
        if not keeper and not _may_read(actor, access):
            raise Refused(_("您不是该查档申请的查阅人"))
        if session.closed_at is not None:
            raise Conflict(_("查阅已结束"))
        item = access.items.filter(part_id=part.pk, approved=True).first()
        if item is None:
            raise Refused(_("只许摘抄经批准查阅部分的有关内容"), details={"part": part.pk})
        if not description.strip():
            raise Invalid(_("请填写摘抄内容"))
        excerpt = Excerpt.objects.create(session=session, item=item, description=description.strip(),
                                         pages=pages.strip()[:30], recorded_by=actor)
        record(actor=actor, action="archives.excerpt_record", obj=access,
               summary=f"查档 {access.number} 摘抄 1 条，待审核", details={"excerpt": excerpt.pk, "part": part.pk})
    return excerpt


def excerpt_review(*, actor: User, excerpt: Excerpt, approve: bool, note: str = "") -> Excerpt:
    """审核无误后方可盖章: the keeper reviews the excerpt; approved, it gets a stamp number and
    may be taken away; otherwise it stays in the archive."""
    with atomic_action(actor, "archives.excerpt_review", obj=excerpt.session.request):
        excerpt = Excerpt.objects.select_for_update().select_related("session__request").get(pk=excerpt.pk)
        access = excerpt.session.request
        for entry in _entries_of(access):
            _require_keeper(actor, entry)
        if excerpt_mode() == EXCERPTS_FORBIDDEN:
            raise Refused(_("本单位规定档案不准摘抄"), details={"mode": EXCERPTS_FORBIDDEN})
        if excerpt.status != ExcerptStatus.PENDING:
            raise Conflict(_("该摘抄已审核"))
        if not approve and not note.strip():
            raise Invalid(_("不予盖章时须填写审核意见"))
        excerpt.reviewed_by, excerpt.reviewed_at, excerpt.review_note = actor, timezone.now(), note.strip()[:300]
        if approve:
            year = timezone.localdate().year
            excerpt.status = ExcerptStatus.STAMPED
            excerpt.stamp_no = f"摘{year}-{_next_number(f'stamp-{year}'):04d}"
        else:
            excerpt.status = ExcerptStatus.REJECTED
        excerpt.save(update_fields=["reviewed_by", "reviewed_at", "review_note", "status", "stamp_no"])
        summary = (f"查档 {access.number} 摘抄审核无误，盖章 {excerpt.stamp_no}" if approve
                   else f"查档 {access.number} 摘抄未通过审核，不予盖章")
        record(actor=actor, action="archives.excerpt_review", obj=access, summary=summary,
               details={"excerpt": excerpt.pk, "approved": approve, "stamp_no": excerpt.stamp_no})
    return excerpt


# ---------------------------------------------------------------- 扩大利用范围 (ARCH-10)


def access_widen_request(
    *, actor: User, access: AccessRequest, people: Sequence[User] = (), parts: Sequence[Part] = (), reason: str
) -> ApprovalRequest:
    """档案人员未经核准，不得擅自扩展利用范围: the keeper asks to add readers or parts to a
    request; nothing changes until the approval, which goes to the same leader as the request."""
    with atomic_action(actor, "archives.widen_request", obj=access):
        access = _lock_request(access.pk)
        entries = _entries_of(access)
        for entry in entries:
            _require_keeper(actor, entry)
        if access.status not in (AccessStatus.APPROVED, AccessStatus.READING):
            raise Conflict(_("只有已批准、尚未查阅完毕的查档申请可以扩大利用范围"))
        new_people = [p for p in people if p.pk != access.requester_id and not access.readers.filter(pk=p.pk).exists()]
        have = set(access.items.values_list("part_id", flat=True))
        new_parts = [p for p in parts if p.pk not in have]
        if not new_people and not new_parts:
            raise Invalid(_("请选择要增加的查阅人或卷内文件"))
        all_entries = sorted({e.pk: e for e in [*entries, *(p.entry for p in new_parts)]}.values(), key=lambda e: e.pk)
        for entry in all_entries:
            _require_keeper(actor, entry)
        for person in new_people:
            _check_reader(person, all_entries)
        if not access.outside and new_parts:
            _check_reader(access.requester, all_entries)
        level = max(e.level for e in all_entries)
        if access.outside:
            _check_visitor(access.visitor_clearance, level, all_entries)
        office = level == Level.TOP_SECRET or access.minutes
        keeper_unit = entries[0].keeper.unit
        return request_submit(
            actor=actor, request_type=WIDEN, subject=access,
            title=f"扩大查档 {access.number} 利用范围（{len(new_people)} 人，{len(new_parts)} 件）",
            reason=reason, level=level, unit=office_unit(keeper_unit) if office else keeper_unit,
            payload={"access": access.pk, "people": [p.pk for p in new_people], "parts": [p.pk for p in new_parts]})


def _widen_approved(request: ApprovalRequest, decider: User) -> None:
    access = _lock_request(int(request.payload["access"]))
    if access.status not in (AccessStatus.APPROVED, AccessStatus.READING):
        raise Conflict(_("该查档申请已查阅完毕，不能再扩大利用范围"))
    people = list(User.objects.filter(pk__in=request.payload.get("people", [])).order_by("pk"))
    parts = list(Part.objects.filter(pk__in=request.payload.get("parts", [])).select_related("entry__carrier"))
    entries = sorted({e.pk: e for e in [*_entries_of(access), *(p.entry for p in parts)]}.values(),
                     key=lambda e: e.pk)
    for person in people:
        _check_reader(person, entries)
    access.readers.add(*people)
    AccessItem.objects.bulk_create([AccessItem(request=access, part=p, approved=True, widening=request)
                                    for p in parts])
    level = max([access.level, *(e.level for e in entries)])
    if level != access.level:
        access.level = level
        access.save(update_fields=["level"])
    record(actor=decider, action="archives.widen", obj=access,
           summary=f"查档 {access.number} 扩大利用范围：{'、'.join(p.username for p in people) or '—'}；"
                   f"{len(parts)} 件（审批 #{request.pk}）"[:300],
           details={"people": [p.pk for p in people], "parts": [p.pk for p in parts], "approval": request.pk})


# ---------------------------------------------------------------- 案卷外借 (ARCH-07, ARCH-09)


def loan_request(*, actor: User, copy: Copy, due_on: datetime.date, reason: str) -> ApprovalRequest:
    """案卷除特殊情况经领导批准者外，概不外借: the borrower states the special case; the
    archive's 分管领导 decides (绝密: the 办公室主管领导). The borrower must be cleared and
    inside the need-to-know."""
    with atomic_action(actor, "archives.loan_request", obj=copy):
        copy = Copy.objects.select_for_update(of=("self",)).select_related("carrier").get(pk=copy.pk)
        entry = Entry.objects.filter(carrier_id=copy.carrier_id).select_related("carrier", "keeper__unit").first()
        if entry is not None and entry.restricted:
            raise Refused(_("人事档案和专案材料由专人保管，不外借"))
        reason_refused = policy.reason_may_hold_carrier(actor, copy.carrier)
        if reason_refused:
            raise Refused(reason_refused)
        if copy.status != CopyStatus.ARCHIVED:
            raise Conflict(_("%(copy)s 不在档案室") % {"copy": copy.label})
        if not reason.strip():
            raise Invalid(_("案卷概不外借：请说明需要外借的特殊情况"))
        today = timezone.localdate()
        if not today <= due_on <= today + datetime.timedelta(days=MAX_LOAN_DAYS):
            raise Invalid(_("归还日期须在今天到 %(n)s 天之内") % {"n": MAX_LOAN_DAYS})
        if Loan.objects.filter(copy=copy, status__in=[LoanStatus.PENDING, LoanStatus.OUT]).exists():
            raise Conflict(_("该案卷已有外借申请"))
        loan = Loan.objects.create(copy=copy, level=copy.level, borrower=actor, reason=reason.strip(), due_on=due_on)
        keeper_unit = copy.custodian.unit
        top = copy.level == Level.TOP_SECRET
        loan.approval = request_submit(
            actor=actor, request_type=LEND, subject=loan, title=f"案卷外借 {copy.label}", reason=reason,
            level=copy.level, unit=office_unit(keeper_unit) if top else keeper_unit,
            payload={"loan": loan.pk, "copy": copy.pk, "due_on": due_on.isoformat()})
        loan.save(update_fields=["approval"])
        record(actor=actor, action="archives.loan_request", obj=loan,
               summary=f"申请外借案卷 {copy.label}，拟于 {due_on:%Y-%m-%d} 归还", details={"copy": copy.pk})
        return loan.approval


def _loan_approved(request: ApprovalRequest, decider: User) -> None:
    """The copy leaves the archive to the borrower through the carriers' ledger (a 借出 entry
    linked to this approval, due back at the end of the due day)."""
    from baomi.carriers import services as carriers

    loan = Loan.objects.select_for_update().get(pk=int(request.payload["loan"]))
    if loan.status != LoanStatus.PENDING:
        raise Conflict(_("该外借申请不在审批中"))
    carriers._lend_approved(request, decider)
    loan.status, loan.lent_at = LoanStatus.OUT, timezone.now()
    loan.save(update_fields=["status", "lent_at"])
    record(actor=decider, action="archives.loan_out", obj=loan,
           summary=f"案卷外借 #{loan.pk} 已批准借出，应于 {loan.due_on:%Y-%m-%d} 归还",
           details={"approval": request.pk})


def _loan_closed(request: ApprovalRequest, decider: User) -> None:
    loan = Loan.objects.select_for_update().get(pk=int(request.payload["loan"]))
    if loan.status == LoanStatus.PENDING:
        loan.status = LoanStatus.REJECTED
        loan.save(update_fields=["status"])
        record(actor=decider, action="archives.loan_close", obj=loan, summary=f"案卷外借 #{loan.pk} 未借出")


def loan_return(*, actor: User, loan: Loan, note: str = "") -> Loan:
    """The borrower or a keeper returns the file: back to the archive (carriers' 退回)."""
    from baomi.carriers import services as carriers

    with atomic_action(actor, "archives.loan_return", obj=loan):
        loan = Loan.objects.select_for_update().select_related("copy").get(pk=loan.pk)
        if loan.status != LoanStatus.OUT:
            raise Conflict(_("该案卷不在外借中"))
        carriers.copy_return(actor=actor, copy=loan.copy, note=note)
        now = timezone.now()
        loan.status, loan.returned_at = LoanStatus.RETURNED, now
        loan.save(update_fields=["status", "returned_at"])
        late = "（逾期）" if timezone.localdate(now) > loan.due_on else ""
        record(actor=actor, action="archives.loan_return", obj=loan,
               summary=f"外借案卷 {loan.copy.label} 已归还档案室{late}", details={"copy": loan.copy_id})
    return loan


def loans_remind(*, today: datetime.date | None = None) -> list[str]:
    """jobs.tick: one overdue reminder per loan (idempotent); loans whose copy came back
    through the carriers' page are closed here."""
    today = today or timezone.localdate()
    done: list[str] = []
    for loan in Loan.objects.filter(status=LoanStatus.OUT).select_related("copy__carrier", "borrower"):
        if loan.copy.status != CopyStatus.LENT or loan.copy.custodian_id != loan.borrower_id:
            with atomic_action(None, "archives.loan_return", obj=loan, actor_username="scheduler"):
                Loan.objects.filter(pk=loan.pk, status=LoanStatus.OUT).update(
                    status=LoanStatus.RETURNED, returned_at=timezone.now())
                record(actor=None, actor_username="scheduler", action="archives.loan_return", obj=loan,
                       summary=f"外借案卷 {loan.copy.label} 已退回（载体登记簿）")
            continue
        if loan.due_on < today and loan.reminded_at is None:
            with atomic_action(None, "archives.loan_overdue", obj=loan, actor_username="scheduler"):
                changed = Loan.objects.filter(pk=loan.pk, reminded_at__isnull=True).update(reminded_at=timezone.now())
                if changed:
                    record(actor=None, actor_username="scheduler", action="archives.loan_overdue", obj=loan,
                           summary=f"提醒 {loan.borrower.username}：外借案卷 {loan.copy.label} 已逾期"
                                   f"（应还 {loan.due_on:%Y-%m-%d}）",
                           details={"borrower": loan.borrower_id, "due_on": loan.due_on.isoformat()})
                    done.append(f"案卷外借逾期: {loan.copy.label}")
    return done


# ---------------------------------------------------------------- approval types


def _may_decide(request: ApprovalRequest, person: User) -> str | None:
    if request.level is not None and not policy.may_know(person, Level(request.level)):
        return _("您的涉密类别不能知悉%(level)s级事项，不能审批") % {"level": Level(request.level).zh}
    return None


def register_request_types() -> None:
    # Default routes; the security administrator changes them with routing rules (data).
    # Ordinary 查档 and widening: the archive keeper's leader (the unit of the keeper, and up).
    # ARCH-05 (绝密, leadership minutes) and 绝密 loans: routed to the 办公室 (BAOMI_ARCHIVE_OFFICE_UNIT),
    # whose approver is the 办公室主管领导. Loans (ARCH-07/09): the archive's 分管领导.
    steps = (("approver", "requester_unit"),)
    registry.register(registry.RequestType(code=ACCESS, label="查阅档案", on_approved=_access_approved,
                                           on_rejected=_access_closed, may_decide=_may_decide, default_steps=steps))
    registry.register(registry.RequestType(code=ACCESS_OFFICE, label="查阅绝密档案或会议记录",
                                           on_approved=_access_approved, on_rejected=_access_closed,
                                           may_decide=_may_decide, default_steps=steps))
    registry.register(registry.RequestType(code=WIDEN, label="扩大档案利用范围", on_approved=_widen_approved,
                                           may_decide=_may_decide, default_steps=steps))
    registry.register(registry.RequestType(code=LEND, label="案卷外借", on_approved=_loan_approved,
                                           on_rejected=_loan_closed, may_decide=_may_decide, default_steps=steps))

