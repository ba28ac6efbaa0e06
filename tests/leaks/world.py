"""The leak suite's world: two units, a cast at every clearance and role, and canaries — unique
strings planted in the titles, 文号 and file names of classified objects of every module. Each
canary says who must never see it; the suite then reads every page and API operation as every
caller and looks for the strings (tests/leaks/test_leaks.py).

Everything is created through the services (as production does), except the cast's clearances,
set directly as tests/factories.make_person does."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from baomi.accounts.models import Unit, User
from baomi.levels import Clearance, Level
from tests.factories import make_admin, make_person, make_unit

# Levels by their short Chinese name, and the caps of the clearance categories.
LEVELS = {"绝密": Level.TOP_SECRET, "机密": Level.SECRET, "秘密": Level.CONFIDENTIAL, "工作秘密": Level.WORK_SECRET}
MARKS = {"绝密": "绝密★长期", "机密": "机密★10年", "秘密": "秘密★5年", "工作秘密": "工作秘密"}


@dataclass
class Canary:
    """One planted string. `level`: the object's level; `scope`: "unit" (need-to-know of unit A
    only) or "personal" (only `owners` and the secrecy office may see it)."""

    text: str
    module: str
    level: Level
    scope: str = "unit"
    owners: tuple[str, ...] = ()
    # An object with no 密级 (inspections): its audit events name it, and the administrators who
    # read the log see them by design — everywhere else the canary stays hidden.
    in_audit_log: bool = False

    @property
    def key(self) -> str:
        """The ASCII tail, unique per canary: found even where a PDF's text layer loses the CJK."""
        return self.text.rsplit("-", 2)[-2] + "-" + self.text.rsplit("-", 1)[-1]


@dataclass
class World:
    units: dict[str, Unit]
    people: dict[str, User]
    canaries: list[Canary] = field(default_factory=list)
    ids: dict[str, list[int]] = field(default_factory=dict)  # "carrier" → ids of canary objects
    about: dict[tuple[str, int], list[Canary]] = field(default_factory=dict)  # the canaries an object shows

    def add(self, kind: str, pk: int, *about: Canary) -> None:
        ids = self.ids.setdefault(kind, [])
        if pk not in ids:  # one object may be added by several modules (a person's page)
            ids.append(pk)
        self.about.setdefault((kind, pk), []).extend(about)


# The cast: name → (unit, clearance, roles as (role, "A" | "B" | None)).
CAST: dict[str, tuple[str, str, list[tuple[str, str | None]]]] = {
    "a_core": ("A", "CORE", []),
    "a_imp": ("A", "IMPORTANT", []),
    "a_gen": ("A", "GENERAL", [("staff", "A")]),
    "a_none": ("A", "NONE", []),
    "a_keeper": ("A", "CORE", [("confidential_secretary", "A")]),  # 机要员 of unit A
    "a_leader": ("A", "CORE", [("approver", "A"), ("classification_authority", "A")]),  # unit leader, 定密责任人
    "b_core": ("B", "CORE", []),
    "b_imp": ("B", "IMPORTANT", []),
    "b_gen": ("B", "GENERAL", [("staff", "B")]),
    "b_none": ("B", "NONE", []),
    "b_keeper": ("B", "CORE", [("confidential_secretary", "B")]),  # 机要员 of the other unit
    "b_leader": ("B", "CORE", [("approver", "B"), ("classification_authority", "B")]),
    "officer": ("office", "IMPORTANT", [("secrecy_officer", None)]),  # 保密办, cleared to 机密 only
}
ADMINS = {"sysadmin": "system", "secadmin": "security", "auditor": "auditor"}


