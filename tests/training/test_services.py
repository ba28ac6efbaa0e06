"""Training and exams through the services: the bank, scoring, pass mark, retakes, the time
limit, double submission, the yearly hours at the year boundary, reminders, and refusals."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from baomi.audit.models import AuditEvent
from baomi.errors import Conflict, Invalid, NotFound, Refused
from baomi.training import selectors, services
from baomi.training.models import Attempt, AttemptStatus, Question, QuestionKind, Reminder
from tests.training.conftest import answer_key, day, make_exam, small_bank


def denied(action: str) -> int:
    return AuditEvent.objects.filter(action=action, outcome="denied").count()


# ---------------------------------------------------------------- the bank


def test_bank_file_holds_forty_real_questions_of_every_kind():
    entries = services.load_bank_file()
    assert len(entries) >= 40
    assert {e.kind for e in entries} == set(QuestionKind.values)
    assert len({e.code for e in entries}) == len(entries)
    for e in entries:
        clean = services._clean_question(e)  # every entry passes the same checks as the pages
        assert clean.explanation and clean.source and clean.topics, e.code
    texts = " ".join(e.text + e.explanation for e in entries)
    for phrase in ("不该说的机密，绝对不说", "随阅随退", "复印", "普通电话", "脱密期", "出国", "立即报告", "重大事项"):
        assert phrase in texts, phrase


def test_bank_import_is_idempotent_and_keeps_the_offices_edits(office):
    officer = office.lijianhua
    first = services.bank_import(actor=officer)
    assert first.created >= 40 and first.skipped == 0
    q1 = Question.objects.get(code="Q001")
    services.question_save(actor=officer, question=q1, data=services.QuestionData(
        kind="single", text="（已修改）守则第一条是？", options=q1.options, answer=q1.answer,
        explanation=q1.explanation, source=q1.source, topics=q1.topics))
    again = services.bank_import(actor=officer)
    assert again.created == 0 and again.skipped == first.created
    assert Question.objects.get(code="Q001").text.startswith("（已修改）")
    assert AuditEvent.objects.filter(action="training.bank_import", outcome="ok").count() == 1


def test_question_checks(office):
    officer = office.lijianhua
    bad = [
        services.QuestionData(kind="single", text="", options=["a", "b"], answer=[0], explanation="x"),
        services.QuestionData(kind="single", text="t", options=["a", "b"], answer=[0, 1], explanation="x"),
        services.QuestionData(kind="multiple", text="t", options=["a", "b"], answer=[0], explanation="x"),
        services.QuestionData(kind="single", text="t", options=["a", "b"], answer=[5], explanation="x"),
        services.QuestionData(kind="single", text="t", options=["a", "b"], answer=[0], explanation=""),
        services.QuestionData(kind="essay", text="t", options=["a", "b"], answer=[0], explanation="x"),
    ]
    for data in bad:
        with pytest.raises(Invalid):
            services.question_save(actor=officer, data=data)
    assert Question.objects.count() == 0
    tf = services.question_save(actor=officer, data=services.QuestionData(
        kind="true_false", text="t", options=["随便"], answer=[0], explanation="x"))
    assert tf.options == ["正确", "错误"] and tf.code == "U001"


# ---------------------------------------------------------------- scoring


def test_scoring_is_all_or_nothing_per_question():
    assert services.is_correct("single", [1], [1])
    assert not services.is_correct("single", [1], [0])
    assert not services.is_correct("single", [1], [0, 1])  # two ticks on a single choice
    assert services.is_correct("multiple", [0, 2], [2, 0])
    assert not services.is_correct("multiple", [0, 2], [0])  # half right scores nothing
    assert not services.is_correct("multiple", [0, 2], [0, 1, 2])
    assert services.is_correct("true_false", [1], [1])
    assert not services.is_correct("true_false", [1], [0])
    assert not services.is_correct("single", [1], None)
    assert services.score_of(2, 3) == 67 and services.score_of(0, 0) == 0


def test_attempt_scored_on_the_server_with_pass_mark_and_certificate(office):
    officer, person = office.lijianhua, office.zhoujing
    small_bank(officer)
    exam = make_exam(officer, pass_mark=70, attempts=3)
    first = services.attempt_start(actor=person, exam=exam)
    assert first.items.count() == 3 and first.number == 1
    # Single and true/false right, the multiple half right: 2 of 3 = 67 < 70.
    answers = answer_key(first, right={"single", "true_false"})
    multiple = next(i for i in first.items.all() if i.kind == "multiple")
    answers[multiple.position] = [multiple.answer[0]]
    done = services.attempt_submit(actor=person, attempt=first, answers=answers)
    assert (done.status, done.correct, done.score, done.passed, done.certificate_no) == (
        AttemptStatus.SUBMITTED, 2, 67, False, None)
    second = services.attempt_start(actor=person, exam=exam)
    assert second.number == 2 and second.pk != first.pk
    done = services.attempt_submit(actor=person, attempt=second, answers=answer_key(second))
    assert done.score == 100 and done.passed
    assert done.certificate_no and done.certificate_no.startswith(f"BMT{timezone.localtime().year}-")
    assert selectors.certificate_lookup(office.wutao, done.certificate_no.lower()).pk == done.pk
    with pytest.raises(NotFound):
        selectors.certificate_lookup(office.sysadmin, done.certificate_no)
    # Passed: no further attempt.
    with pytest.raises(Conflict):
        services.attempt_start(actor=person, exam=exam)
    pdf = services.certificate_download(actor=person, attempt=done)
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf
    with pytest.raises(Conflict):
        services.certificate_download(actor=person, attempt=first)


def test_pass_mark_reached_exactly_passes(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua, pass_mark=67)
    attempt = services.attempt_start(actor=office.zhoujing, exam=exam)
    done = services.attempt_submit(actor=office.zhoujing, attempt=attempt,
                                   answers=answer_key(attempt, right={"single", "multiple"}))
    assert done.score == 67 and done.passed


def test_retakes_up_to_the_limit_then_refused_and_recorded(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua, attempts=2)
    for _n in range(2):
        attempt = services.attempt_start(actor=office.zhoujing, exam=exam)
        services.attempt_submit(actor=office.zhoujing, attempt=attempt, answers=answer_key(attempt, right=set()))
    with pytest.raises(Refused, match="最多考试次数"):
        services.attempt_start(actor=office.zhoujing, exam=exam)
    assert denied("training.attempt_start") == 1
    assert Attempt.objects.filter(person=office.zhoujing).count() == 2


def test_double_submit_is_a_conflict(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua)
    attempt = services.attempt_start(actor=office.zhoujing, exam=exam)
    services.attempt_submit(actor=office.zhoujing, attempt=attempt, answers=answer_key(attempt))
    with pytest.raises(Conflict, match="不能重复提交"):
        services.attempt_submit(actor=office.zhoujing, attempt=attempt, answers=answer_key(attempt, right=set()))
    attempt.refresh_from_db()
    assert attempt.score == 100
    with pytest.raises(Conflict):
        services.attempt_answer(actor=office.zhoujing, attempt=attempt, answers={1: [0]})


def test_two_tabs_share_one_attempt_in_progress(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua)
    first = services.attempt_start(actor=office.zhoujing, exam=exam)
    second = services.attempt_start(actor=office.zhoujing, exam=exam)
    assert first.pk == second.pk and Attempt.objects.count() == 1
    # The database holds the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(exam=exam, person=office.zhoujing, number=2, started_at=timezone.now(),
                               deadline_at=timezone.now())


def test_time_limit_is_enforced_on_the_server(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua, minutes=10)
    start = timezone.now()
    attempt = services.attempt_start(actor=office.zhoujing, exam=exam, now=start)
    key = answer_key(attempt)
    first_position = min(key)
    # Within the limit: saved.
    services.attempt_answer(actor=office.zhoujing, attempt=attempt, answers={first_position: key[first_position]},
                            now=start + datetime.timedelta(minutes=9))
    # After the limit (and its grace): the answers are not taken, the attempt is closed on what was saved.
    late = start + datetime.timedelta(minutes=10, seconds=services.GRACE_SECONDS + 1)
    with pytest.raises(Conflict, match="超过考试时限"):
        services.attempt_submit(actor=office.zhoujing, attempt=attempt, answers=key, now=late)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED and attempt.late
    assert attempt.correct == 1 and attempt.score == 33 and not attempt.passed
    assert AuditEvent.objects.filter(action="training.attempt_expire").count() == 1
    with pytest.raises(Conflict):
        services.attempt_submit(actor=office.zhoujing, attempt=attempt, answers=key, now=late)


def test_submission_within_the_grace_counts_and_the_job_closes_forgotten_attempts(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua, minutes=10)
    start = timezone.now() - datetime.timedelta(hours=1)
    attempt = services.attempt_start(actor=office.zhoujing, exam=exam, now=start)
    done = services.attempt_submit(actor=office.zhoujing, attempt=attempt, answers=answer_key(attempt),
                                   now=start + datetime.timedelta(minutes=10, seconds=services.GRACE_SECONDS - 5))
    assert done.status == AttemptStatus.SUBMITTED and done.passed
    forgotten = services.attempt_start(actor=office.wutao, exam=exam, now=start)
    assert services.attempts_expire() and not services.attempts_expire()  # idempotent
    forgotten.refresh_from_db()
    assert forgotten.status == AttemptStatus.EXPIRED and forgotten.score == 0
    # An answer after the deadline is refused and closes the attempt.
    third = services.attempt_start(actor=office.sunwei, exam=exam, now=start)
    with pytest.raises(Conflict):
        services.attempt_answer(actor=office.sunwei, attempt=third, answers={1: [0]})
    third.refresh_from_db()
    assert third.status == AttemptStatus.EXPIRED


def test_starting_again_after_the_deadline_closes_the_old_attempt_and_counts_it(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua, minutes=5, attempts=2)
    start = timezone.now() - datetime.timedelta(hours=1)
    old = services.attempt_start(actor=office.zhoujing, exam=exam, now=start)
    new = services.attempt_start(actor=office.zhoujing, exam=exam)
    old.refresh_from_db()
    assert old.status == AttemptStatus.EXPIRED and new.number == 2


# ---------------------------------------------------------------- who may do what


def test_only_the_secrecy_office_manages_training_and_every_refusal_is_recorded(office):
    course = services.course_create(actor=office.lijianhua, title="保密法专题", kind="annual", hours=4)
    session = services.session_create(actor=office.lijianhua, course=course, held_on=day(2026, 3, 1),
                                      place="三楼会议室", trainer="李建华")
    small_bank(office.lijianhua)
    for who in ("zhoujing", "chen", "sysadmin", "secadmin", "auditor"):
        actor = office.people[who]
        with pytest.raises(Refused):
            services.course_create(actor=actor, title="x", kind="annual", hours=1)
        with pytest.raises(Refused):
            services.session_create(actor=actor, course=course, held_on=day(2026, 3, 2), place="p", trainer="t")
        with pytest.raises(Refused):
            services.attendance_record(actor=actor, session=session, people=[office.zhoujing])
        with pytest.raises(Refused):
            services.bank_import(actor=actor)
        with pytest.raises(Refused):
            make_exam(actor)
        with pytest.raises(Refused):
            services.requirement_set(actor=actor, clearance=1, hours=20)
        with pytest.raises(Refused):
            selectors.questions_for(actor)
    assert denied("training.course_create") == 5 and denied("training.exam_create") == 5
    # Administrators cannot be recorded as trainees nor take exams.
    with pytest.raises(Refused):
        services.attendance_record(actor=office.lijianhua, session=session, people=[office.sysadmin])
    exam = make_exam(office.lijianhua)
    with pytest.raises(Refused, match="三员分立"):
        services.attempt_start(actor=office.sysadmin, exam=exam)


def test_a_person_not_yet_cleared_takes_only_the_onboarding_exam(office):
    small_bank(office.lijianhua)
    annual = make_exam(office.lijianhua)
    onboarding = make_exam(office.lijianhua, purpose="onboarding", title="上岗保密知识考核")
    with pytest.raises(Refused, match="上岗考核"):
        services.attempt_start(actor=office.zhengli, exam=annual)
    assert services.attempt_start(actor=office.zhengli, exam=onboarding).number == 1
    assert list(selectors.exams_for(office.zhengli)) == [onboarding]
    services.exam_set_open(actor=office.lijianhua, exam=onboarding, is_open=False)
    assert not selectors.exams_for(office.zhoujing).filter(pk=onboarding.pk).exists()


def test_someone_elses_attempt_is_not_found(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua)
    attempt = services.attempt_start(actor=office.zhoujing, exam=exam)
    with pytest.raises(NotFound):
        services.attempt_submit(actor=office.wutao, attempt=attempt, answers=answer_key(attempt))
    with pytest.raises(NotFound):
        services.attempt_answer(actor=office.lijianhua, attempt=attempt, answers={1: [0]})
    with pytest.raises(NotFound):
        selectors.attempt_for(office.wutao, attempt.pk)
    assert selectors.attempt_for(office.lijianhua, attempt.pk).pk == attempt.pk  # the office sees it
    with pytest.raises(NotFound):
        selectors.attempt_for(office.sysadmin, attempt.pk)


def test_exam_needs_enough_questions(office):
    small_bank(office.lijianhua)
    with pytest.raises(Invalid, match="不足"):
        make_exam(office.lijianhua, count=4)
    with pytest.raises(Invalid):
        services.exam_create(actor=office.lijianhua, title="x", purpose="annual", question_count=1,
                             time_limit_minutes=10, pass_mark=60, max_attempts=1, topics=["nonsense"])
    by_topic = services.exam_create(actor=office.lijianhua, title="守则", purpose="other", question_count=2,
                                    time_limit_minutes=10, pass_mark=60, max_attempts=1, topics=["rules"])
    attempt = services.attempt_start(actor=office.zhoujing, exam=by_topic)
    assert {i.question.code for i in attempt.items.all()} == {"T1", "T2"}


# ---------------------------------------------------------------- hours, the year, reminders


def _attend(office, held_on: datetime.date, hours: str, *people, kind: str = "annual"):
    course = services.course_create(actor=office.lijianhua, title=f"课程{held_on}", kind=kind, hours=hours,
                                    topics=["law", "rules"])
    inspection = "国庆节前保密检查" if kind == "concentrated" else ""
    session = services.session_create(actor=office.lijianhua, course=course, held_on=held_on, place="会议室",
                                      trainer="李建华", with_inspection=inspection)
    return services.attendance_record(actor=office.lijianhua, session=session, people=list(people))


def test_behind_on_hours_counts_each_session_in_the_year_it_was_held(office):
    zhoujing, chen = office.zhoujing, office.chen
    _attend(office, day(2025, 12, 31), "8", zhoujing, chen)
    _attend(office, day(2026, 1, 1), "2", zhoujing)
    rows_2025 = {r.person.username: r for r in selectors.standings(office.lijianhua, 2025)}
    rows_2026 = {r.person.username: r for r in selectors.standings(office.lijianhua, 2026)}
    assert rows_2025["zhoujing"].hours == Decimal(8) and not rows_2025["zhoujing"].hours_behind  # 一般: 8 h
    assert rows_2025["chen"].hours == Decimal(8) and rows_2025["chen"].hours_behind  # 核心: 16 h
    assert rows_2026["zhoujing"].hours == Decimal(2) and rows_2026["zhoujing"].hours_behind
    assert rows_2026["chen"].hours == 0
    assert "zhengli" not in rows_2026  # not cleared: no yearly requirement
    assert {"qianyong", "fengxue", "heping"}.isdisjoint(rows_2026)
    # The secrecy office changes the requirement; zhoujing's 2025 is now short.
    services.requirement_set(actor=office.lijianhua, clearance=1, hours="10")
    assert selectors.standings(office.lijianhua, 2025)[0].required in (Decimal(10), Decimal(16), Decimal(12))
    assert {r.person.username: r for r in selectors.standings(office.lijianhua, 2025)}["zhoujing"].hours_behind
    with pytest.raises(Invalid):
        services.requirement_set(actor=office.lijianhua, clearance=0, hours="10")


def test_attendance_recorded_twice_adds_nothing(office):
    first = _attend(office, day(2026, 5, 1), "3", office.zhoujing)
    session = first[0].session
    again = services.attendance_record(actor=office.lijianhua, session=session, people=[office.zhoujing])
    assert again == [] and selectors.hours_in_year(office.zhoujing, 2026) == Decimal(3)
    with pytest.raises(Invalid):
        services.attendance_record(actor=office.lijianhua, session=session, people=[office.wutao], hours="0")


def test_reminders_for_hours_behind_once_a_month_from_july(office):
    _attend(office, day(2026, 3, 1), "8", office.zhoujing)
    _attend(office, day(2026, 3, 2), "1", office.wutao, kind="concentrated")  # PERS-08's first half is held
    assert services.reminders_issue(on=day(2026, 6, 30)) == []  # too early in the year for hours
    done = services.reminders_issue(on=day(2026, 7, 1))
    reminded = {line.split(": ")[1] for line in done if line.startswith("培训学时不足")}
    assert reminded == {"chen", "sunwei", "wutao", "lijianhua"}  # zhoujing has her 8 hours; zhengli not cleared
    assert services.reminders_issue(on=day(2026, 7, 20)) == []
    assert len([x for x in services.reminders_issue(on=day(2026, 8, 1)) if x.startswith("培训学时不足")]) == 4
    assert Reminder.objects.filter(kind="hours", person=office.chen).count() == 2


def test_two_concentrated_sessions_a_year_are_reminded_to_the_office(office):
    assert selectors.concentrated_count(2026) == 0
    done = services.reminders_issue(on=day(2026, 6, 1))
    assert "集中保密教育不足: lijianhua" in done
    _attend(office, day(2026, 4, 28), "2", office.zhoujing, kind="concentrated")
    assert "集中保密教育不足: lijianhua" not in services.reminders_issue(on=day(2026, 6, 2))
    assert "集中保密教育不足: lijianhua" in services.reminders_issue(on=day(2026, 11, 1))
    _attend(office, day(2026, 9, 28), "2", office.zhoujing, kind="concentrated")
    assert selectors.concentrated_count(2026) == 2
    assert "集中保密教育不足: lijianhua" not in services.reminders_issue(on=day(2026, 12, 1))


def test_jobs_tick_runs_the_training_jobs(office):
    from baomi import jobs

    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua, minutes=1)
    attempt = services.attempt_start(actor=office.zhoujing, exam=exam,
                                     now=timezone.now() - datetime.timedelta(hours=2))
    done = jobs.tick(today=day(2026, 7, 1))
    assert any(line.startswith("考试超时") for line in done)
    assert any(line.startswith("培训学时不足") for line in done)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED


def test_courses_record_topics_and_completion(office):
    rows = _attend(office, day(2026, 4, 1), "4", office.zhoujing)
    course = rows[0].session.course
    assert course.topic_labels == ["保密法律法规", "十条保密守则"]
    with pytest.raises(Invalid):
        services.course_create(actor=office.lijianhua, title="x", kind="annual", hours=2, topics=["nope"])
    assert [a.session.course.title for a in selectors.attendances_for(office.zhoujing, office.zhoujing, 2026)] == [
        course.title]
    assert not selectors.attendances_for(office.wutao, office.zhoujing).exists()


def test_unit_summary_counts_hours_and_exams_by_unit(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua)
    attempt = services.attempt_start(actor=office.zhoujing, exam=exam)
    services.attempt_submit(actor=office.zhoujing, attempt=attempt, answers=answer_key(attempt))
    year = timezone.localdate().year
    _attend(office, datetime.date(year, 1, 2), "8", office.zhoujing)
    summary = {s.unit: s for s in selectors.unit_summary(selectors.standings(office.lijianhua, year))}
    planning = summary["规划科"]
    assert (planning.people, planning.hours_met, planning.exam_passed, planning.behind) == (2, 1, 1, 1)
    assert planning.pass_rate == 50
    # Anyone else sees only their own row.
    assert [r.person.username for r in selectors.standings(office.zhoujing, year)] == ["zhoujing"]
    assert selectors.standings(office.sysadmin, year) == []


def test_profile_section_for_the_person_and_the_office_only(office):
    year = timezone.localdate().year
    _attend(office, datetime.date(year, 1, 3), "4", office.zhoujing)
    mine = selectors.profile_section(office.zhoujing, office.zhoujing)
    theirs = selectors.profile_section(office.lijianhua, office.zhoujing)
    assert mine is not None and theirs is not None
    assert mine["title"] == "培训与考试" and mine["url"] == "/training/"
    assert theirs["url"] == f"/training/people/{office.zhoujing.pk}/"
    rows = dict(mine["rows"])
    assert rows["本年度培训学时"] == "4 / 8 学时" and rows["本年度保密考试"] == "未通过"
    assert any("学时不足" in text for text in mine["overdue"])
    assert any("考试尚未通过" in text for text in mine["overdue"])
    for viewer in ("wutao", "sunwei", "chen", "sysadmin", "secadmin", "auditor"):
        assert selectors.profile_section(office.people[viewer], office.zhoujing) is None, viewer
    assert selectors.profile_section(office.lijianhua, office.sysadmin) is None
    assert selectors.profile_section(office.lijianhua, office.zhengli)["overdue"] == []  # type: ignore[index]


def test_inbox_items(office):
    small_bank(office.lijianhua)
    exam = make_exam(office.lijianhua)
    services.attempt_start(actor=office.zhoujing, exam=exam)
    titles = [i.title for i in selectors.inbox_items(office.zhoujing)]
    assert any(t.startswith("未交卷") for t in titles) and any("学时不足" in t for t in titles)
    assert selectors.inbox_items(office.sysadmin) == []
    assert not any("学时" in i.title for i in selectors.inbox_items(office.zhengli))
