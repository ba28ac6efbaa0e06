"""Every change to training and exams: 年度学时要求, 课程, 场次, 参训记录, 题库 (import and
edits), 试卷, 答卷 (start, answer, submit, expiry) and reminders.

Each service checks policy and runs inside `atomic_action` (the audit chain's lock first),
writing its audit event in the same transaction. An attempt is locked (`select_for_update`)
before it changes: a double submit gets one success and one `Conflict`; two tabs starting
the same exam get the same attempt (one in progress per exam and person, also a database
constraint). The deadline is checked on the server at every answer and at submission.

Answer keys never leave the server before submission: the candidate's views (API schema
and page) are built from fields that exclude them, and the bank pages are the secrecy
office's alone.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.audit.services import atomic_action, record
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.levels import Clearance
from baomi.training.models import (
    TOPIC_LABELS,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Attendance,
    Course,
    CourseKind,
    Exam,
    ExamPurpose,
    Question,
    QuestionKind,
    Reminder,
    Requirement,
    Session,
)

# PERS-07: the seed asks for "每年接受一次一定学时的保密专题教育培训" (S14) and names no
# number; these defaults (核心 16, 重要 12, 一般 8 hours a year) are changed per installation
# by the secrecy office (Requirement rows, page 年度学时要求).
DEFAULT_HOURS: dict[int, Decimal] = {
    int(Clearance.CORE): Decimal(16),
    int(Clearance.IMPORTANT): Decimal(12),
    int(Clearance.GENERAL): Decimal(8),
}
# Reminders to people behind on their hours start in this month (one per month after that);
# before it the year is young and being behind is normal.
REMIND_FROM_MONTH = 7
# PERS-08: two 集中保密教育 a year: one by the end of June, the second by the end of the year;
# the secrecy office is reminded from these months on while the count is short.
CONCENTRATED_DUE = ((6, 1), (11, 2))  # (from month, sessions expected by the end of that half)
# A submission this many seconds after the deadline still counts (the network's delay).
GRACE_SECONDS = 30
BANK_FILE = Path(__file__).with_name("question_bank.yaml")
TRUE_FALSE_OPTIONS = ["正确", "错误"]
SCHEDULER = "scheduler"


def today() -> datetime.date:
    return timezone.localdate()


def _require_office(actor: User) -> None:
    policy.require(actor, policy.Perm.MANAGE_TRAINING)


def _hours(value: Any, *, what: str) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise Invalid(_("%(what)s必须是数字") % {"what": what}) from None
    if hours <= 0 or hours >= 1000:
        raise Invalid(_("%(what)s须大于 0 且小于 1000") % {"what": what})
    return hours


def _topics(values: Iterable[str]) -> list[str]:
    topics = sorted({str(v).strip() for v in values if str(v).strip()})
    unknown = [t for t in topics if t not in TOPIC_LABELS]
    if unknown:
        raise Invalid(_("未知的主题：%(t)s") % {"t": "、".join(unknown)})
    return topics


# ---------------------------------------------------------------- requirement (PERS-07)


def requirement_set(*, actor: User, clearance: int, hours: Any) -> Requirement:
    """The yearly hours a clearance category must attend (0 allowed: no requirement)."""
    with atomic_action(actor, "training.requirement_set"):
        _require_office(actor)
        if clearance not in DEFAULT_HOURS:
            raise Invalid(_("只能为核心、重要、一般涉密人员设置学时要求"))
        try:
            value = Decimal(str(hours)).quantize(Decimal("0.1"))
        except (InvalidOperation, ValueError):
            raise Invalid(_("学时必须是数字")) from None
        if value < 0 or value >= 1000:
            raise Invalid(_("学时须在 0 至 999 之间"))
        requirement, _created = Requirement.objects.update_or_create(
            clearance=clearance, defaults={"hours": value, "updated_by": actor})
        record(actor=actor, action="training.requirement_set", obj=requirement,
               summary=f"年度学时要求：{Clearance(clearance).zh} {value} 学时",
               details={"clearance": clearance, "hours": str(value)})
        return requirement


# ---------------------------------------------------------------- courses, sessions, attendance


def course_create(*, actor: User, title: str, kind: str, hours: Any, summary: str = "",
                  topics: Iterable[str] = ()) -> Course:
    with atomic_action(actor, "training.course_create"):
        _require_office(actor)
        title = (title or "").strip()
        if not title:
            raise Invalid(_("请填写课程名称"))
        if kind not in CourseKind.values:
            raise Invalid(_("未知的培训类别"))
        course = Course.objects.create(title=title[:200], kind=kind, hours=_hours(hours, what=_("学时")),
                                       summary=(summary or "").strip(), topics=_topics(topics), created_by=actor)
        record(actor=actor, action="training.course_create", obj=course,
               summary=f"新建培训课程：{course.title}（{course.get_kind_display()}，{course.hours} 学时）",
               details={"kind": kind, "hours": str(course.hours), "topics": course.topics})
        return course


def session_create(*, actor: User, course: Course, held_on: datetime.date, place: str, trainer: str,
                   with_inspection: str = "", note: str = "") -> Session:
    with atomic_action(actor, "training.session_create", obj=course):
        _require_office(actor)
        if not (place or "").strip() or not (trainer or "").strip():
            raise Invalid(_("请填写培训地点和授课人"))
        if not isinstance(held_on, datetime.date):
            raise Invalid(_("请填写培训日期"))
        session = Session.objects.create(course=course, held_on=held_on, place=place.strip()[:120],
                                         trainer=trainer.strip()[:60], with_inspection=(with_inspection or "").strip(),
                                         note=(note or "").strip(), created_by=actor)
        record(actor=actor, action="training.session_create", obj=session,
               summary=f"培训场次：{course.title} {held_on:%Y-%m-%d} {session.place}",
               details={"course": course.pk, "held_on": held_on.isoformat()})
        return session


def attendance_record(*, actor: User, session: Session, people: Sequence[User],
                      hours: Any = None) -> list[Attendance]:
    """Who attended and the hours credited (default: the course's hours). A person already
    recorded for the session is left as is, so recording the same list twice adds nothing."""
    with atomic_action(actor, "training.attendance_record", obj=session):
        _require_office(actor)
        credited = _hours(hours, what=_("认定学时")) if hours not in (None, "") else session.course.hours
        if not people:
            raise Invalid(_("请选择参训人员"))
        created: list[Attendance] = []
        for person in people:
            if person.admin_role or not person.is_active:
                raise Refused(_("%(name)s 不是业务人员，不能登记参训") % {"name": person.full_name or person.username})
            if Attendance.objects.filter(session=session, person=person).exists():
                continue
            created.append(Attendance.objects.create(session=session, person=person, hours=credited,
                                                     recorded_by=actor))
        if created:
            record(actor=actor, action="training.attendance_record", obj=session,
                   summary=f"登记参训：{session.course.title} {session.held_on:%Y-%m-%d}，{len(created)} 人，"
                           f"每人 {credited} 学时",
                   details={"people": [a.person_id for a in created], "hours": str(credited)})
        return created


# ---------------------------------------------------------------- question bank


@dataclass
class QuestionData:
    kind: str
    text: str
    options: list[str]
    answer: list[int]
    explanation: str
    source: str = ""
    topics: list[str] = field(default_factory=list)
    code: str = ""


def _clean_question(data: QuestionData) -> QuestionData:
    text = (data.text or "").strip()
    explanation = (data.explanation or "").strip()
    if data.kind not in QuestionKind.values:
        raise Invalid(_("未知的题型"))
    if not text:
        raise Invalid(_("请填写题干"))
    if not explanation:
        raise Invalid(_("请填写解析（说明依据）"))
    options = [str(o).strip() for o in data.options if str(o).strip()]
    if data.kind == QuestionKind.TRUE_FALSE:
        options = list(TRUE_FALSE_OPTIONS)
    if len(options) < 2 or len(options) > 8:
        raise Invalid(_("选项须为 2 至 8 个"))
    try:
        answer = sorted({int(a) for a in data.answer})
    except (TypeError, ValueError):
        raise Invalid(_("答案格式不正确")) from None
    if not answer or any(a < 0 or a >= len(options) for a in answer):
        raise Invalid(_("答案须指向已有选项"))
    if data.kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and len(answer) != 1:
        raise Invalid(_("单选题和判断题只能有一个正确答案"))
    if data.kind == QuestionKind.MULTIPLE and len(answer) < 2:
        raise Invalid(_("多选题至少有两个正确答案"))
    return QuestionData(kind=data.kind, text=text, options=options, answer=answer, explanation=explanation,
                        source=(data.source or "").strip()[:200], topics=_topics(data.topics),
                        code=(data.code or "").strip())


def _next_code() -> str:
    last = 0
    for code in Question.objects.filter(code__startswith="U").values_list("code", flat=True):
        if code[1:].isdigit():
            last = max(last, int(code[1:]))
    return f"U{last + 1:03d}"


def question_save(*, actor: User, data: QuestionData, question: Question | None = None) -> Question:
    """Add a question to the bank, or edit one. Attempts already drawn keep the text they had."""
    action = "training.question_update" if question else "training.question_create"
    with atomic_action(actor, action, obj=question):
        _require_office(actor)
        clean = _clean_question(data)
        fields = {"kind": clean.kind, "text": clean.text, "options": clean.options, "answer": clean.answer,
                  "explanation": clean.explanation, "source": clean.source, "topics": clean.topics,
                  "updated_by": actor}
        if question is None:
            question = Question.objects.create(code=clean.code or _next_code(), **fields)
        else:
            question = Question.objects.select_for_update().get(pk=question.pk)
            for name, value in fields.items():
                setattr(question, name, value)
            question.save(update_fields=[*fields, "updated_at"])
        record(actor=actor, action=action, obj=question,
               summary=f"{'修改' if action.endswith('update') else '新增'}试题 {question.code}",
               details={"kind": question.kind, "topics": question.topics})
        return question


def question_set_active(*, actor: User, question: Question, active: bool) -> Question:
    with atomic_action(actor, "training.question_toggle", obj=question):
        _require_office(actor)
        question = Question.objects.select_for_update().get(pk=question.pk)
        question.is_active = active
        question.save(update_fields=["is_active", "updated_at"])
        record(actor=actor, action="training.question_toggle", obj=question,
               summary=f"{'启用' if active else '停用'}试题 {question.code}", details={"active": active})
        return question


_KIND_ALIASES = {"single": QuestionKind.SINGLE, "单选": QuestionKind.SINGLE, "multiple": QuestionKind.MULTIPLE,
                 "多选": QuestionKind.MULTIPLE, "true_false": QuestionKind.TRUE_FALSE, "判断": QuestionKind.TRUE_FALSE}


def load_bank_file(path: Path | None = None) -> list[QuestionData]:
    """Parse the bank file (YAML): each entry has code, kind, text, options, answer (letters
    such as "B" or "ACD"; true/false: 正确/错误), explanation, source, topics."""
    import yaml

    raw = yaml.safe_load((path or BANK_FILE).read_text(encoding="utf-8"))
    entries = raw.get("questions", []) if isinstance(raw, dict) else []
    result: list[QuestionData] = []
    for entry in entries:
        kind = _KIND_ALIASES.get(str(entry.get("kind", "")).strip())
        if kind is None:
            raise Invalid(_("题库文件中有未知题型：%(code)s") % {"code": entry.get("code", "?")})
        options = list(TRUE_FALSE_OPTIONS) if kind == QuestionKind.TRUE_FALSE else list(entry.get("options") or [])
        answer_text = str(entry.get("answer", "")).strip()
        if kind == QuestionKind.TRUE_FALSE:
            answer = [0 if answer_text in ("正确", "对", "true", "True", "√") else 1]
        else:
            answer = [ord(ch) - 65 for ch in answer_text.upper() if "A" <= ch <= "Z"]
        result.append(QuestionData(kind=kind, text=str(entry.get("text", "")), options=[str(o) for o in options],
                                   answer=answer, explanation=str(entry.get("explanation", "")),
                                   source=str(entry.get("source", "")), topics=list(entry.get("topics") or []),
                                   code=str(entry.get("code", "")).strip()))
    return result


@dataclass(frozen=True)
class ImportResult:
    created: int
    skipped: int


def bank_import(*, actor: User, path: Path | None = None) -> ImportResult:
    """Load the bank file shipped with the package (or `path`): questions whose code is not in
    the bank yet are added; those already there are left as the secrecy office edited them.
    Idempotent: a second run adds nothing."""
    with atomic_action(actor, "training.bank_import"):
        _require_office(actor)
        entries = [_clean_question(d) for d in load_bank_file(path)]
        if any(not e.code for e in entries):
            raise Invalid(_("题库文件中每道题都须有题号"))
        existing = set(Question.objects.filter(code__in=[e.code for e in entries]).values_list("code", flat=True))
        new = [e for e in entries if e.code not in existing]
        Question.objects.bulk_create([
            Question(code=e.code, kind=e.kind, text=e.text, options=e.options, answer=e.answer,
                     explanation=e.explanation, source=e.source, topics=e.topics, updated_by=actor) for e in new])
        if new:
            record(actor=actor, action="training.bank_import", object_type="question",
                   summary=f"导入题库：新增 {len(new)} 题，已有 {len(entries) - len(new)} 题未改动",
                   details={"created": [e.code for e in new][:200], "skipped": len(entries) - len(new)})
        return ImportResult(created=len(new), skipped=len(entries) - len(new))


# ---------------------------------------------------------------- exams


def _eligible_questions(kinds: Sequence[str], topics: Sequence[str]) -> Any:
    qs = Question.objects.filter(is_active=True)
    if kinds:
        qs = qs.filter(kind__in=list(kinds))
    ids = list(qs.values_list("pk", "topics"))
    if topics:
        wanted = set(topics)
        return [pk for pk, tags in ids if wanted & set(tags or [])]
    return [pk for pk, _tags in ids]


def exam_create(*, actor: User, title: str, purpose: str, question_count: int, time_limit_minutes: int,
                pass_mark: int, max_attempts: int, kinds: Sequence[str] = (), topics: Sequence[str] = ()) -> Exam:
    with atomic_action(actor, "training.exam_create"):
        _require_office(actor)
        title = (title or "").strip()
        if not title:
            raise Invalid(_("请填写试卷名称"))
        if purpose not in ExamPurpose.values:
            raise Invalid(_("未知的考试用途"))
        if any(k not in QuestionKind.values for k in kinds):
            raise Invalid(_("未知的题型"))
        topic_list = _topics(topics)
        if not 1 <= question_count <= 200:
            raise Invalid(_("题量须在 1 至 200 之间"))
        if not 1 <= pass_mark <= 100:
            raise Invalid(_("及格分须在 1 至 100 之间"))
        if not 1 <= time_limit_minutes <= 600:
            raise Invalid(_("考试时限须在 1 至 600 分钟之间"))
        if not 1 <= max_attempts <= 20:
            raise Invalid(_("最多考试次数须在 1 至 20 之间"))
        available = len(_eligible_questions(kinds, topic_list))
        if available < question_count:
            raise Invalid(_("题库中符合条件的试题只有 %(n)s 道，不足 %(m)s 道") % {"n": available, "m": question_count})
        exam = Exam.objects.create(title=title[:200], purpose=purpose, question_count=question_count,
                                   kinds=sorted(set(kinds)), topics=topic_list, time_limit_minutes=time_limit_minutes,
                                   pass_mark=pass_mark, max_attempts=max_attempts, created_by=actor)
        record(actor=actor, action="training.exam_create", obj=exam,
               summary=f"新建试卷：{exam.title}（{question_count} 题，{time_limit_minutes} 分钟，{pass_mark} 分及格，"
                       f"最多 {max_attempts} 次）",
               details={"purpose": purpose, "kinds": exam.kinds, "topics": exam.topics})
        return exam


def exam_set_open(*, actor: User, exam: Exam, is_open: bool) -> Exam:
    with atomic_action(actor, "training.exam_toggle", obj=exam):
        _require_office(actor)
        exam = Exam.objects.select_for_update().get(pk=exam.pk)
        exam.is_open = is_open
        exam.save(update_fields=["is_open"])
        record(actor=actor, action="training.exam_toggle", obj=exam,
               summary=f"{'开放' if is_open else '关闭'}试卷：{exam.title}", details={"open": is_open})
        return exam


# ---------------------------------------------------------------- attempts


def is_correct(kind: str, answer: Sequence[int], given: Sequence[int] | None) -> bool:
    """All or nothing: the chosen options must be exactly the right ones (a multiple-choice
    question half right scores nothing)."""
    if not given:
        return False
    chosen = sorted(set(given))
    if kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and len(chosen) != 1:
        return False
    return chosen == sorted(set(answer))


def score_of(correct: int, total: int) -> int:
    return round(100 * correct / total) if total else 0


def certificate_number(attempt: Attempt) -> str:
    """BMT<year>-<attempt id>-<two check digits> (ISO 7064 MOD 97-10 over the id)."""
    check = 98 - (attempt.pk * 100) % 97
    year = timezone.localtime(attempt.finished_at or attempt.started_at).year
    return f"BMT{year}-{attempt.pk:06d}-{check:02d}"


def _lock_attempt(attempt: Attempt, actor: User) -> Attempt:
    found = (Attempt.objects.select_for_update(of=("self",)).select_related("exam")
             .filter(pk=attempt.pk, person=actor).first())
    if found is None:  # another person's attempt is "not found"
        raise NotFound(_("对象不存在"))
    return found


def _finish(attempt: Attempt, *, now: datetime.datetime, status: str, late: bool) -> None:
    """Score the saved answers and close the attempt (the caller holds its lock)."""
    items = list(attempt.items.all())
    correct = 0
    for item in items:
        item.correct = is_correct(item.kind, item.answer, item.given)
        correct += item.correct
        item.save(update_fields=["correct"])
    attempt.status = status
    attempt.finished_at = now
    attempt.late = late
    attempt.correct = correct
    attempt.score = score_of(correct, len(items))
    attempt.passed = attempt.score >= attempt.exam.pass_mark
    fields = ["status", "finished_at", "late", "correct", "score", "passed"]
    if attempt.passed:
        attempt.certificate_no = certificate_number(attempt)
        fields.append("certificate_no")
    attempt.save(update_fields=fields)


def _expire(attempt: Attempt, *, now: datetime.datetime, actor: User | None) -> None:
    _finish(attempt, now=now, status=AttemptStatus.EXPIRED, late=True)
    record(actor=actor, actor_username="" if actor else SCHEDULER, action="training.attempt_expire", obj=attempt,
           summary=f"考试超时：{attempt.exam.title} 第 {attempt.number} 次，按时限内已保存的答案计 {attempt.score} 分",
           details={"person": attempt.person_id, "score": attempt.score, "passed": attempt.passed})


def _past_deadline(attempt: Attempt, now: datetime.datetime) -> bool:
    return now > attempt.deadline_at + datetime.timedelta(seconds=GRACE_SECONDS)


def attempt_start(*, actor: User, exam: Exam, now: datetime.datetime | None = None) -> Attempt:
    """Start (or resume) the person's attempt. A second tab gets the same attempt; an attempt
    left past its deadline is closed first; a passed exam or the last allowed attempt
    used up is refused."""
    now = now or timezone.now()
    with atomic_action(actor, "training.attempt_start", obj=exam):
        exam = Exam.objects.select_for_update().get(pk=exam.pk)
        reason = policy.reason_may_take_exam(actor, exam)
        if reason:
            raise Refused(reason)
        mine = Attempt.objects.select_for_update().select_related("exam").filter(exam=exam, person=actor)
        current = mine.filter(status=AttemptStatus.IN_PROGRESS).first()
        if current is not None:
            if not _past_deadline(current, now):
                return current
            _expire(current, now=now, actor=actor)
        if mine.filter(passed=True).exists():
            raise Conflict(_("您已通过该考试，无需重考"))
        used = mine.count()
        if used >= exam.max_attempts:
            raise Refused(_("已达到该试卷的最多考试次数（%(n)s 次）") % {"n": exam.max_attempts},
                          details={"attempts": used, "max_attempts": exam.max_attempts})
        pool = _eligible_questions(exam.kinds, exam.topics)
        if len(pool) < exam.question_count:
            raise Conflict(_("题库中符合条件的试题不足，请联系保密办"))
        drawn = secrets.SystemRandom().sample(pool, exam.question_count)
        number = (mine.aggregate(n=Max("number"))["n"] or 0) + 1
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    exam=exam, person=actor, number=number, started_at=now,
                    deadline_at=now + datetime.timedelta(minutes=exam.time_limit_minutes))
        except IntegrityError:
            raise Conflict(_("该考试已在另一处开始，请刷新页面")) from None
        questions = Question.objects.in_bulk(drawn)
        AttemptQuestion.objects.bulk_create([
            AttemptQuestion(attempt=attempt, position=i, question=questions[pk], kind=questions[pk].kind,
                            text=questions[pk].text, options=questions[pk].options, answer=questions[pk].answer,
                            explanation=questions[pk].explanation, source=questions[pk].source)
            for i, pk in enumerate(drawn, start=1)])
        record(actor=actor, action="training.attempt_start", obj=attempt,
               summary=f"开始考试：{exam.title} 第 {number} 次（限时 {exam.time_limit_minutes} 分钟）",
               details={"exam": exam.pk, "number": number, "deadline": attempt.deadline_at.isoformat()})
        return attempt


def _clean_choice(item: AttemptQuestion, choice: Iterable[Any]) -> list[int]:
    try:
        chosen = sorted({int(c) for c in choice})
    except (TypeError, ValueError):
        raise Invalid(_("答案格式不正确")) from None
    if any(c < 0 or c >= len(item.options) for c in chosen):
        raise Invalid(_("第 %(n)s 题的选项不存在") % {"n": item.position})
    if item.kind != QuestionKind.MULTIPLE and len(chosen) > 1:
        raise Invalid(_("第 %(n)s 题只能选一个答案") % {"n": item.position})
    return chosen


def _save_answers(attempt: Attempt, answers: Mapping[int, Iterable[Any]]) -> int:
    items = {item.position: item for item in attempt.items.all()}
    saved = 0
    for position, choice in answers.items():
        item = items.get(int(position))
        if item is None:
            raise Invalid(_("第 %(n)s 题不存在") % {"n": position})
        item.given = _clean_choice(item, choice)
        item.save(update_fields=["given"])
        saved += 1
    return saved


def attempt_answer(*, actor: User, attempt: Attempt, answers: Mapping[int, Iterable[Any]],
                   now: datetime.datetime | None = None) -> Attempt:
    """Save answers (position → chosen option indexes) while the attempt is open."""
    now = now or timezone.now()
    expired = False
    with atomic_action(actor, "training.attempt_answer", obj=attempt):
        attempt = _lock_attempt(attempt, actor)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise Conflict(_("该答卷已交卷，不能再修改答案"))
        if _past_deadline(attempt, now):
            _expire(attempt, now=now, actor=actor)
            expired = True
        else:
            _save_answers(attempt, answers)  # saving is not audited one click at a time
    if expired:
        raise Conflict(_("已超过考试时限，答案未保存；本次考试已按时限内保存的答案计分"))
    return attempt


def attempt_submit(*, actor: User, attempt: Attempt, answers: Mapping[int, Iterable[Any]] | None = None,
                   now: datetime.datetime | None = None) -> Attempt:
    """Hand in: the answers given with it are saved, the attempt scored (all or nothing per
    question) and closed, and a passed attempt gets its certificate number. A second
    submission is a `Conflict`. After the deadline the submitted answers are not taken: the
    attempt is closed as 超时 on what was saved in time (recorded), and the caller gets a
    `Conflict` saying so."""
    now = now or timezone.now()
    late = False
    with atomic_action(actor, "training.attempt_submit", obj=attempt):
        attempt = _lock_attempt(attempt, actor)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            raise Conflict(_("该答卷已交卷，不能重复提交"))
        if _past_deadline(attempt, now):
            _expire(attempt, now=now, actor=actor)
            late = True
        else:
            if answers:
                _save_answers(attempt, answers)
            _finish(attempt, now=now, status=AttemptStatus.SUBMITTED, late=False)
            record(actor=actor, action="training.attempt_submit", obj=attempt,
                   summary=f"交卷：{attempt.exam.title} 第 {attempt.number} 次，{attempt.score} 分，"
                           f"{'通过' if attempt.passed else '未通过'}",
                   details={"score": attempt.score, "correct": attempt.correct, "passed": attempt.passed,
                            "certificate_no": attempt.certificate_no})
    if late:
        raise Conflict(_("已超过考试时限，提交的答案未被采纳；本次考试已按时限内保存的答案计分"),
                       details={"attempt": attempt.pk, "score": attempt.score})
    return attempt


def certificate_download(*, actor: User, attempt: Attempt) -> bytes:
    """The PDF certificate of a passed attempt, for its holder or the secrecy office (audited)."""
    from baomi.training.certificates import certificate_pdf

    with atomic_action(actor, "training.certificate_download", obj=attempt):
        if not attempt.passed or not attempt.certificate_no:
            raise Conflict(_("只有通过的考试才有合格证书"))
        pdf = certificate_pdf(attempt)
        record(actor=actor, action="training.certificate_download", obj=attempt,
               summary=f"打印合格证书 {attempt.certificate_no}", details={"person": attempt.person_id})
        return pdf


# ---------------------------------------------------------------- jobs


def attempts_expire(*, now: datetime.datetime | None = None) -> list[str]:
    """Close attempts left open past their deadline (idempotent)."""
    now = now or timezone.now()
    done: list[str] = []
    limit = now - datetime.timedelta(seconds=GRACE_SECONDS)
    for attempt_id in Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline_at__lt=limit).values_list(
            "pk", flat=True):
        with atomic_action(None, "training.attempt_expire", actor_username=SCHEDULER):
            attempt = (Attempt.objects.select_for_update(of=("self",)).select_related("exam")
                       .filter(pk=attempt_id, status=AttemptStatus.IN_PROGRESS).first())
            if attempt is None:
                continue
            _expire(attempt, now=now, actor=None)
            done.append(f"考试超时: {attempt}")
    return done


def _remind(person: User, kind: str, period: str, summary: str, details: dict[str, Any]) -> bool:
    if Reminder.objects.filter(person=person, kind=kind, period=period).exists():
        return False
    try:
        with transaction.atomic():
            Reminder.objects.create(person=person, kind=kind, period=period)
            record(actor=None, actor_username=SCHEDULER, action=f"training.remind_{kind}", object_type="user",
                   object_id=str(person.pk), summary=summary, details=details)
    except IntegrityError:  # another tick issued it at the same moment
        return False
    return True


def reminders_issue(*, on: datetime.date | None = None) -> list[str]:
    """PERS-07: from REMIND_FROM_MONTH on, each cleared person behind on this year's hours
    gets one reminder a month. PERS-08: the secrecy office is reminded while this year's
    集中保密教育 are fewer than due (1 by the end of June, 2 by the end of the year)."""
    from baomi.training import selectors

    day = on or today()
    done: list[str] = []
    if day.month >= REMIND_FROM_MONTH:
        for row in selectors.standings(None, day.year):
            if row.hours_behind and _remind(
                    row.person, "hours", f"{day:%Y-%m}",
                    f"提醒 {row.person.username}：{day.year} 年保密培训 {row.hours}/{row.required} 学时，尚未达标",
                    {"hours": str(row.hours), "required": str(row.required), "year": day.year}):
                done.append(f"培训学时不足: {row.person.username}")
    held = selectors.concentrated_count(day.year)
    expected = max((n for month, n in CONCENTRATED_DUE if day.month >= month), default=0)
    if held < expected:
        period = f"{day.year}-H{1 if expected == 1 else 2}"
        officers = User.objects.filter(is_active=True, admin_role="",
                                       role_assignments__role="secrecy_officer").distinct()
        for officer in officers:
            if _remind(officer, "concentrated", period,
                       f"提醒 {officer.username}：{day.year} 年集中保密教育已举办 {held} 次，应举办 {expected} 次",
                       {"held": held, "expected": expected, "year": day.year}):
                done.append(f"集中保密教育不足: {officer.username}")
    return done


def daily(*, on: datetime.date | None = None) -> list[str]:
    """Run by `baomi.jobs.tick()`."""
    return attempts_expire() + reminders_issue(on=on)
