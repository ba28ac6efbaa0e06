"""`verify()` finds every way of rewriting the log, and names the first bad event.

Twelve events, a signed checkpoint after every fifth (5 and 10). Tampering needs the
append-only triggers gone first (`tamper` fixture), as it would for an intruder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import DatabaseError, connection, transaction

from baomi.audit import chain, keys
from baomi.audit import verify as verify_module
from baomi.audit.merkle import Frontier, leaf_hash
from baomi.audit.models import AuditEvent, ChainHead, Checkpoint
from baomi.audit.services import record
from baomi.audit.verify import verify
from tests.audit.conftest import append, fields_of, rehash_from, trigger_names

N = 12


@pytest.fixture
def log(db):
    events = append(N)
    assert list(Checkpoint.objects.order_by("tree_size").values_list("tree_size", flat=True)) == [5, 10]
    return events


def assert_fails_at(seq: int, *words: str, **kwargs) -> None:
    report = verify(**kwargs)
    assert report.ok is False
    assert report.first_bad_seq == seq, report.problems
    for word in words:
        assert word in report.problems[0]


def test_intact_log_verifies(log):
    report = verify()
    assert report.ok is True
    assert (report.events, report.checkpoints_checked, report.first_bad_seq, report.problems) == (N, 2, None, [])


@pytest.mark.django_db
def test_empty_log_verifies():
    report = verify()
    assert (report.ok, report.events, report.checkpoints_checked) == (True, 0, 0)


def test_small_batches_give_the_same_answer(log):
    report = verify(batch=3)
    assert (report.ok, report.events, report.checkpoints_checked) == (True, N, 2)


# ---------------------------------------------------------------- the triggers


def test_triggers_refuse_update_and_delete(log):
    assert len(trigger_names()) == 4
    event = AuditEvent.objects.get(seq=3)
    attempts = [
        lambda: AuditEvent.objects.filter(seq=3).update(summary="改"),
        lambda: AuditEvent.objects.filter(seq=12).delete(),
        lambda: AuditEvent.objects.all().delete(),
        lambda: event.save(),  # an existing row: UPDATE
        lambda: Checkpoint.objects.filter(tree_size=5).update(signature="00"),
        lambda: Checkpoint.objects.all().delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    with connection.cursor() as cursor:
        for sql in ("UPDATE audit_auditevent SET hash = 'x'", "DELETE FROM audit_auditevent WHERE seq = 1"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(sql)
    assert AuditEvent.objects.count() == N
    assert verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
def test_triggers_refuse_truncate(log):
    with connection.cursor() as cursor:
        for table in ("audit_auditevent", "audit_checkpoint"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(f"TRUNCATE {table}")
    assert AuditEvent.objects.count() == N
    assert verify().ok


def test_inserting_new_rows_is_still_allowed(log):
    record(actor=None, action="test.more", summary="追加")
    assert verify().ok


# ---------------------------------------------------------------- rows


def test_edited_row(log, tamper):
    AuditEvent.objects.filter(seq=3).update(summary="改过的摘要")
    assert_fails_at(3, "内容被改动")


@pytest.mark.parametrize("column", ["actor_username", "outcome", "details", "ts_us", "object_id", "client_address"])
def test_any_hashed_column_edited(log, tamper, column):
    value = 1 if column == "ts_us" else "x"
    AuditEvent.objects.filter(seq=7).update(**{column: value})
    assert_fails_at(7)


def test_edited_hash_breaks_the_next_link(log, tamper):
    AuditEvent.objects.filter(seq=4).update(hash="f" * 64)
    assert_fails_at(4, "内容被改动")


def test_deleted_row(log, tamper):
    AuditEvent.objects.filter(seq=3).delete()
    assert_fails_at(3, "缺失")


def test_deleted_first_row(log, tamper):
    AuditEvent.objects.filter(seq=1).delete()
    assert_fails_at(1, "缺失")


def test_inserted_row_with_plausible_hash(log, tamper):
    """A forged event slipped in after #3: it links to #3 and its own hash is right, the
    later rows are renumbered; the row after it no longer links."""
    for event in AuditEvent.objects.filter(seq__gt=3).order_by("-seq"):
        AuditEvent.objects.filter(pk=event.pk).update(seq=event.seq + 1)
    prev = AuditEvent.objects.get(seq=3)
    forged = AuditEvent(seq=4, ts_us=prev.ts_us + 1, action="unit.create", summary="伪造的事件",
                        actor_username="intruder", prev_hash=prev.hash)
    forged.hash = chain.event_hash(prev.hash, chain.canonical_bytes(fields_of(forged)))
    forged.save(force_insert=True)
    assert_fails_at(5, "前序哈希")


def test_row_appended_behind_the_writers_back(log, tamper):
    """A plausible event added at the end without going through `record` (no head update)."""
    last = AuditEvent.objects.get(seq=N)
    forged = AuditEvent(seq=N + 1, ts_us=last.ts_us + 1, action="test.forged", summary="伪造", prev_hash=last.hash)
    forged.hash = chain.event_hash(last.hash, chain.canonical_bytes(fields_of(forged)))
    forged.save(force_insert=True)
    assert_fails_at(N + 1, "链头")


def test_reordered_rows(log, tamper):
    AuditEvent.objects.filter(seq=3).update(seq=-3)
    AuditEvent.objects.filter(seq=4).update(seq=3)
    AuditEvent.objects.filter(seq=-3).update(seq=4)
    assert_fails_at(3, "前序哈希")


def test_last_row_rewritten_with_a_plausible_hash(log, tamper):
    """No successor links to the last row, so only the chain head can tell."""
    AuditEvent.objects.filter(seq=N).update(summary="改过的最后一条")
    last = AuditEvent.objects.get(seq=N)
    rehashed = chain.event_hash(last.prev_hash, chain.canonical_bytes(fields_of(last)))
    AuditEvent.objects.filter(seq=N).update(hash=rehashed)
    assert_fails_at(N, "链头")


# ---------------------------------------------------------------- truncation


def test_log_cut_off_after_a_checkpoint(log, tamper):
    """Rows 8-12 gone, including 8-10 that checkpoint 10 covers; the head forged to match."""
    AuditEvent.objects.filter(seq__gte=8).delete()
    seventh = AuditEvent.objects.get(seq=7)
    ChainHead.objects.filter(pk=1).update(seq=7, hash=seventh.hash)
    assert_fails_at(8, "检查点 10", "截断")


def test_log_cut_off_after_a_checkpoint_head_untouched(log, tamper):
    AuditEvent.objects.filter(seq__gte=8).delete()
    assert_fails_at(8, "检查点 10")


def test_tail_cut_off_after_the_last_checkpoint(log, tamper):
    AuditEvent.objects.filter(seq__gt=10).delete()
    assert_fails_at(11, "链头记录 12 条，实有 10 条")


def test_whole_log_deleted(log, tamper):
    AuditEvent.objects.all().delete()
    assert_fails_at(1, "检查点 5")


def test_chain_head_deleted(log, tamper):
    ChainHead.objects.all().delete()
    assert_fails_at(11, "链头记录缺失")


# ---------------------------------------------------------------- rewriting


def test_fully_rehashed_rewrite_is_caught_by_the_checkpoint(log, tamper):
    """Edit #2, recompute every hash after it and the head: the chain itself is sound again,
    but the signed Merkle root at 5 no longer matches."""
    AuditEvent.objects.filter(seq=2).update(summary="悄悄改写")
    rehash_from(2)
    report = verify()
    assert report.first_bad_seq == 5
    assert "检查点 5 的默克尔根" in report.problems[0]


def test_rehashed_rewrite_after_the_last_checkpoint_is_caught_by_the_head(log, tamper):
    """Rewriting and rehashing rows after the last checkpoint, head kept: the head's hash differs."""
    AuditEvent.objects.filter(seq=11).update(summary="悄悄改写")
    for seq in (11, 12):
        event = AuditEvent.objects.get(seq=seq)
        prev = AuditEvent.objects.get(seq=seq - 1).hash
        AuditEvent.objects.filter(seq=seq).update(
            prev_hash=prev, hash=chain.event_hash(prev, chain.canonical_bytes(fields_of(event)))
        )
    assert_fails_at(N, "链头")


