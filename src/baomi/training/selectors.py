"""Reads of training and exam records, filtered by who may see them
(`policy.training_records_visible_to`): the secrecy office sees everyone's, a person their
own, the administrators nothing. The question bank (with its answer keys) is the secrecy
office's alone; a candidate sees the drawn questions without keys until they hand in."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from baomi import inbox, policy
from baomi.accounts.models import User
from baomi.errors import NotFound
from baomi.levels import Clearance
from baomi.training.models import (
    Attempt,
    AttemptStatus,
    Attendance,
    Course,
    CourseKind,
    Exam,
    ExamPurpose,
    Question,
    Requirement,
    Session,
)
from baomi.training.services import DEFAULT_HOURS, today


def _not_found() -> NotFound:
    return NotFound(_("对象不存在"))


def requirements() -> dict[int, Decimal]:
    """Hours required a year per clearance category (the office's rows over the defaults)."""
    hours = dict(DEFAULT_HOURS)
    hours.update({r.clearance: r.hours for r in Requirement.objects.all()})
    return hours


def hours_in_year(person: User, year: int) -> Decimal:
    total = (Attendance.objects.filter(person=person, session__held_on__year=year)
             .aggregate(h=Sum("hours"))["h"])
    return Decimal(total or 0)


def _passed_in_year(year: int, purpose: str) -> Q:
    return Q(passed=True, exam__purpose=purpose, finished_at__year=year)


@dataclass
class Standing:
    """One person's training year: hours against the requirement and the annual exam."""

    person: User
    year: int
    required: Decimal
    hours: Decimal
    annual_passed: bool
    onboarding_trained: bool
    onboarding_passed: bool
    overdue: list[str] = field(default_factory=list)

    @property
    def hours_behind(self) -> bool:
        return self.hours < self.required

    @property
    def behind(self) -> bool:
        return bool(self.overdue)


def _year_hours(year: int) -> Coalesce:
    """A person's hours attended in the year, summed in SQL (0 when none)."""
    hours = (Attendance.objects.filter(person=OuterRef("pk"), session__held_on__year=year)
             .values("person").annotate(h=Sum("hours")).values("h"))
    return Coalesce(Subquery(hours, output_field=DecimalField()), Value(Decimal(0)), output_field=DecimalField())


def standings(reader: User | None, year: int, *, unit_id: int | None = None,
              person_id: int | None = None) -> list[Standing]:
    """Every cleared, active person the reader may see (reader None: the scheduler, all),
    with this year's hours summed in SQL (a session counts in the year it was held).
    person_id: that one person only (a page's inbox needs one row, not the whole body)."""
    people = User.objects.filter(is_active=True, admin_role="", clearance__gte=int(Clearance.GENERAL))
    if person_id is not None:
        people = people.filter(pk=person_id)
    if reader is not None:
        people = people.filter(policy.training_records_visible_to(reader))
    if unit_id:
        people = people.filter(unit_id=unit_id)
    people = people.annotate(year_hours=_year_hours(year))
    people = people.select_related("unit").order_by("unit__sort_order", "unit_id", "id")
    ids = [p.pk for p in people]
    annual = set(Attempt.objects.filter(_passed_in_year(year, ExamPurpose.ANNUAL), person_id__in=ids)
                 .values_list("person_id", flat=True))
    onboarding_passed = set(Attempt.objects.filter(passed=True, exam__purpose=ExamPurpose.ONBOARDING,
                                                   person_id__in=ids).values_list("person_id", flat=True))
    onboarding_trained = set(Attendance.objects.filter(session__course__kind=CourseKind.ONBOARDING,
                                                       person_id__in=ids).values_list("person_id", flat=True))
    needed = requirements()
    rows = []
    for person in people:
        row = Standing(person=person, year=year, required=needed.get(person.clearance, Decimal(0)),
                       hours=Decimal(person.year_hours or 0), annual_passed=person.pk in annual,  # type: ignore[attr-defined]
                       onboarding_trained=person.pk in onboarding_trained,
                       onboarding_passed=person.pk in onboarding_passed)
        row.overdue = overdue_items(row)
        rows.append(row)
    return rows


def hours_text(value: Decimal) -> str:
    """4.0 → "4", 2.5 → "2.5" (the same on SQLite and PostgreSQL)."""
    return f"{Decimal(value).normalize():f}"


def overdue_items(row: Standing) -> list[str]:
    items = []
    if row.hours_behind:
        items.append(_("%(year)s 年保密培训学时不足：已完成 %(hours)s / 应完成 %(required)s 学时") % {
            "year": row.year, "hours": hours_text(row.hours), "required": hours_text(row.required)})
    if not row.annual_passed:
        items.append(_("%(year)s 年度保密考试尚未通过") % {"year": row.year})
    return items


def standing_of(person: User, year: int) -> Standing:
    rows = standings(None, year, person_id=person.pk) if person.clearance >= int(Clearance.GENERAL) else []
    for row in rows:
        if row.person.pk == person.pk:
            return row
    # Not cleared (or inactive): no yearly requirement, only the onboarding record.
    row = Standing(person=person, year=year, required=Decimal(0), hours=hours_in_year(person, year),
                   annual_passed=Attempt.objects.filter(_passed_in_year(year, ExamPurpose.ANNUAL),
                                                        person=person).exists(),
                   onboarding_trained=Attendance.objects.filter(
                       person=person, session__course__kind=CourseKind.ONBOARDING).exists(),
                   onboarding_passed=Attempt.objects.filter(
                       person=person, passed=True, exam__purpose=ExamPurpose.ONBOARDING).exists())
    return row


@dataclass
class UnitSummary:
    """PERS-10: assessment statistics by unit."""

    unit: str
    people: int = 0
    hours_met: int = 0
    exam_passed: int = 0
    behind: int = 0

    @property
    def pass_rate(self) -> int:
        return round(100 * self.exam_passed / self.people) if self.people else 0


def unit_summary(rows: list[Standing]) -> list[UnitSummary]:
    by_unit: dict[str, UnitSummary] = {}
    for row in rows:
        name = row.person.unit.name if row.person.unit else "—"
        summary = by_unit.setdefault(name, UnitSummary(unit=name))
        summary.people += 1
        summary.hours_met += not row.hours_behind
        summary.exam_passed += row.annual_passed
        summary.behind += row.behind
    return list(by_unit.values())


def concentrated_count(year: int) -> int:
    """PERS-08: this year's 集中保密教育 sessions held."""
    return Session.objects.filter(course__kind=CourseKind.CONCENTRATED, held_on__year=year).count()


# ---------------------------------------------------------------- office registers


def _require_office(reader: User) -> None:
    policy.require(reader, policy.Perm.MANAGE_TRAINING)


def courses_for(reader: User) -> QuerySet[Course]:
    """Courses are not secret; every business user may see the list."""
    if not reader.is_active or reader.admin_role:
        return Course.objects.none()
    return Course.objects.all()


def course_for(reader: User, course_id: int) -> Course:
    found = courses_for(reader).filter(pk=course_id).first()
    if found is None:
        raise _not_found()
    return found


def sessions_of(reader: User, course: Course) -> QuerySet[Session]:
    return course.sessions.all() if courses_for(reader).filter(pk=course.pk).exists() else Session.objects.none()


def session_for(reader: User, session_id: int) -> Session:
    found = Session.objects.filter(course__in=courses_for(reader), pk=session_id).select_related("course").first()
    if found is None:
        raise _not_found()
    return found


def attendances_of(reader: User, session: Session) -> QuerySet[Attendance]:
    """Who attended a session: the office sees the list, others only their own row."""
    people = User.objects.filter(policy.training_records_visible_to(reader))
    return session.attendances.filter(person__in=people).select_related("person", "person__unit")


def attendances_for(reader: User, person: User, year: int | None = None) -> QuerySet[Attendance]:
    if not policy.may_see_training_of(reader, person):
        return Attendance.objects.none()
    qs = Attendance.objects.filter(person=person).select_related("session", "session__course")
    return qs.filter(session__held_on__year=year) if year else qs


def questions_for(reader: User, *, kind: str = "", topic: str = "", search: str = "") -> QuerySet[Question]:
    """The bank, answer keys included: the secrecy office only."""
    _require_office(reader)
    qs = Question.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if search:
        qs = qs.filter(Q(text__icontains=search) | Q(code__icontains=search))
    if topic:
        qs = qs.filter(pk__in=[pk for pk, tags in qs.values_list("pk", "topics") if topic in (tags or [])])
    return qs


def question_for(reader: User, question_id: int) -> Question:
    found = questions_for(reader).filter(pk=question_id).first()
    if found is None:
        raise _not_found()
    return found


def exams_for(reader: User) -> QuerySet[Exam]:
    """The office: every paper. Others: the open papers they may take."""
    if not reader.is_active or reader.admin_role:
        return Exam.objects.none()
    if policy.is_training_office(reader):
        return Exam.objects.all()
    qs = Exam.objects.filter(is_open=True)
    if reader.clearance < int(Clearance.GENERAL):
        qs = qs.filter(purpose=ExamPurpose.ONBOARDING)
    return qs


def exam_for(reader: User, exam_id: int) -> Exam:
    found = exams_for(reader).filter(pk=exam_id).first()
    if found is None:
        raise _not_found()
    return found


def attempts_of(reader: User, person: User) -> QuerySet[Attempt]:
    if not policy.may_see_training_of(reader, person):
        return Attempt.objects.none()
    return Attempt.objects.filter(person=person).select_related("exam")


def attempts_on(reader: User, exam: Exam) -> QuerySet[Attempt]:
    """Everyone's attempts on a paper: the office only."""
    people = User.objects.filter(policy.training_records_visible_to(reader))
    return exam.attempts.filter(person__in=people).select_related("person", "person__unit")


def attempt_for(reader: User, attempt_id: int) -> Attempt:
    """An attempt: its candidate, or the secrecy office (results only: the page shows the
    keys to the office only once the attempt is closed)."""
    found = (Attempt.objects.filter(person__in=User.objects.filter(policy.training_records_visible_to(reader)),
                                    pk=attempt_id).select_related("exam", "person", "person__unit").first())
    if found is None:
        raise _not_found()
    return found


def certificate_lookup(reader: User, number: str) -> Attempt:
    """Verify a certificate number: any business user may check that it is genuine (name,
    exam, date), nothing else. Administrators and unknown numbers: not found."""
    if not reader.is_active or reader.admin_role:
        raise _not_found()
    found = (Attempt.objects.filter(certificate_no=(number or "").strip().upper(), passed=True)
             .select_related("exam", "person", "person__unit").first())
    if found is None:
        raise _not_found()
    return found


# ---------------------------------------------------------------- person page, inbox


def profile_section(viewer: User, person: User) -> dict[str, Any] | None:
    """The person page's 培训与考试 section, for the person themself and the secrecy office;
    None for anyone else (the section is not shown at all)."""
    if not policy.may_see_training_of(viewer, person):
        return None
    year = today().year
    row = standing_of(person, year)
    last = (Attempt.objects.filter(person=person).exclude(status=AttemptStatus.IN_PROGRESS)
            .select_related("exam").order_by("-finished_at").first())
    certificates = list(Attempt.objects.filter(person=person, passed=True).order_by("-finished_at")
                        .values_list("certificate_no", flat=True)[:5])
    yes, no = _("是"), _("否")
    rows: list[tuple[str, str]] = [
        (_("本年度培训学时"), _("%(hours)s / %(required)s 学时") % {"hours": hours_text(row.hours),
                                                          "required": hours_text(row.required)}),
        (_("本年度保密考试"), _("已通过") if row.annual_passed else _("未通过")),
        (_("上岗培训"), yes if row.onboarding_trained else no),
        (_("上岗考核"), _("已通过") if row.onboarding_passed else _("未通过")),
        (_("最近一次考试"), f"{last.exam.title} {last.score} 分（{_('通过') if last.passed else _('未通过')}）"
         if last else "—"),
        (_("合格证书"), "、".join(c for c in certificates if c) or "—"),
    ]
    overdue = row.overdue if person.clearance >= int(Clearance.GENERAL) and person.is_active else []
    if viewer.pk == person.pk:
        url: str | None = reverse("training:index")
    else:
        url = reverse("training:person", args=[person.pk])
    return {"title": _("培训与考试"), "rows": rows, "overdue": overdue, "url": url}


def _overdue_of(person: User, year: int) -> list[str]:
    """`standing_of(person, year).overdue` in one query: the hours, the requirement and the
    annual exam of the person's row as `standings` reads it (the onboarding fields, which
    `overdue_items` does not read, are left out)."""
    required = Requirement.objects.filter(clearance=OuterRef("clearance")).values("hours")[:1]
    annual = Attempt.objects.filter(_passed_in_year(year, ExamPurpose.ANNUAL), person=OuterRef("pk"))
    row = (User.objects.filter(pk=person.pk, is_active=True, admin_role="", clearance__gte=int(Clearance.GENERAL))
           .annotate(year_hours=_year_hours(year), required=Subquery(required), annual=Exists(annual))
           .values_list("clearance", "year_hours", "required", "annual").first())
    if row is None:  # the row is not a cleared, active one after all: standing_of's other branch
        return standing_of(person, year).overdue
    clearance, hours, required_hours, annual_passed = row
    if required_hours is None:
        required_hours = DEFAULT_HOURS.get(clearance, Decimal(0))
    return overdue_items(Standing(person=person, year=year, required=required_hours, hours=Decimal(hours or 0),
                                  annual_passed=bool(annual_passed), onboarding_trained=False,
                                  onboarding_passed=False))


def inbox_items(person: User) -> list[inbox.Item]:
    """我的待办: hours behind and the annual exam not yet passed (due at the year's end),
    exams in progress (due at their deadline) and, for the office, the 集中保密教育 count."""
    if not person.is_active or person.admin_role:
        return []
    day = today()
    items: list[inbox.Item] = []
    url = reverse("training:index")
    for pk, title, deadline in (Attempt.objects.filter(person=person, status=AttemptStatus.IN_PROGRESS)
                                .order_by("-started_at", "-id").values_list("pk", "exam__title", "deadline_at")):
        items.append(inbox.Item(kind=_("考试"), title=_("未交卷：%(t)s") % {"t": title},
                                url=reverse("training:attempt", args=[pk]), due=deadline))
    if person.clearance >= int(Clearance.GENERAL):
        year_end = datetime.date(day.year, 12, 31)
        for text in _overdue_of(person, day.year):
            items.append(inbox.Item(kind=_("培训"), title=text, url=url, due=year_end))
    if policy.is_training_office(person):
        from baomi.training.services import CONCENTRATED_DUE

        held = concentrated_count(day.year)
        expected = max((n for month, n in CONCENTRATED_DUE if day.month >= month), default=0)
        if held < expected:
            items.append(inbox.Item(
                kind=_("培训"), title=_("%(y)s 年集中保密教育已举办 %(h)s 次，应举办 %(e)s 次") % {
                    "y": day.year, "h": held, "e": expected},
                url=reverse("training:courses"),
                due=datetime.date(day.year, 6, 30) if expected == 1 else datetime.date(day.year, 12, 31)))
    return items


def inbox_gate(person: User) -> bool | list[QuerySet[Attempt]]:
    """inbox_items: cleared people (their year) and the office; anyone else an exam in progress."""
    if person.clearance >= int(Clearance.GENERAL) or policy.is_training_office(person):
        return True
    return [Attempt.objects.filter(person=person, status=AttemptStatus.IN_PROGRESS)]


def behind_count(reader: User) -> int:
    """For the dashboard card: people behind this year, as the office sees them."""
    if not policy.is_training_office(reader):
        return 0
    return sum(1 for row in standings(reader, today().year) if row.behind)


def group_by_year(attendances: Any) -> dict[int, list[Attendance]]:
    grouped: dict[int, list[Attendance]] = defaultdict(list)
    for a in attendances:
        grouped[a.session.held_on.year].append(a)
    return dict(grouped)


def dashboard_card(person: User) -> tuple[str, int, str, bool]:
    """(title, count, url name, urgent) of the home page's training card."""
    if policy.is_training_office(person):
        behind = behind_count(person)
        return _("本年度培训考试未达标人员"), behind, "training:behind", behind > 0
    mine = len(standing_of(person, today().year).overdue) if person.clearance >= int(Clearance.GENERAL) else 0
    return _("我的培训考试待办"), mine, "training:index", mine > 0
