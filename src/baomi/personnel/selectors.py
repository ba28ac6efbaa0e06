"""Reads of the personnel register, filtered by `policy.personnel_visible_to`: a person the
reader may not see is "not found". Also the clearance gate that accounts asks before raising
anyone's clearance, and `separation_period_for` for the other modules (travel)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import inbox, policy
from baomi.accounts.models import User
from baomi.errors import NotFound
from baomi.levels import Clearance
from baomi.periods import add_months
from baomi.personnel.models import (
    AnnualReport,
    Assignment,
    Commitment,
    CommitmentKind,
    Departure,
    DepartureStatus,
    Notice,
    Post,
    SeparationPeriod,
    Vetting,
)

# ---------------------------------------------------------------- configuration (settings may override)

# 脱密期 length in years per category (DESIGN.md: not in the law; 核心 3, 重要 2, 一般 1).
DEFAULT_SEPARATION_YEARS = {"CORE": 3, "IMPORTANT": 2, "GENERAL": 1}
# Re-vetting (定期复审, PERS-02): the seed gives no period; two years is our documented default.
DEFAULT_VETTING_INTERVAL_YEARS = 2
REMIND_DAYS = 60  # vetting and 脱密期 reminders start this many days before the date
SCAN_MAX_BYTES = 5 * 1024 * 1024


def separation_years(category: Clearance) -> int:
    years: dict[str, int] = {**DEFAULT_SEPARATION_YEARS, **getattr(settings, "BAOMI_SEPARATION_YEARS", {})}
    return int(years.get(category.name, 0))


def vetting_interval_years() -> int:
    return int(getattr(settings, "BAOMI_VETTING_INTERVAL_YEARS", DEFAULT_VETTING_INTERVAL_YEARS))


def remind_days() -> int:
    return int(getattr(settings, "BAOMI_PERSONNEL_REMIND_DAYS", REMIND_DAYS))


def scan_max_bytes() -> int:
    return int(getattr(settings, "BAOMI_COMMITMENT_SCAN_MAX_BYTES", SCAN_MAX_BYTES))


def add_years(day: datetime.date, years: int) -> datetime.date:
    """29 February plus one year is 28 February."""
    return add_months(day, 12 * years)


def _today(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def _not_found() -> NotFound:
    return NotFound(_("对象不存在"))


# ---------------------------------------------------------------- one person's state


def current_assignment(person: User) -> Assignment | None:
    return (Assignment.objects.filter(person=person, ends_on__isnull=True)
            .select_related("post", "post__unit").first())


def latest_vetting(person: User) -> Vetting | None:
    return Vetting.objects.filter(person=person).select_related("reviewer").first()


def hire_commitment_signed(person: User) -> bool:
    return Commitment.objects.filter(person=person, kind=CommitmentKind.HIRE, signed_at__isnull=False).exists()


def reason_clearance_blocked(person: User, clearance: Clearance, *, on: datetime.date | None = None) -> str | None:
    """THE GATE (PERS-01, PERS-04): None when `person` may be raised to `clearance`, else why not.

    The latest vetting must have passed, be unexpired and cover the category; the hiring
    commitment (上岗保密承诺书) must be signed. Lowering is never asked about."""
    if clearance <= Clearance.NONE:
        return None
    day = _today(on)
    name = person.full_name or person.username
    vetting = latest_vetting(person)
    if vetting is None:
        return _("%(name)s 尚未经过涉密人员审查，不能授予涉密类别") % {"name": name}
    if not vetting.passed:
        return _("%(name)s 最近一次涉密人员审查未通过，不能授予涉密类别") % {"name": name}
    if not vetting.valid_on(day):
        return _("%(name)s 的涉密人员审查已于 %(date)s 过期，须复审后方可授予涉密类别") % {
            "name": name, "date": vetting.valid_until.isoformat()}
    if vetting.category < int(clearance):
        return _("%(name)s 的审查类别为%(have)s，不能授予%(want)s涉密人员类别") % {
            "name": name, "have": Clearance(vetting.category).zh, "want": clearance.zh}
    if not hire_commitment_signed(person):
        return _("%(name)s 尚未签署上岗保密承诺书，不能授予涉密类别") % {"name": name}
    return None


def separation_period_for(person: User, on: datetime.date | None = None) -> SeparationPeriod | None:
    """The person's 脱密期 running on `on` (default today), or None. Running from `starts_on`
    up to `ends_on`: on `ends_on` itself it has ended."""
    day = _today(on)
    return (SeparationPeriod.objects.filter(person=person, starts_on__lte=day, ends_on__gt=day)
            .order_by("-ends_on").first())


def open_departures(person: User) -> QuerySet[Departure]:
    """The person's departure while it is open or awaiting approval (one at most)."""
    return Departure.objects.filter(person=person, status__in=[DepartureStatus.OPEN, DepartureStatus.PENDING])


def open_departure(person: User) -> Departure | None:
    return open_departures(person).select_related("handover_to", "approval").first()


def is_leader(person: User) -> bool:
    """Leaders write the 保密工作责任制 section (PERS-12): a leadership post, or the 审批领导 role."""
    assignment = current_assignment(person)
    if assignment is not None and assignment.post.is_leadership:
        return True
    return person.role_assignments.filter(role="approver").exists()


