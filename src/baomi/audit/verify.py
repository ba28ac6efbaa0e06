"""Re-walk the audit chain and every signed checkpoint (`baomi audit verify`).

Detects an edited, deleted, inserted or reordered row (hash chain and sequence), a log
cut off after a checkpoint (checkpoint larger than the log), a tail cut off after the last
checkpoint (chain head disagrees), and a rewritten-and-rehashed log (checkpoint roots and
signatures no longer match).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from django.db import connection

from baomi.audit import chain, keys
from baomi.audit.merkle import Frontier
from baomi.audit.models import AuditEvent, ChainHead, Checkpoint



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


def verify(*, public_key_path: Path | None = None, batch: int = 20_000) -> Report:
    report = Report()
    checkpoints = {c.tree_size: c for c in Checkpoint.objects.all()}
    verifying_key = keys.public_key(public_key_path) if checkpoints else None
    sql = (
        f"SELECT {', '.join(chain.FIELDS)}, prev_hash, hash FROM {AuditEvent._meta.db_table} "
        "WHERE seq > %s ORDER BY seq LIMIT %s"
    )
    sha256 = hashlib.sha256
    canonical = chain.canonical_bytes
    frontier = Frontier()
    append = frontier.append_leaf_hash
    prev = chain.GENESIS
    expected = 1
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [expected - 1, batch])
            rows = cursor.fetchall()
            if not rows:
                break
            for row in rows:
                seq = row[0]
                if seq != expected:
                    return report.fail(expected, f"事件 #{expected} 缺失或顺序被改动（读到 #{seq}）")
                if row[-2] != prev:
                    return report.fail(seq, f"事件 #{seq} 的前序哈希与链不符")
                digest = sha256(prev.encode() + canonical(row[:-2])).hexdigest()
                if digest != row[-1]:
                    return report.fail(seq, f"事件 #{seq} 的内容被改动（哈希不符）")
                append(sha256(b"\x00" + bytes.fromhex(digest)).digest())
                checkpoint = checkpoints.get(seq)
                if checkpoint is not None:
                    problem = _check_checkpoint(checkpoint, frontier, verifying_key)
                    if problem:
                        return report.fail(seq, problem)
                    report.checkpoints_checked += 1
                prev = digest
                expected += 1
                report.events += 1
    beyond = [size for size in checkpoints if size > report.events]
    if beyond:
        return report.fail(
            report.events + 1, f"日志在签名检查点 {min(beyond)} 之后被截断（现仅 {report.events} 条）"
        )
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != report.events or head.hash != prev):
        return report.fail(report.events + 1, f"链头记录 {head.seq} 条，实有 {report.events} 条：末尾事件被删除或改动")
    return report


def _check_checkpoint(checkpoint: Checkpoint, frontier: Frontier, key: object) -> str | None:
    root_hex = frontier.root().hex()
    if root_hex != checkpoint.root_hash:
        return f"检查点 {checkpoint.tree_size} 的默克尔根与日志不符"
    try:
        key.verify(  # type: ignore[attr-defined]
            bytes.fromhex(checkpoint.signature),
            keys.checkpoint_message(checkpoint.tree_size, checkpoint.root_hash, checkpoint.ts_us),
        )
    except (InvalidSignature, ValueError):
        return f"检查点 {checkpoint.tree_size} 的签名无效"
    return None
