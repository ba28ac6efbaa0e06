"""Re-walk the audit chain and every signed checkpoint (`baomi audit verify`).

Detects an edited, deleted, inserted or reordered row (hash chain and sequence), a log
cut off after a checkpoint (checkpoint larger than the log), a tail cut off after the last
checkpoint or rows appended behind the writer's back (chain head disagrees), and a
rewritten-and-rehashed log (checkpoint roots and signatures no longer match).

Safe to run while the application keeps appending: an event and the chain head that
counts it commit together, so the head is read after the rows and any rows appended in
between are read before the two are compared.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from django.db import connection

from baomi.audit import chain, keys
from baomi.audit.merkle import Frontier
from baomi.audit.models import AuditEvent, ChainHead, Checkpoint

_COLUMNS = [str(AuditEvent._meta.get_field(f).column) for f in chain.FIELDS]  # type: ignore[union-attr]

# The canonical text (chain.canonical_bytes, decoded) built by the database itself: one
# string a row instead of fourteen values to convert, which is most of the time spent.
_CANONICAL_SQL = {
    "sqlite": " || char(31) || ".join(f"IFNULL({c}, '')" for c in _COLUMNS),
    "postgresql": " || chr(31) || ".join(f"COALESCE({c}::text, '')" for c in _COLUMNS),
}


def _queries() -> tuple[str, str, bool]:
    """(rows after a seq, rows after a seq up to another, canonical text built in SQL?)"""
    canonical = _CANONICAL_SQL.get(connection.vendor)
    columns = canonical or ", ".join(_COLUMNS)
    select = f"SELECT seq, {columns}, prev_hash, hash FROM {AuditEvent._meta.db_table} WHERE seq > %s"
    return f"{select} ORDER BY seq LIMIT %s", f"{select} AND seq <= %s ORDER BY seq LIMIT %s", canonical is not None


@dataclass
class Report:
    events: int = 0
    checkpoints_checked: int = 0
    first_bad_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def fail(self, seq: int | None, message: str) -> Report:
        if self.first_bad_seq is None:
            self.first_bad_seq = seq
        self.problems.append(message)
        return self


class _Walk:
    """The verifier's position in the chain: running hash and Merkle frontier."""

    def __init__(self, report: Report, checkpoints: dict[int, Checkpoint], key: Any) -> None:
        self.report = report
        self.checkpoints = checkpoints
        self.key = key
        self.frontier = Frontier()
        self.prev = chain.GENESIS

    def rows(self, cursor: Any, batch: int, upto: int | None = None) -> bool:
        """Check the rows after the ones already checked (up to `upto`); False at the first bad one."""
        report, checkpoints = self.report, self.checkpoints
        sql, sql_upto, in_sql = _queries()
        sha256 = hashlib.sha256
        text_of = chain.canonical_bytes
        append = self.frontier.append_leaf_hash
        prev = self.prev
        expected = report.events + 1
        try:
            while True:
                if upto is None:
                    cursor.execute(sql, [expected - 1, batch])
                else:
                    cursor.execute(sql_upto, [expected - 1, upto, batch])
                rows = cursor.fetchall()
                if not rows:
                    return True
                if not in_sql:
                    rows = [(r[0], text_of(r[1:-2]).decode(), r[-2], r[-1]) for r in rows]
                for seq, text, prev_hash, stored in rows:
                    if seq != expected:
                        report.fail(expected, f"事件 #{expected} 缺失或顺序被改动（读到 #{seq}）")
                        return False
                    if prev_hash != prev:
                        report.fail(seq, f"事件 #{seq} 的前序哈希与链不符")
                        return False
                    digest = sha256((prev + text).encode()).digest()
                    hex_digest = digest.hex()
                    if hex_digest != stored:
                        report.fail(seq, f"事件 #{seq} 的内容被改动（哈希不符）")
                        return False
                    append(sha256(b"\x00" + digest).digest())  # the RFC 6962 leaf hash
                    checkpoint = checkpoints.get(seq)
                    if checkpoint is not None:
                        problem = _check_checkpoint(checkpoint, self.frontier, self.key)
                        if problem:
                            report.fail(seq, problem)
                            return False
                        report.checkpoints_checked += 1
                    prev = hex_digest
                    expected += 1
        finally:
            self.prev = prev
            report.events = expected - 1


def verify(*, public_key_path: Path | None = None, batch: int = 20_000) -> Report:
    report = Report()
    checkpoints = {c.tree_size: c for c in Checkpoint.objects.all()}
    verifying_key = keys.public_key(public_key_path) if checkpoints else None
    walk = _Walk(report, checkpoints, verifying_key)
    with connection.cursor() as cursor:
        if not walk.rows(cursor, batch):
            return report
        # Read after the rows: every row read so far committed together with a head at least this far on.
        head = ChainHead.objects.filter(pk=1).first()
        # More counted than read: appended while we read (those rows are committed now), or the tail was deleted.
        if head is not None and head.seq > report.events and not walk.rows(cursor, batch, upto=head.seq):
            return report
    beyond = [size for size in checkpoints if size > report.events]
    if beyond:
        return report.fail(
            report.events + 1, f"日志在签名检查点 {min(beyond)} 之后被截断（现仅 {report.events} 条）"
        )
    if head is None:
        if report.events:  # from the first event no signed checkpoint vouches for, nothing does
            signed = max((size for size in checkpoints if size <= report.events), default=0)
            report.fail(min(signed + 1, report.events), "链头记录缺失：无法确认日志末尾是否完整")
        return report
    if head.seq > report.events:
        return report.fail(report.events + 1, f"链头记录 {head.seq} 条，实有 {report.events} 条：末尾事件被删除")
    if head.seq < report.events:
        return report.fail(head.seq + 1, f"链头记录 {head.seq} 条，实有 {report.events} 条：末尾有未经链头的事件")
    if head.hash != walk.prev:
        return report.fail(report.events, f"事件 #{report.events} 与链头记录的哈希不符：末尾事件被改动")
    return report


def _check_checkpoint(checkpoint: Checkpoint, frontier: Frontier, key: Any) -> str | None:
    root_hex = frontier.root().hex()
    if root_hex != checkpoint.root_hash:
        return f"检查点 {checkpoint.tree_size} 的默克尔根与日志不符"
    try:
        key.verify(
            bytes.fromhex(checkpoint.signature),
            keys.checkpoint_message(checkpoint.tree_size, checkpoint.root_hash, checkpoint.ts_us),
        )
    except (InvalidSignature, ValueError):
        return f"检查点 {checkpoint.tree_size} 的签名无效"
    return None
