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
        self.ids.setdefault(kind, []).append(pk)
        self.about[(kind, pk)] = list(about)


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
    return world


Builder = Callable[[], World]