def test_rehashed_rewrite_with_forged_checkpoints_needs_the_private_key(log, tamper):
    """The forger recomputes the checkpoint roots too, but cannot sign them."""
    AuditEvent.objects.filter(seq=2).update(summary="悄悄改写")
    rehash_from(2)
    frontier = Frontier()
    for event in AuditEvent.objects.order_by("seq"):
        frontier.append_leaf_hash(leaf_hash(bytes.fromhex(event.hash)))
        if event.seq in (5, 10):
            Checkpoint.objects.filter(tree_size=event.seq).update(root_hash=frontier.root().hex())
    assert_fails_at(5, "检查点 5 的签名无效")


# ---------------------------------------------------------------- checkpoints and keys


def test_checkpoint_signature_altered(log, tamper):
    checkpoint = Checkpoint.objects.get(tree_size=10)
    flipped = f"{int(checkpoint.signature[0], 16) ^ 1:x}" + checkpoint.signature[1:]
    Checkpoint.objects.filter(pk=checkpoint.pk).update(signature=flipped)
    assert_fails_at(10, "检查点 10 的签名无效")


def test_checkpoint_signature_not_hex(log, tamper):
    Checkpoint.objects.filter(tree_size=5).update(signature="not a signature")
    assert_fails_at(5, "签名无效")