def caller_forbidden(world: World, caller: str, canary: Canary) -> bool:
    """Whether `caller` must never see `canary` — decided from the rules (三员, clearance caps,
    need-to-know), independently of baomi.policy."""
    if caller in ADMINS:
        return True  # 三员: administrators read no classified content
    person = world.people[caller]
    if canary.level > Clearance(person.clearance).max_level:
        return True  # SYS-03: never above the caller's clearance, whatever the role
    if caller == "officer":
        return False  # the secrecy office oversees everything within its clearance
    if canary.scope == "personal":
        return caller not in canary.owners
    return CAST[caller][0] != "A"  # need-to-know: unit A only


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def build() -> World:
    from baomi.approvals.services import request_decide  # noqa: F401  (import check: engine loaded)
    from baomi.carriers import services as carriers
    from baomi.carriers.models import CarrierKind, StorageClass

    root = make_unit("泄漏测试委", "lk-root")
    units = {"root": root, "A": make_unit("甲科", "lk-a", parent=root), "B": make_unit("乙科", "lk-b", parent=root),
             "office": make_unit("保密办", "lk-office", parent=root)}
    people: dict[str, User] = {}
    for name, (unit, clearance, roles) in CAST.items():
        people[name] = make_person(f"lk_{name}", unit=units[unit], clearance=clearance, full_name=f"测试{name}",
                                   roles=[(role, units[scope] if scope else None) for role, scope in roles])
    for name, role in ADMINS.items():
        people[name] = make_admin(role, f"lk_{name}")
    world = World(units, people)
    a, keeper, leader, officer = units["A"], people["a_keeper"], people["a_leader"], people["officer"]
    today = timezone.localdate()

    def canary(module: str, short: str, tag: str, **kw: Any) -> Canary:
        found = Canary(f"CANARY-{short}-{module}-{tag}{len(world.canaries):02d}", module, LEVELS[short], **kw)
        world.canaries.append(found)
        return found

    # ------------------------------------------------------------ carriers: one per level, kept by unit A
    carriers_by_level = {}
    shown: dict[str, tuple[Canary, Canary]] = {}
    for short in LEVELS:
        title = canary("carrier", short, "7f3a")
        number = canary("docno", short, "91c2")
        carrier = carriers.carrier_register(
            actor=keeper, direction="incoming", title=title.text, mark=MARKS[short], copies=2,
            storage=StorageClass.SAFE, location="甲科 保险柜", doc_number=f"{number.text}〔2026〕7号",
            source_unit="省委办公厅", unit=a,
            # CARRIER-05: a 绝密 carrier's need-to-know names people (of unit A here), not units.
            need_to_know_units=[] if short == "绝密" else [a],
            need_to_know_people=[people["a_core"], leader] if short == "绝密" else [])
        carriers_by_level[short] = carrier
        shown[short] = (title, number)
        world.add("carrier", carrier.pk, title, number)
        world.add("copy", carrier.copies.order_by("serial").first().pk, title, number)  # type: ignore[union-attr]
    # A borrow waiting for the unit leader (approvals inbox) and a copy circulating to a reader.
    for short, borrower in (("机密", "a_imp"), ("秘密", "a_gen")):
        copy = carriers_by_level[short].copies.get(serial=2)
        request = carriers.copy_lend_request(actor=people[borrower], copy=copy,
                                             due_on=today + datetime.timedelta(days=3), reason="工作需要")
        world.add("approval", request.pk, *shown[short])
    first = carriers_by_level["机密"].copies.get(serial=1)
    carriers.copy_circulate(actor=keeper, copy=first, reader=people["a_core"])
    # A destruction list with the 工作秘密 copy, witnessed by two people of unit A.
    from baomi.carriers.models import DestructionMethod

    dlist = carriers.destruction_create(
        actor=keeper, copies=[carriers_by_level["工作秘密"].copies.get(serial=1)], method=DestructionMethod.SHRED,
        site="甲科", witnesses=[people["a_core"], leader], reason="到期销毁")
    world.add("destruction", dlist.pk, *shown["工作秘密"])

    # ------------------------------------------------------------ vault: an electronic 工作秘密 with a canary file name
    if settings.BAOMI_SYSTEM_LEVEL >= Level.WORK_SECRET:
        from baomi.vault.services import content_upload

        electronic = carriers.carrier_register(
            actor=keeper, direction="made", title=(vault_title := canary("vaultcarrier", "工作秘密", "c0de")).text,
            mark="工作秘密", copies=1, kind=CarrierKind.ELECTRONIC, storage=StorageClass.CABINET,
            location="加密存储", need_to_know_units=[a], unit=a)
        world.add("carrier", electronic.pk, vault_title)
        name = canary("vaultfile", "工作秘密", "f11e")
        content = content_upload(actor=keeper, carrier=electronic, data=b"plain text body",
                                 filename=f"{name.text}.txt", content_type="text/plain")
        world.add("content", content.pk, vault_title, name)

    # ------------------------------------------------------------ archives: the 秘密 copy archived, catalogued
    from baomi.archives.services import entry_create

    archived = carriers_by_level["秘密"].copies.get(serial=1)
    carriers.copy_archive(actor=keeper, copy=archived, location="档案室", storage=StorageClass.SAFE)
    entry = entry_create(actor=keeper, carrier=carriers_by_level["秘密"], category="document",
                         parts=[((part := canary("archivepart", "秘密", "a4c1")).text, "1-3")])
    world.add("archive_entry", entry.pk, *shown["秘密"], part)

    # ------------------------------------------------------------ 定密 decisions (provisional: no guide needed)
    from baomi.classification import services as cls

    cls.authority_designate(actor=people["secadmin"], person=leader, max_level=Level.SECRET, unit_head=True)
    for short in ("机密", "秘密"):
        decision = cls.decision_create(
            actor=leader, title=(title := canary("decision", short, "d3c1")).text, secret_type="state",
            provisional=True, level=LEVELS[short], period=cls.period_from_text("2年"),
            need_to_know=cls.NeedToKnowSpec(units=[a]), unit=a, reasons="保密事项范围未涵盖")
        world.add("decision", decision.pk, title)

    # ------------------------------------------------------------ meetings: planned by A's leader, a_core attends
    from baomi.meetings import services as meetings

    venue = meetings.venue_register(actor=officer, name="甲科屏蔽会议室", max_level=int(Level.SECRET), shielded=True,
                                    checked_on=today - datetime.timedelta(days=10))
    day = today + datetime.timedelta(days=7)
    for short in ("机密", "秘密"):
        meeting = meetings.meeting_plan(actor=leader, title=(title := canary("meeting", short, "3e3e")).text,
                                        level=int(LEVELS[short]), venue=venue, starts_at=_at(day, 9),
                                        ends_at=_at(day, 11), unit=a)
        meetings.attendee_add(actor=leader, meeting=meeting, person=people["a_core"])
        world.add("meeting", meeting.pk, title)

    # ------------------------------------------------------------ incidents: reported by a_core (personal)
    from baomi.incidents import services as incidents

    for short in ("绝密", "秘密"):
        incident = incidents.incident_report(
            actor=people["a_core"],
            title=(title := canary("incident", short, "1c1d", scope="personal", owners=("a_core",))).text,
            level=int(LEVELS[short]), kind="lost", description="在会场遗失", discovered_at=timezone.now())
        world.add("incident", incident.pk, title)

    # ------------------------------------------------------------ travel: a 重大事项报告 (personal)
    from baomi.travel import services as travel

    report = travel.report_file(actor=people["a_core"], kind="other", event_on=today,
                                description=(text := canary("majorreport", "工作秘密", "7e4b", scope="personal",
                                                            owners=("a_core",))).text)
    world.add("major_report", report.pk, text)

    # ------------------------------------------------------------ review: a pre-send check by a_gen (personal)
    from baomi.review.services import content_check

    check = content_check(actor=people["a_gen"], text="各科室：请按时报送本周工作安排。", purpose="send",
                          filename=(named := canary("reviewcheck", "工作秘密", "5c5c", scope="personal",
                                                    owners=("a_gen",))).text + ".txt")
    world.add("check", check.pk, named)

    # ------------------------------------------------------------ devices: a 机密 computer of unit A
    from baomi.devices import services as devices

    # The asset number is no canary: it names the device in audit events (which the auditors
    # read) by design, as the 登记号 names a carrier; the device's name is one.
    named = canary("devicename", "机密", "de72")
    device = devices.device_register(actor=officer, asset_no="LK-PC-001", name=named.text, kind="classified_pc",
                                     network="standalone", level=int(Level.SECRET), custodian=people["a_core"], unit=a)
    world.add("device", device.pk, named)

    # ------------------------------------------------------------ inspections: a finding, a_core to rectify
    from baomi.inspections import services as inspections

    inspection = inspections.inspection_create(
        actor=officer, title=(named := canary("inspection", "工作秘密", "15c0", scope="personal",
                                              owners=("a_core",), in_audit_log=True)).text,
        unit=a, planned_on=today, inspector=officer)
    finding = canary("finding", "工作秘密", "f1d0", scope="personal", owners=("a_core",), in_audit_log=True)
    found = inspections.finding_record(actor=officer, inspection=inspection, text=finding.text, severity="minor",
                                       owner=people["a_core"], due_on=today + datetime.timedelta(days=10))
    world.add("inspection", inspection.pk, named, finding)
    from baomi.inspections.models import Rectification

    world.add("rectification", Rectification.objects.get(finding=found).pk, finding)

    _stocktake(world, canary, people, shown)
    _training(world, canary, people)
    _travel(world, canary, people)
    _personnel(world, canary, people, units)
    return world


