"""Two people acting on the same copy at the same moment: exactly one succeeds, the other
gets a Conflict and changes nothing. Real commits on the real test database — SQLite (WAL,
BEGIN IMMEDIATE) and PostgreSQL (SELECT … FOR UPDATE on the copy row)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

from baomi.audit.models import AuditEvent
from baomi.audit.verify import verify
from baomi.carriers import services
from baomi.carriers.models import Copy, CopyStatus, Movement, MovementKind
from baomi.errors import Conflict
from tests.carriers.conftest import build_office, first_copy, fresh, register

ROUNDS = 4


def race(*actions: Callable[[], object]) -> tuple[list[object], list[BaseException]]:
    """Run the actions in threads released at the same instant; (results, errors)."""
    results: list[object] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(actions))

    def run(action: Callable[[], object]) -> None:
        try:
            start.wait()
            results.append(action())
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return results, errors


def test_two_keepers_circulating_the_same_copy(carriers_chain_db):
    office = build_office()
    # 李建华 (保密员, 重要) and 王芳 (机要员) both keep the register; 秘密 is within both clearances.
    carrier = register(office.wangfang, mark="秘密★10年", copies=1, people=[office.sunwei, office.zhoujing])
    copy = first_copy(carrier)
    for _round in range(ROUNDS):
        results, errors = race(
            lambda: services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.sunwei),
            lambda: services.copy_circulate(actor=office.lijianhua, copy=copy, reader=office.zhoujing),
        )
        assert len(results) == 1 and len(errors) == 1, errors
        assert isinstance(errors[0], Conflict) and "传阅中" in errors[0].message
        winner = fresh(copy)
        assert winner.status == CopyStatus.CIRCULATING
        assert winner.custodian_id == results[0].custodian_id  # type: ignore[attr-defined]
        services.copy_return(actor=winner.custodian, copy=winner)
    circulations = Movement.objects.filter(copy=copy, kind=MovementKind.CIRCULATE).count()
    assert circulations == ROUNDS == AuditEvent.objects.filter(action="copy.circulate", outcome="ok").count()
    report = verify()
    assert report.ok, report.problems


def test_holder_and_secretary_recording_the_same_return(carriers_chain_db):
    """The reader hands the copy back while the 机要员 records receiving it: one return."""
    office = build_office()
    carrier = register(office.wangfang, mark="秘密★10年", copies=ROUNDS, people=[office.sunwei])
    for copy in carrier.copies.order_by("serial"):
        services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.sunwei)
        results, errors = race(
            lambda c=copy: services.copy_return(actor=office.sunwei, copy=c),
            lambda c=copy: services.copy_return(actor=office.wangfang, copy=c, note="机要员收回"),
        )
        assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), errors
        after = fresh(copy)
        assert (after.status, after.custodian_id, after.due_at) == (CopyStatus.IN_CUSTODY, office.wangfang.pk, None)
        kinds = list(Movement.objects.filter(copy=copy).order_by("at", "id").values_list("kind", flat=True))
        assert kinds == [MovementKind.REGISTER, MovementKind.CIRCULATE, MovementKind.RETURN]
    assert AuditEvent.objects.filter(action="copy.return", outcome="ok").count() == ROUNDS
    assert Copy.objects.filter(status=CopyStatus.IN_CUSTODY).count() == ROUNDS
    assert verify().ok


def test_two_borrowers_approved_for_the_same_copy_at_once(carriers_chain_db):
    """The approval engine allows one pending lend per copy; after a decision, the two
    approvals of a copy's next lends still cannot both issue it."""
    from baomi.approvals.models import ApprovalRequest, Status
    from tests.carriers.conftest import approve_all, tomorrow

    office = build_office()
    carrier = register(office.wangfang, mark="秘密★10年", copies=1, units=[office.units["planning"]])
    copy = first_copy(carrier)
    first = services.copy_lend_request(actor=office.sunwei, copy=copy, due_on=tomorrow(), reason="编制规划")
    # The second request is for the same copy: refused while the first is pending.
    try:
        services.copy_lend_request(actor=office.zhoujing, copy=copy, due_on=tomorrow(), reason="核对数据")
    except Conflict:
        pass
    else:  # pragma: no cover
        raise AssertionError("a second pending lend of one copy was accepted")
    results, errors = race(
        lambda: approve_all(first, office.chen),
        lambda: services.copy_circulate(actor=office.wangfang, copy=copy, reader=office.zhoujing),
    )
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict), errors
    first.refresh_from_db()
    after = fresh(copy)
    if after.status == CopyStatus.LENT:
        assert first.status == Status.APPROVED and after.custodian_id == office.sunwei.pk
    else:
        assert first.status == Status.PENDING and after.custodian_id == office.zhoujing.pk
    assert ApprovalRequest.objects.count() == 1 and verify().ok