def test_checkpoint_signed_by_another_key(log, tamper):
    other = Ed25519PrivateKey.generate()
    checkpoint = Checkpoint.objects.get(tree_size=5)
    forged = other.sign(keys.checkpoint_message(5, checkpoint.root_hash, checkpoint.ts_us))
    Checkpoint.objects.filter(pk=checkpoint.pk).update(signature=forged.hex(), key_id=keys.key_id(other.public_key()))
    assert_fails_at(5, "签名无效")


def test_checkpoint_time_altered(log, tamper):
    Checkpoint.objects.filter(tree_size=5).update(ts_us=1)
    assert_fails_at(5, "签名无效")


def test_checkpoint_root_altered(log, tamper):
    Checkpoint.objects.filter(tree_size=10).update(root_hash="0" * 64)
    assert_fails_at(10, "默克尔根")


def _write_public_key(path: Path, key: Ed25519PrivateKey) -> Path:
    path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def test_wrong_public_key_file(log, tmp_path):
    wrong = _write_public_key(tmp_path / "other.pub", Ed25519PrivateKey.generate())
    assert_fails_at(5, "检查点 5 的签名无效", public_key_path=wrong)


def test_operator_copy_of_the_right_public_key(log, tmp_path):
    copy = tmp_path / "copy.pub"
    copy.write_bytes(keys.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo))
    report = verify(public_key_path=copy)
    assert report.ok and report.checkpoints_checked == 2


def test_log_resigned_with_a_new_key_fails_against_the_operators_copy(log, tamper, tmp_path):
    """An intruder who replaced the whole data folder re-signs everything with a new key;
    the operator's own copy of the public key still catches it."""
    copy = tmp_path / "copy.pub"
    copy.write_bytes(keys.public_key().public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo))
    AuditEvent.objects.filter(seq=2).update(summary="悄悄改写")
    rehash_from(2)
    new_key = Ed25519PrivateKey.generate()
    frontier = Frontier()
    for event in AuditEvent.objects.order_by("seq"):
        frontier.append_leaf_hash(leaf_hash(bytes.fromhex(event.hash)))
        if event.seq in (5, 10):
            c = Checkpoint.objects.get(tree_size=event.seq)
            root = frontier.root().hex()
            Checkpoint.objects.filter(pk=c.pk).update(
                root_hash=root, signature=new_key.sign(keys.checkpoint_message(c.tree_size, root, c.ts_us)).hex()
            )
    assert verify(public_key_path=_write_public_key(tmp_path / "intruder.pub", new_key)).ok
    assert_fails_at(5, "签名无效", public_key_path=copy)


# ---------------------------------------------------------------- while the log grows


def test_event_appended_between_reading_rows_and_reading_the_head_is_not_tampering(log, monkeypatch):
    """A writer commits after the verifier read the last row but before it reads the chain head."""

    class HeadAfterAnAppend:
        class objects:  # stands in for the model manager
            @staticmethod
            def filter(**kwargs):
                record(actor=None, action="test.concurrent", summary="并发追加")
                return ChainHead.objects.filter(**kwargs)

    monkeypatch.setattr(verify_module, "ChainHead", HeadAfterAnAppend)
    report = verify()
    assert report.ok, report.problems
    assert report.events == N + 1


def test_canonical_text_built_in_python_where_sql_cannot(log, tamper, monkeypatch):
    """Other databases get the canonical text built in Python: same verdicts."""
    monkeypatch.setattr(verify_module, "_CANONICAL_SQL", {})
    report = verify(batch=5)
    assert (report.ok, report.events, report.checkpoints_checked) == (True, N, 2)
    AuditEvent.objects.filter(seq=6).update(object_level=4)
    assert_fails_at(6, "内容被改动")