# The callers with no administrator role: what every business user may see (三员: never the administrators).
BUSINESS = tuple(CAST)
CanaryMaker = Callable[..., Canary]


def _stocktake(world: World, canary: CanaryMaker, people: dict[str, User],
               shown: dict[str, tuple[Canary, Canary]]) -> None:
    """载体盘点 of unit A's safe. policy.stocktakes_visible_to: every keeper (a_keeper, b_keeper,
    the 保密办) sees every stocktake — its place, note and counts — while the rows (the copies'
    titles and 文号) are filtered by copies_visible_to: b_keeper sees none of unit A's, the
    office none above 机密."""
    from baomi.carriers import labels
    from baomi.carriers.models import Copy
    from baomi.stocktake import services as stocktake

    keepers = ("a_keeper", "b_keeper")
    note = canary("stocktakenote", "工作秘密", "5a0e", scope="personal", owners=keepers)
    counted = stocktake.stocktake_start(actor=people["a_keeper"], scope="location", location="甲科 保险柜",
                                        note=note.text)
    shelf = Copy.objects.filter(location="甲科 保险柜").select_related("carrier")
    for copy in shelf.filter(serial=1):  # found, and the circulating 机密 one: "状态不符", with its title
        stocktake.stocktake_scan(actor=people["a_keeper"], stocktake=counted, code=labels.label_code(copy))
    # b_keeper scans a copy of unit A: kept as an unknown code, its title never shown.
    stocktake.stocktake_scan(actor=people["b_keeper"], stocktake=counted,
                             code=labels.label_code(shelf.filter(serial=2).first()))  # type: ignore[arg-type]
    stocktake.stocktake_close(actor=people["a_keeper"], stocktake=counted)
    world.add("stocktake", counted.pk, *[c for pair in shown.values() for c in pair], note)
    # The place is named in the stocktake's audit events ("开始盘点 …（place）"), as a carrier's 登记号 is.
    place = canary("stocktakeplace", "工作秘密", "5a1c", scope="personal", owners=keepers, in_audit_log=True)
    still = stocktake.stocktake_start(actor=people["a_keeper"], scope="location", location=place.text)
    world.add("stocktake", still.pk, place)