def reporting_year(today: datetime.date | None = None) -> int:
    """The year whose self-report is being collected: this year from December, else last year."""
    day = _today(today)
    return day.year if day.month == 12 else day.year - 1


def report_due(year: int) -> datetime.date:
    """A year's report is due by 31 January of the following year."""
    return datetime.date(year + 1, 1, 31)


def report_window(day: datetime.date) -> bool:
    """Reminders run in December and January (PERS-11)."""
    return day.month in (12, 1)


# ---------------------------------------------------------------- lists


def people_visible_to(reader: User, *, search: str = "", cleared_only: bool = True) -> QuerySet[User]:
    qs = User.objects.filter(policy.personnel_visible_to(reader))
    if cleared_only and policy.may(reader, policy.Perm.VIEW_PERSONNEL):
        qs = qs.filter(Q(clearance__gt=0) | Exists(Departure.objects.filter(person=OuterRef("pk")))
                       | Exists(Vetting.objects.filter(person=OuterRef("pk"))))
    if search:
        qs = qs.filter(Q(username__icontains=search) | Q(full_name__icontains=search))
    return qs.select_related("unit").order_by("unit__sort_order", "-clearance", "id")


def person_for(reader: User, person_id: int) -> User:
    found = User.objects.filter(policy.personnel_visible_to(reader), pk=person_id).select_related("unit").first()
    if found is None:
        raise _not_found()
    return found


def posts_visible_to(reader: User) -> QuerySet[Post]:
    if not policy.may(reader, policy.Perm.VIEW_PERSONNEL):
        return Post.objects.none()
    return Post.objects.select_related("unit")


def post_for(reader: User, post_id: int) -> Post:
    found = posts_visible_to(reader).filter(pk=post_id).first()
    if found is None:
        raise _not_found()
    return found


def commitment_for(reader: User, commitment_id: int) -> Commitment:
    found = Commitment.objects.filter(pk=commitment_id).select_related("person").first()
    if found is None or not User.objects.filter(policy.personnel_visible_to(reader), pk=found.person_id).exists():
        raise _not_found()
    return found


def departure_for(reader: User, departure_id: int) -> Departure:
    found = Departure.objects.filter(pk=departure_id).select_related("person", "handover_to", "approval").first()
    if found is None:
        raise _not_found()
    visible = User.objects.filter(policy.personnel_visible_to(reader), pk=found.person_id).exists()
    if not visible and found.handover_to_id != reader.pk:
        raise _not_found()
    return found


def separation_for(reader: User, period_id: int) -> SeparationPeriod:
    found = SeparationPeriod.objects.filter(pk=period_id).select_related("person").first()
    if found is None or not User.objects.filter(policy.personnel_visible_to(reader), pk=found.person_id).exists():
        raise _not_found()
    return found


def outstanding_copies(person: User) -> QuerySet[Any]:
    from baomi.carriers.selectors import outstanding_for

    return outstanding_for(person)


def devices_held(person: User) -> QuerySet[Any]:
    from baomi.devices.selectors import devices_held_by

    return devices_held_by(person)


@dataclass
class Checklist:
    """A departure's checklist (PERS-13/14/16): what is done and what still blocks it."""

    copies: list[Any] = field(default_factory=list)
    handover: bool = False
    commitment: Commitment | None = None
    devices: list[Any] = field(default_factory=list)  # devices and media still held (issue 7)

    @property
    def commitment_signed(self) -> bool:
        return self.commitment is not None and self.commitment.is_signed

    @property
    def complete(self) -> bool:
        return not self.copies and not self.devices and self.handover and self.commitment_signed

    def blockers(self) -> list[str]:
        reasons = []
        if self.copies:
            reasons.append(_("仍持有 %(n)s 份涉密载体未清退：%(list)s") % {
                "n": len(self.copies), "list": "、".join(c.label for c in self.copies[:20])})
        if self.devices:
            reasons.append(_("仍保管 %(n)s 件设备或存储介质未交回：%(list)s") % {
                "n": len(self.devices), "list": "、".join(d.label for d in self.devices[:20])})
        if not self.handover:
            reasons.append(_("尚未登记工作交接"))
        if not self.commitment_signed:
            reasons.append(_("尚未签署离岗保密承诺书"))
        return reasons


def checklist_for(departure: Departure) -> Checklist:
    return Checklist(
        copies=list(outstanding_copies(departure.person)),
        devices=list(devices_held(departure.person)),
        handover=departure.handover_at is not None,
        commitment=Commitment.objects.filter(person=departure.person, kind=CommitmentKind.LEAVE,
                                             prepared_at__gte=departure.opened_at).first(),
    )


# ---------------------------------------------------------------- the secrecy office's overdue lists


