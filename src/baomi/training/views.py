"""培训考试 pages. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import User
from baomi.errors import BaomiError, Conflict, Invalid, NotFound
from baomi.levels import Clearance
from baomi.training import forms, selectors, services
from baomi.training.models import TOPICS, Attempt, AttemptStatus, QuestionKind

Perm = policy.Perm


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _business(user: User) -> None:
    """Administrators hold no business roles: the training pages do not exist for them."""
    if user.admin_role:
        raise NotFound(_("对象不存在"))


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isascii() and raw.isdigit() else services.today().year
    return year if 2000 <= year <= 2100 else services.today().year


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _business(user)
    year = services.today().year
    attempts = list(selectors.attempts_of(user, user))
    exams = []
    for exam in selectors.exams_for(user).filter(is_open=True):
        mine = [a for a in attempts if a.exam_id == exam.pk]
        exams.append({"exam": exam, "used": len(mine), "passed": any(a.passed for a in mine),
                      "current": next((a for a in mine if a.status == AttemptStatus.IN_PROGRESS), None),
                      "may_take": policy.reason_may_take_exam(user, exam) is None})
    return render(request, "training/index.html", {
        "standing": selectors.standing_of(user, year), "year": year,
        "cleared": user.clearance >= int(Clearance.GENERAL),
        "attendances": selectors.attendances_for(user, user, year), "attempts": attempts, "exams": exams,
        "office": policy.is_training_office(user),
    })


@login_required
def behind(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.MANAGE_TRAINING)
    year = _year(request)
    rows = selectors.standings(user, year)
    only = request.GET.get("all") != "1"
    return render(request, "training/behind.html", {
        "year": year, "rows": [r for r in rows if r.behind or not only], "only": only,
        "summary": selectors.unit_summary(rows), "concentrated": selectors.concentrated_count(year),
        "requirements": selectors.requirements(),
    })


@login_required
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    subject = User.objects.filter(pk=person_id).select_related("unit").first()
    if subject is None or not policy.may_see_training_of(user, subject):
        raise NotFound(_("对象不存在"))
    year = _year(request)
    return render(request, "training/person.html", {
        "subject": subject, "year": year, "standing": selectors.standing_of(subject, year),
        "attendances": selectors.attendances_for(user, subject), "attempts": selectors.attempts_of(user, subject),
    })


@login_required
def requirements(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.MANAGE_TRAINING)
    current = selectors.requirements()
    keys = {"core": int(Clearance.CORE), "important": int(Clearance.IMPORTANT), "general": int(Clearance.GENERAL)}
    form = forms.RequirementForm(request.POST or None, initial={k: current[v] for k, v in keys.items()})
    if request.method == "POST" and form.is_valid():
        try:
            for key, clearance in keys.items():
                if form.cleaned_data[key] != current[clearance]:
                    services.requirement_set(actor=user, clearance=clearance, hours=form.cleaned_data[key])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存年度学时要求"))
            return redirect("training:behind")
    return render(request, "training/requirements.html", {"form": form})


# ---------------------------------------------------------------- courses and sessions


@login_required
def courses(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _business(user)
    office = policy.is_training_office(user)
    form = forms.CourseForm(request.POST or None) if office else None
    if request.method == "POST":
        policy.require(user, Perm.MANAGE_TRAINING)
        assert form is not None
        if form.is_valid():
            d = form.cleaned_data
            try:
                course = services.course_create(actor=user, title=d["title"], kind=d["kind"], hours=d["hours"],
                                                summary=d["summary"], topics=d["topics"])
            except BaomiError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已新建课程"))
                return redirect("training:course", course_id=course.pk)
    year = services.today().year
    return render(request, "training/courses.html", {
        "courses": selectors.courses_for(user).prefetch_related("sessions"), "form": form, "office": office,
        "concentrated": selectors.concentrated_count(year), "year": year,
    })


@login_required
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.course_for(user, course_id)
    office = policy.is_training_office(user)
    form = forms.SessionForm(request.POST or None) if office else None
    if request.method == "POST":
        policy.require(user, Perm.MANAGE_TRAINING)
        assert form is not None
        if form.is_valid():
            d = form.cleaned_data
            try:
                session_ = services.session_create(actor=user, course=found, held_on=d["held_on"], place=d["place"],
                                                   trainer=d["trainer"], with_inspection=d["with_inspection"],
                                                   note=d["note"])
            except BaomiError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已登记培训场次"))
                return redirect("training:session", session_id=session_.pk)
    return render(request, "training/course.html", {
        "course": found, "sessions": selectors.sessions_of(user, found), "form": form, "office": office})


@login_required
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.session_for(user, session_id)
    office = policy.is_training_office(user)
    form = forms.AttendanceForm(request.POST or None) if office else None
    if request.method == "POST":
        policy.require(user, Perm.MANAGE_TRAINING)
        assert form is not None
        if form.is_valid():
            try:
                created = services.attendance_record(actor=user, session=found, hours=form.cleaned_data["hours"],
                                                     people=list(form.cleaned_data["people"]))
            except BaomiError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已登记 %(n)s 人参训") % {"n": len(created)})
                return redirect("training:session", session_id=found.pk)
    return render(request, "training/session.html", {
        "session": found, "attendances": selectors.attendances_of(user, found), "form": form, "office": office})


# ---------------------------------------------------------------- question bank


@login_required
def questions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.MANAGE_TRAINING)
    if request.method == "POST":  # import the bank shipped with Baomi
        try:
            result = services.bank_import(actor=user)
        except BaomiError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("导入题库：新增 %(c)s 题，已有 %(s)s 题未改动") % {
                "c": result.created, "s": result.skipped})
        return redirect("training:questions")
    kind = request.GET.get("kind", "")
    kind = kind if kind in QuestionKind.values else ""
    topic = request.GET.get("topic", "")
    q = request.GET.get("q", "").strip()
    return render(request, "training/questions.html", {
        "questions": selectors.questions_for(user, kind=kind, topic=topic, search=q), "kind": kind, "topic": topic,
        "q": q, "kinds": QuestionKind.choices, "topics": TOPICS})


def _question_data(form: forms.QuestionForm) -> services.QuestionData:
    d = form.cleaned_data
    options = [line.strip() for line in (d["options"] or "").splitlines() if line.strip()]
    letters = [ch for ch in d["answer"].upper() if "A" <= ch <= "Z"]
    return services.QuestionData(kind=d["kind"], text=d["text"], options=options,
                                 answer=[ord(ch) - 65 for ch in letters], explanation=d["explanation"],
                                 source=d["source"], topics=d["topics"])


@login_required
def question_edit(request: HttpRequest, question_id: int | None = None) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.MANAGE_TRAINING)
    found = selectors.question_for(user, question_id) if question_id else None
    initial: dict[str, Any] = {}
    if found is not None:
        initial = {"kind": found.kind, "text": found.text, "options": "\n".join(found.options),
                   "answer": found.answer_letters, "explanation": found.explanation, "source": found.source,
                   "topics": found.topics}
    form = forms.QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.question_save(actor=user, data=_question_data(form), question=found)
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存试题 %(code)s") % {"code": saved.code})
            return redirect("training:questions")
    return render(request, "training/question.html", {"form": form, "question": found})


@login_required
@require_POST
def question_toggle(request: HttpRequest, question_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.question_for(user, question_id)
    services.question_set_active(actor=user, question=found, active=not found.is_active)
    return redirect("training:questions")


# ---------------------------------------------------------------- exams


@login_required
def exams(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.MANAGE_TRAINING)
    form = forms.ExamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            created = services.exam_create(actor=user, title=d["title"], purpose=d["purpose"],
                                           question_count=d["question_count"],
                                           time_limit_minutes=d["time_limit_minutes"], pass_mark=d["pass_mark"],
                                           max_attempts=d["max_attempts"], kinds=d["kinds"], topics=d["topics"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已新建试卷"))
            return redirect("training:exam", exam_id=created.pk)
    return render(request, "training/exams.html", {"exams": selectors.exams_for(user), "form": form})


@login_required
def exam(request: HttpRequest, exam_id: int) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.MANAGE_TRAINING)
    found = selectors.exam_for(user, exam_id)
    if request.method == "POST":
        services.exam_set_open(actor=user, exam=found, is_open=not found.is_open)
        return redirect("training:exam", exam_id=found.pk)
    attempts = list(selectors.attempts_on(user, found))
    closed = [a for a in attempts if a.status != AttemptStatus.IN_PROGRESS]
    return render(request, "training/exam.html", {
        "exam": found, "attempts": attempts,
        "stats": {"count": len(closed), "passed": sum(1 for a in closed if a.passed),
                  "average": round(sum(a.score or 0 for a in closed) / len(closed)) if closed else 0}})


@login_required
@require_POST
def exam_start(request: HttpRequest, exam_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.exam_for(user, exam_id)
    try:
        started = services.attempt_start(actor=user, exam=found)
    except BaomiError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
        return redirect("training:index")
    return redirect("training:attempt", attempt_id=started.pk)


def _answers(request: HttpRequest, found: Attempt) -> dict[int, list[str]]:
    answers: dict[int, list[str]] = {}
    for item in found.items.all():
        chosen = request.POST.getlist(f"q{item.position}")
        if chosen:
            answers[item.position] = chosen
    return answers


@login_required
def attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.attempt_for(user, attempt_id)
    open_ = found.status == AttemptStatus.IN_PROGRESS
    return render(request, "training/attempt.html", {
        "attempt": found, "items": found.items.all(), "open": open_, "mine": found.person_id == user.pk,
        "remaining": max(0, int((found.deadline_at - timezone.now()).total_seconds())) if open_ else 0,
    })


@login_required
@require_POST
def attempt_save(request: HttpRequest, attempt_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.attempt_for(user, attempt_id)
    try:
        services.attempt_answer(actor=user, attempt=found, answers=_answers(request, found))
    except (Conflict, Invalid) as exc:
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponse(f'<span class="bad">{exc.message}</span>')
        messages.error(request, exc.message)
        return redirect("training:attempt", attempt_id=found.pk)
    if request.htmx:  # type: ignore[attr-defined]
        now = timezone.localtime()
        return HttpResponse(f'<span class="ok">{_("已保存")} {now:%H:%M:%S}</span>')
    messages.success(request, _("已保存答案"))
    return redirect("training:attempt", attempt_id=found.pk)


@login_required
@require_POST
def attempt_submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.attempt_for(user, attempt_id)
    try:
        done = services.attempt_submit(actor=user, attempt=found, answers=_answers(request, found))
    except (Conflict, Invalid) as exc:
        messages.error(request, exc.message)
        return redirect("training:attempt", attempt_id=found.pk)
    if done.passed:
        messages.success(request, _("已交卷：%(s)s 分，考试通过") % {"s": done.score})
    else:
        messages.error(request, _("已交卷：%(s)s 分，未通过") % {"s": done.score})
    return redirect("training:attempt", attempt_id=done.pk)


@login_required
def certificate(request: HttpRequest, attempt_id: int) -> HttpResponse:
    user = _user(request)
    found = selectors.attempt_for(user, attempt_id)
    response = HttpResponse(services.certificate_download(actor=user, attempt=found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.certificate_no}.pdf"'
    return response


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _business(user)
    number = request.GET.get("no", "").strip()
    found: Attempt | None = None
    if number:
        try:
            found = selectors.certificate_lookup(user, number)
        except NotFound:
            messages.error(request, _("证书编号不存在"))
    return render(request, "training/verify.html", {"number": number, "found": found})
