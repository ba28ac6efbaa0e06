"""Training and exams over the API. Thin handlers: parse, call one service or selector,
serialise. A candidate's view of an attempt never carries the answer keys before the
attempt is closed (`TrainingItemOut` has no such field; `results` is filled only afterwards)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from baomi import policy
from baomi.accounts import selectors as people
from baomi.accounts.models import User
from baomi.errors import Invalid
from baomi.training import selectors, services
from baomi.training.models import Attempt, AttemptStatus, Attendance, Course, Exam, Question, Session

router = Router(tags=["training"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class CourseIn(Schema):
    title: str
    kind: str  # onboarding / annual / concentrated / other
    hours: Decimal
    summary: str = ""
    topics: list[str] = []


class CourseOut(Schema):
    id: int
    title: str
    kind: str
    hours: Decimal
    summary: str
    topics: list[str]


class TrainingSessionIn(Schema):
    held_on: datetime.date
    place: str
    trainer: str
    with_inspection: str = ""
    note: str = ""


class TrainingSessionOut(Schema):
    id: int
    course_id: int
    held_on: datetime.date
    place: str
    trainer: str
    with_inspection: str


class AttendanceIn(Schema):
    person_ids: list[int]
    hours: Decimal | None = None


class AttendanceOut(Schema):
    id: int
    session_id: int
    person_id: int
    hours: Decimal


class RequirementIn(Schema):
    hours: Decimal


class StandingOut(Schema):
    person_id: int
    name: str
    unit: str
    clearance: int
    year: int
    required: Decimal
    hours: Decimal
    annual_passed: bool
    onboarding_trained: bool
    onboarding_passed: bool
    overdue: list[str]


class QuestionIn(Schema):
    kind: str  # single / multiple / true_false
    text: str
    options: list[str] = []
    answer: list[int]  # indexes of the right options (true/false: 0 正确, 1 错误)
    explanation: str
    source: str = ""
    topics: list[str] = []


class QuestionOut(Schema):
    """The bank with its keys: the secrecy office only."""

    id: int
    code: str
    kind: str
    text: str
    options: list[str]
    answer: list[int]
    explanation: str
    source: str
    topics: list[str]
    is_active: bool


class TrainingImportOut(Schema):
    created: int
    skipped: int


class ExamIn(Schema):
    title: str
    purpose: str  # onboarding / annual / other
    question_count: int
    time_limit_minutes: int
    pass_mark: int
    max_attempts: int
    kinds: list[str] = []
    topics: list[str] = []


class ExamOut(Schema):
    id: int
    title: str
    purpose: str
    question_count: int
    time_limit_minutes: int
    pass_mark: int
    max_attempts: int
    is_open: bool


class TrainingItemOut(Schema):
    """A drawn question as the candidate sees it: no key, no explanation."""

    position: int
    kind: str
    text: str
    options: list[str]
    given: list[int] | None


class ResultOut(Schema):
    position: int
    answer: list[int]
    correct: bool | None
    explanation: str
    source: str


class AttemptOut(Schema):
    id: int
    exam_id: int
    exam_title: str
    person_id: int
    number: int
    status: str
    started_at: datetime.datetime
    deadline_at: datetime.datetime
    finished_at: datetime.datetime | None
    late: bool
    score: int | None
    passed: bool | None
    certificate_no: str | None
    questions: list[TrainingItemOut]
    results: list[ResultOut] | None = None  # only once the attempt is closed


class AnswersIn(Schema):
    answers: dict[int, list[int]] = {}  # position → chosen option indexes


class CertificateOut(Schema):
    certificate_no: str
    name: str
    unit: str
    exam_title: str
    score: int
    passed_on: datetime.date


def _attempt_out(attempt: Attempt) -> AttemptOut:
    items = list(attempt.items.all())
    closed = attempt.status != AttemptStatus.IN_PROGRESS
    return AttemptOut(
        id=attempt.pk, exam_id=attempt.exam_id, exam_title=attempt.exam.title, person_id=attempt.person_id,
        number=attempt.number, status=attempt.status, started_at=attempt.started_at,
        deadline_at=attempt.deadline_at, finished_at=attempt.finished_at, late=attempt.late, score=attempt.score,
        passed=attempt.passed, certificate_no=attempt.certificate_no,
        questions=[TrainingItemOut(position=i.position, kind=i.kind, text=i.text, options=i.options, given=i.given)
                   for i in items],
        results=[ResultOut(position=i.position, answer=i.answer, correct=i.correct, explanation=i.explanation,
                           source=i.source) for i in items] if closed else None,
    )


def _standing_out(row: selectors.Standing) -> StandingOut:
    p = row.person
    return StandingOut(person_id=p.pk, name=p.full_name or p.username, unit=p.unit.name if p.unit else "",
                       clearance=p.clearance, year=row.year, required=row.required, hours=row.hours,
                       annual_passed=row.annual_passed, onboarding_trained=row.onboarding_trained,
                       onboarding_passed=row.onboarding_passed, overdue=row.overdue)


# ---------------------------------------------------------------- standing


def _year(year: int | None) -> int:
    if year is None:
        return services.today().year
    if not 2000 <= year <= 2100:
        raise Invalid(_("年份须在 2000 到 2100 之间"))
    return year


@router.get("/me", response=StandingOut, summary="本人本年度培训学时与考试情况")
def me(request: HttpRequest, year: int | None = None) -> StandingOut:
    actor = _actor(request)
    if actor.admin_role:
        from baomi.errors import NotFound

        raise NotFound("")
    return _standing_out(selectors.standing_of(actor, _year(year)))


@router.get("/standings", response=list[StandingOut], summary="涉密人员年度培训考试情况（保密办：全部；其他人：本人）")
def standings(request: HttpRequest, year: int | None = None, behind_only: bool = False) -> list[StandingOut]:
    rows = selectors.standings(_actor(request), _year(year))
    return [_standing_out(r) for r in rows if r.behind or not behind_only]


@router.put("/requirements/{clearance}", response=RequirementIn, summary="设置年度学时要求（保密办）")
def set_requirement(request: HttpRequest, clearance: int, body: RequirementIn) -> RequirementIn:
    requirement = services.requirement_set(actor=_actor(request), clearance=clearance, hours=body.hours)
    return RequirementIn(hours=requirement.hours)


# ---------------------------------------------------------------- courses, sessions, attendance


@router.get("/courses", response=list[CourseOut], summary="培训课程")
def list_courses(request: HttpRequest) -> list[Course]:
    return list(selectors.courses_for(_actor(request))[:500])


@router.post("/courses", response={201: CourseOut}, summary="新建培训课程（保密办）")
def create_course(request: HttpRequest, body: CourseIn) -> Status:
    course = services.course_create(actor=_actor(request), title=body.title, kind=body.kind, hours=body.hours,
                                    summary=body.summary, topics=body.topics)
    return Status(201, course)


@router.get("/courses/{course_id}/sessions", response=list[TrainingSessionOut], summary="课程的培训场次")
def list_sessions(request: HttpRequest, course_id: int) -> list[Session]:
    actor = _actor(request)
    return list(selectors.sessions_of(actor, selectors.course_for(actor, course_id)))


@router.post("/courses/{course_id}/sessions", response={201: TrainingSessionOut}, summary="登记培训场次（保密办）")
def create_session(request: HttpRequest, course_id: int, body: TrainingSessionIn) -> Status:
    actor = _actor(request)
    session = services.session_create(actor=actor, course=selectors.course_for(actor, course_id),
                                      held_on=body.held_on, place=body.place, trainer=body.trainer,
                                      with_inspection=body.with_inspection, note=body.note)
    return Status(201, session)


@router.get("/sessions/{session_id}/attendance", response=list[AttendanceOut],
            summary="参训名单（保密办：全部；其他人：本人）")
def list_attendance(request: HttpRequest, session_id: int) -> list[Attendance]:
    actor = _actor(request)
    return list(selectors.attendances_of(actor, selectors.session_for(actor, session_id)))


@router.post("/sessions/{session_id}/attendance", response={201: list[AttendanceOut]},
             summary="登记参训人员和认定学时（保密办）")
def record_attendance(request: HttpRequest, session_id: int, body: AttendanceIn) -> Status:
    actor = _actor(request)
    session = selectors.session_for(actor, session_id)
    services.attendance_record(actor=actor, session=session, hours=body.hours,  # refuses non-officers first
                               people=[people.person_for(actor, pk) for pk in body.person_ids]
                               if policy.is_training_office(actor) else [])
    return Status(201, list(selectors.attendances_of(actor, session)))


# ---------------------------------------------------------------- question bank (保密办)


@router.get("/questions", response=list[QuestionOut], summary="题库（含答案，仅保密办）")
def list_questions(request: HttpRequest, kind: str = "", topic: str = "", q: str = "") -> list[Question]:
    return list(selectors.questions_for(_actor(request), kind=kind, topic=topic, search=q.strip())[:1000])


def _question_data(body: QuestionIn) -> services.QuestionData:
    return services.QuestionData(kind=body.kind, text=body.text, options=body.options, answer=body.answer,
                                 explanation=body.explanation, source=body.source, topics=body.topics)


@router.post("/questions", response={201: QuestionOut}, summary="新增试题（保密办）")
def create_question(request: HttpRequest, body: QuestionIn) -> Status:
    return Status(201, services.question_save(actor=_actor(request), data=_question_data(body)))


# Literal paths before "/questions/{question_id}".


@router.post("/questions/import", response=TrainingImportOut, summary="导入随系统发布的题库（幂等，保密办）")
def import_bank(request: HttpRequest) -> TrainingImportOut:
    result = services.bank_import(actor=_actor(request))
    return TrainingImportOut(created=result.created, skipped=result.skipped)


@router.put("/questions/{question_id}", response=QuestionOut, summary="修改试题（保密办）")
def update_question(request: HttpRequest, question_id: int, body: QuestionIn) -> Question:
    actor = _actor(request)
    return services.question_save(actor=actor, data=_question_data(body),
                                  question=selectors.question_for(actor, question_id))


# ---------------------------------------------------------------- exams and attempts


@router.get("/exams", response=list[ExamOut], summary="试卷（保密办：全部；其他人：可参加的）")
def list_exams(request: HttpRequest) -> list[Exam]:
    return list(selectors.exams_for(_actor(request))[:500])


@router.post("/exams", response={201: ExamOut}, summary="新建试卷（保密办）")
def create_exam(request: HttpRequest, body: ExamIn) -> Status:
    exam = services.exam_create(actor=_actor(request), title=body.title, purpose=body.purpose,
                                question_count=body.question_count, time_limit_minutes=body.time_limit_minutes,
                                pass_mark=body.pass_mark, max_attempts=body.max_attempts, kinds=body.kinds,
                                topics=body.topics)
    return Status(201, exam)


@router.post("/exams/{exam_id}/attempts", response={201: AttemptOut}, summary="开始（或继续）考试")
def start_attempt(request: HttpRequest, exam_id: int) -> Status:
    actor = _actor(request)
    attempt = services.attempt_start(actor=actor, exam=selectors.exam_for(actor, exam_id))
    return Status(201, _attempt_out(attempt))


@router.get("/attempts/{attempt_id}", response=AttemptOut, summary="答卷（交卷前不含答案）")
def get_attempt(request: HttpRequest, attempt_id: int) -> AttemptOut:
    return _attempt_out(selectors.attempt_for(_actor(request), attempt_id))


@router.put("/attempts/{attempt_id}/answers", response=AttemptOut, summary="保存答案（限时内）")
def save_answers(request: HttpRequest, attempt_id: int, body: AnswersIn) -> AttemptOut:
    actor = _actor(request)
    attempt = services.attempt_answer(actor=actor, attempt=selectors.attempt_for(actor, attempt_id),
                                      answers=body.answers)
    return _attempt_out(attempt)


@router.post("/attempts/{attempt_id}/submit", response=AttemptOut, summary="交卷（重复提交返回 409）")
def submit_attempt(request: HttpRequest, attempt_id: int, body: AnswersIn) -> AttemptOut:
    actor = _actor(request)
    attempt = services.attempt_submit(actor=actor, attempt=selectors.attempt_for(actor, attempt_id),
                                      answers=body.answers)
    return _attempt_out(attempt)


@router.get("/attempts/{attempt_id}/certificate", summary="合格证书 PDF",
            response={200: None}, openapi_extra={"responses": {200: {"content": {"application/pdf": {}}}}})
def certificate(request: HttpRequest, attempt_id: int) -> HttpResponse:
    actor = _actor(request)
    attempt = selectors.attempt_for(actor, attempt_id)
    response = HttpResponse(services.certificate_download(actor=actor, attempt=attempt),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{attempt.certificate_no}.pdf"'
    return response


@router.get("/certificates/{number}", response=CertificateOut, summary="查验合格证书编号")
def verify_certificate(request: HttpRequest, number: str) -> CertificateOut:
    attempt = selectors.certificate_lookup(_actor(request), number)
    if attempt.finished_at is None or attempt.score is None or not attempt.certificate_no:
        raise Invalid("")
    person = attempt.person
    return CertificateOut(certificate_no=attempt.certificate_no, name=person.full_name or person.username,
                          unit=person.unit.name if person.unit else "", exam_title=attempt.exam.title,
                          score=attempt.score, passed_on=attempt.finished_at.date())
