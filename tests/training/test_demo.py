"""The training part of the demo office, loaded through the services on the demo cast."""

from __future__ import annotations

from baomi import demo
from baomi.audit.verify import verify
from baomi.training import selectors, services
from baomi.training.demo import load
from baomi.training.models import Attempt, AttemptStatus, CourseKind, Question, Session
from tests.factories import make_person, make_unit


def test_training_story(db):
    root = make_unit("示范市发展和改革委员会", "fgw")
    units = {code: make_unit(name, code, parent=root) for code, name, _parent in demo.UNITS[1:]}
    for username, name, unit, _post, clearance, roles in demo.PEOPLE:
        make_person(username, unit=units[unit], clearance=clearance, full_name=name,
                    roles=[(role, units[scope] if scope else None) for role, scope in roles])
    load(demo.PASSWORD)
    today = services.today()
    assert Question.objects.count() >= 40
    if today.month >= 10:  # both 集中保密教育 of the year are behind us
        assert selectors.concentrated_count(today.year) == 2
        assert Session.objects.filter(course__kind=CourseKind.CONCENTRATED).exclude(with_inspection="").count() == 2
        office = demo.PEOPLE[3][0]
        from baomi.accounts.models import User

        behind = [r.person.username for r in selectors.standings(User.objects.get(username=office), today.year)
                  if r.behind]
        assert behind == ["zhoujing"]
    in_progress = Attempt.objects.get(status=AttemptStatus.IN_PROGRESS)
    assert in_progress.person.username == "zhoujing"
    passed = Attempt.objects.filter(passed=True)
    assert passed.count() >= 8 and all(a.certificate_no for a in passed)
    assert Attempt.objects.filter(person__username="wutao").count() == 2
    assert passed.filter(person__username="zhengli", exam__purpose="onboarding").exists()
    assert verify().ok