def _training(world: World, canary: CanaryMaker, people: dict[str, User]) -> None:
    """Courses are no secret but are for business users only (training.selectors.courses_for);
    the question bank with its explanations is the 保密办's alone; a drawn question is shown to
    its candidate, its explanation only once they hand in (a_gen's attempt is in progress)."""
    from baomi.training import services as training

    officer = people["officer"]
    summary = canary("coursesummary", "工作秘密", "7c0a", scope="personal", owners=BUSINESS)
    course = training.course_create(actor=officer, title="泄漏测试专题培训", kind="annual", hours="2",
                                    summary=summary.text, topics=["foreign"])
    world.add("course", course.pk, summary)
    session = training.session_create(actor=officer, course=course, held_on=timezone.localdate(), place="甲科会议室",
                                      trainer="保密办")
    training.attendance_record(actor=officer, session=session, people=[people["a_gen"], people["a_core"]])
    world.add("session", session.pk, summary)
    asked = canary("questiontext", "工作秘密", "9a7e", scope="personal", owners=("a_gen",))
    explained = canary("explanation", "工作秘密", "e7a1", scope="personal")
    question = training.question_save(actor=officer, data=training.QuestionData(
        kind="single", text=asked.text, options=["是", "否"], answer=[0], explanation=explained.text,
        topics=["foreign"]))
    world.add("question", question.pk, asked, explained)
    exam = training.exam_create(actor=officer, title="泄漏测试年度考试", purpose="annual", question_count=1,
                                time_limit_minutes=600, pass_mark=60, max_attempts=2, kinds=["single"],
                                topics=["foreign"])
    attempt = training.attempt_start(actor=people["a_gen"], exam=exam)
    world.add("attempt", attempt.pk, asked, explained)


def _travel(world: World, canary: CanaryMaker, people: dict[str, User]) -> None:
    """出国境 of a_imp (policy.trips_visible_to: the traveller and the 保密办). Destinations,
    purpose and the carriers to take abroad are the approval requests' reasons, read by their
    deciders too (a_leader, the unit leader); companions and the 回国报告 stay with the traveller."""
    from baomi.approvals.services import request_decide
    from baomi.travel import services as travel
    from tests.factories import PASSWORD

    traveller, leader, officer = people["a_imp"], people["a_leader"], people["officer"]
    today = timezone.localdate()
    seen = ("a_imp", "a_leader")
    where = canary("tripdest", "工作秘密", "d357", scope="personal", owners=seen)
    why = canary("trippurpose", "工作秘密", "b0a7", scope="personal", owners=seen)
    who = canary("tripcompanions", "工作秘密", "c0a9", scope="personal", owners=("a_imp",))
    items = canary("tripcarriers", "工作秘密", "ca44", scope="personal", owners=seen)
    trip = travel.trip_apply(actor=traveller, kind="official", destinations=where.text, purpose=why.text,
                             depart_on=today, return_on=today + datetime.timedelta(days=5), companions=who.text,
                             carriers_planned=True, carrier_items=items.text, bureau_doc_no="保密局〔2026〕1号")
    assert trip.approval is not None and trip.carrier_approval is not None
    # The trip is approved (unit leader, then the office); the carriers' approval waits at its
    # last step (an organisation-wide 审批领导, whom this world lacks), so no inbox count changes.
    for request in (trip.approval, trip.carrier_approval):
        for decider in (leader, officer):
            request_decide(actor=decider, request=request, approve=True, comment="同意", password=PASSWORD)
    world.add("approval", trip.approval.pk, where, why)
    world.add("approval", trip.carrier_approval.pk, items)
    told = canary("tripreport", "工作秘密", "7e9b", scope="personal", owners=("a_imp",))
    trip.refresh_from_db()
    travel.trip_report(actor=traveller, trip=trip, text=told.text, returned_on=today)
    world.add("trip", trip.pk, where, why, who, items, told)
    world.add("person", traveller.pk, where, why, who, items, told)