@dataclass
class Overdue:
    vetting: list[tuple[User, Vetting | None]] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    reports_missing: list[User] = field(default_factory=list)
    report_year: int = 0
    separations_ending: list[SeparationPeriod] = field(default_factory=list)
    departures: list[tuple[Departure, list[str]]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return (len(self.vetting) + len(self.commitments) + len(self.reports_missing)
                + len(self.separations_ending) + len(self.departures))


def cleared_people() -> QuerySet[User]:
    return User.objects.filter(is_active=True, admin_role="", clearance__gt=0)


def overdue_for(reader: User, *, today: datetime.date | None = None) -> Overdue:
    """What the secrecy office must chase (empty for anyone without the register)."""
    result = Overdue()
    if not policy.may(reader, policy.Perm.VIEW_PERSONNEL):
        return result
    day = _today(today)
    horizon = day + datetime.timedelta(days=remind_days())
    for person in cleared_people().select_related("unit").order_by("unit__sort_order", "id"):
        vetting = latest_vetting(person)
        if vetting is None or not vetting.passed or vetting.valid_until <= horizon:
            result.vetting.append((person, vetting))
    result.commitments = list(Commitment.objects.filter(signed_at__isnull=True, person__is_active=True)
                              .select_related("person").order_by("prepared_at"))
    result.report_year = reporting_year(day)
    result.reports_missing = reports_missing(result.report_year)
    result.separations_ending = list(SeparationPeriod.objects.filter(starts_on__lte=day, ends_on__gt=day,
                                                                     ends_on__lte=horizon)
                                     .select_related("person").order_by("ends_on"))
    for departure in Departure.objects.filter(status=DepartureStatus.OPEN).select_related("person"):
        blockers = checklist_for(departure).blockers()
        if blockers:
            result.departures.append((departure, blockers))
    return result


def reports_missing(year: int) -> list[User]:
    done = AnnualReport.objects.filter(year=year).values("person_id")
    return list(cleared_people().exclude(pk__in=done).select_related("unit").order_by("unit__sort_order", "id"))


def notices_for(person: User) -> QuerySet[Notice]:
    return Notice.objects.filter(person=person).order_by("-created_at", "-id")


# ---------------------------------------------------------------- 我的待办 and the other modules' sections


def inbox_items(person: User) -> list[inbox.Item]:
    """Commitments to sign, the annual report when due, departure tasks and handovers to accept."""
    items: list[inbox.Item] = []
    own = reverse("personnel:person", args=[person.pk])
    kinds = dict(CommitmentKind.choices)
    for pk, kind in (Commitment.objects.filter(person=person, signed_at__isnull=True)
                     .order_by("-prepared_at", "-id").values_list("pk", "kind")):
        items.append(inbox.Item(kind=_("承诺"), title=_("签署%(kind)s") % {"kind": kinds.get(kind, kind)},
                                url=reverse("personnel:commitment", args=[pk])))
    today = timezone.localdate()
    year = reporting_year(today)
    if (person.clearance > 0 and report_window(today)
            and not AnnualReport.objects.filter(person=person, year=year).exists()):
        items.append(inbox.Item(kind=_("报告"), title=_("提交 %(year)s 年度保密自查报告") % {"year": year},
                                url=reverse("personnel:report"), due=report_due(year)))
    departure = open_departure(person)
    if departure is not None and departure.status == DepartureStatus.OPEN:
        for reason in checklist_for(departure).blockers():
            items.append(inbox.Item(kind=_("离岗"), title=reason, url=own))
    for d in Departure.objects.filter(handover_to=person, handover_at__isnull=False,
                                      handover_confirmed_at__isnull=True,
                                      status__in=[DepartureStatus.OPEN, DepartureStatus.PENDING]):
        items.append(inbox.Item(kind=_("交接"), title=_("确认接收 %(name)s 的工作交接") % {
            "name": d.person.full_name or d.person.username}, url=reverse("personnel:departure", args=[d.pk])))
    return items


def inbox_gate(person: User) -> bool | list[QuerySet[Any]]:
    """inbox_items: the annual report in its window; otherwise an unsigned commitment, or a
    departure of theirs or handed over to them."""
    if person.clearance > 0 and report_window(timezone.localdate()):
        return True
    return [Commitment.objects.filter(person=person, signed_at__isnull=True),
            Departure.objects.filter(Q(person=person) | Q(handover_to=person),
                                     status__in=[DepartureStatus.OPEN, DepartureStatus.PENDING])]


def module_sections(viewer: User, person: User) -> list[dict[str, Any]]:
    """Sections other modules add to the person page (training, travel), when installed and
    when the viewer may see them."""
    import importlib

    sections = []
    for module in ("baomi.training.selectors", "baomi.travel.selectors", "baomi.incidents.selectors"):
        try:
            provider = getattr(importlib.import_module(module), "profile_section", None)
        except ImportError:
            continue
        if provider is None:
            continue
        section = provider(viewer, person)
        if section:
            sections.append(section)
    return sections


def dashboard_card(person: User) -> tuple[str, int, str, bool]:
    """Home card: for the 保密办 what is overdue in the register; for anyone else their own to-dos."""
    if policy.may(person, policy.Perm.MANAGE_PERSONNEL):
        count = overdue_for(person).count
        return _("涉密人员逾期事项"), count, "personnel:index", count > 0
    count = len(inbox_items(person))
    return _("我的涉密人员事项"), count, "personnel:index", False