def _personnel(world: World, canary: CanaryMaker, people: dict[str, User], units: dict[str, Unit]) -> None:
    """涉密人员: texts a person or the 保密办 types about someone. policy.reads_personal_reports:
    annual-report texts, vetting notes, handover contents and employment reports are for the
    person and the 保密办 only — not the security administrator, who keeps the register's
    statuses (personnel_visible_to). A departure's reason and handover are also read by whoever
    takes the handover over (views.departure), and the reason is the approval's reason, read by
    its decider (the unit leader)."""
    from baomi.approvals.services import request_decide
    from baomi.personnel import selectors as personnel_selectors
    from baomi.personnel import services as personnel
    from baomi.personnel.models import Commitment
    from tests.factories import PASSWORD

    officer = people["officer"]
    year = personnel_selectors.reporting_year()
    text = canary("annualreport", "工作秘密", "a22e", scope="personal", owners=("a_gen",))
    personnel.annual_report_submit(actor=people["a_gen"], year=year, text=text.text, duties=[])
    section = canary("leadersection", "工作秘密", "1ead", scope="personal", owners=("a_leader",))
    personnel.annual_report_submit(actor=people["a_leader"], year=year, text="按要求履行保密职责。", duties=[],
                                   leader_section=section.text)
    world.add("person", people["a_gen"].pk, text)
    world.add("person", people["a_leader"].pk, section)
    notes = canary("vettingnotes", "工作秘密", "7e77", scope="personal", owners=("a_imp",))
    # The vetting's documents are listed in its audit event's details (as the auditors read them).
    papers = canary("vettingdocs", "工作秘密", "d0c5", scope="personal", owners=("a_imp",), in_audit_log=True)
    personnel.vetting_record(actor=officer, person=people["a_imp"], category=Clearance.IMPORTANT, result="pass",
                             notes=notes.text, documents=[papers.text + ".pdf"])
    world.add("person", people["a_imp"].pk, notes, papers)
    # A person of unit A (not a caller: the departure releases them) leaves their post.
    leaver = make_person("lk_a_leaver", unit=units["A"], clearance="GENERAL", full_name="测试离岗人")
    handover_seen = ("a_gen", "a_leader")
    why = canary("departreason", "工作秘密", "de9a", scope="personal", owners=handover_seen)
    departure = personnel.departure_open(actor=officer, person=leaver, kind="post", reason=why.text)
    what = canary("handover", "工作秘密", "4a0d", scope="personal", owners=("a_gen",))
    personnel.departure_handover(actor=officer, departure=departure, to=people["a_gen"], items=what.text)
    personnel.departure_confirm_handover(actor=people["a_gen"], departure=departure)
    leaving = Commitment.objects.get(person=leaver, kind="leave")  # a template's text: no canary, read anyway
    personnel.commitment_sign(actor=leaver, commitment=leaving, password=PASSWORD)
    world.add("commitment", leaving.pk)
    departure = personnel.departure_submit(actor=officer, departure=departure)
    assert departure.approval is not None
    request_decide(actor=people["a_leader"], request=departure.approval, approve=True, comment="同意",
                   password=PASSWORD)
    world.add("approval", departure.approval.pk, why)
    employer = canary("employer", "工作秘密", "e3b1", scope="personal", owners=())
    period = personnel_selectors.separation_period_for(leaver)
    assert period is not None
    personnel.employment_report_record(actor=officer, period=period, employer=employer.text, position="职员")
    world.add("departure", departure.pk, why, what)
    world.add("person", leaver.pk, why, what, employer)


Builder = Callable[[], World]
