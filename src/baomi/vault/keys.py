"""Master-key rotation without downtime (`baomi keys`, docs/operations.md "Key rotation").

The keyring (crypto.master_for): one current master key wraps new data keys; older keys kept
in conf.master_keys_dir() still unwrap what they wrapped. So the steps are

1. `key_rotate`: the current key is copied into the keys folder, then a new current key
   replaces it atomically. New uploads use the new key at once (servers read the key at use);
   old content still opens with the old key.
2. `key_rewrap`: in small transactions, every data key still wrapped by an older key is
   unwrapped and wrapped again under the current key. Only `wrapped_key` and `key_id` change;
   the ciphertext in the blob store is never rewritten. Resumable (it picks the rows not yet
   on the current key), and downloads keep working throughout: a row read before its batch
   committed names the old key, which is still in the keyring.
3. `key_retire`: the old key's file is removed, refused while any content still names it.

All three run at the server's shell and are audited under the `cli` actor; no title, file
name or content ever goes into an event, only key ids and counts.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.db.models import Count
from django.utils.translation import gettext as _

from baomi import conf
from baomi.audit.models import Outcome
from baomi.audit.services import CLI_ACTOR, atomic_action, record
from baomi.errors import Refused
from baomi.vault import crypto
from baomi.vault.models import ContentFile


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _keep_older(key: bytes) -> Path:
    """Put `key` into the keys folder under its id (idempotent; never a different key under the name)."""
    folder = conf.master_keys_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = crypto.older_key_path(crypto.key_id(key))
    if path.exists():
        if conf.decode_master_key(path.read_bytes(), source=str(path)) != key:
            raise Refused(_("密钥目录中已有同名但内容不同的主密钥文件 %(path)s，请人工核查") % {"path": path})
        return path
    tmp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    conf.write_private(tmp, conf.encode_master_key(key))
    os.replace(tmp, path)
    _fsync_dir(folder)
    return path


def _replace_current(key: bytes) -> None:
    """Write the new current key file atomically: readers see the old file or the new one."""
    path = conf.master_key_file()
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(conf.encode_master_key(key))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


@dataclass
class Rotation:
    old_key_id: str
    new_key_id: str
    new_key_file: Path  # master.key, or the file given for an operator who sets BAOMI_MASTER_KEY


def key_rotate(*, output: Path | None = None) -> Rotation:
    """Make a new master key current, keeping the old one for unwrapping.

    With BAOMI_MASTER_KEY set the running configuration cannot be changed from here: the new
    key is written to `output` (mode 0600) for the operator to put into BAOMI_MASTER_KEY of
    every process; until then the old key stays current, and both are in the keyring."""
    with atomic_action(None, "vault.key_rotate", actor_username=CLI_ACTOR):
        from_env = conf.master_key_from_env()
        if from_env and output is None:
            raise Refused(_("主密钥由环境变量 BAOMI_MASTER_KEY 提供：请用 --output 指定新主密钥的写入文件"))
        if output is not None and output.exists():
            raise Refused(_("文件 %(path)s 已存在，不会覆盖，请指定新的文件") % {"path": output})
        old = conf.master_key()
        new = secrets.token_bytes(32)
        _keep_older(old)  # first: the old key must stay loadable at every instant
        if output is not None:
            conf.write_private(output, conf.encode_master_key(new))  # refuses to overwrite a file
            target = output
        else:
            _replace_current(new)
            target = conf.master_key_file()
        rotation = Rotation(crypto.key_id(old), crypto.key_id(new), target)
        record(actor=None, actor_username=CLI_ACTOR, action="vault.key_rotate",
               summary=f"轮换主密钥 {rotation.old_key_id} → {rotation.new_key_id}",
               details={"old_key_id": rotation.old_key_id, "new_key_id": rotation.new_key_id,
                        "source": "env" if from_env else "file",
                        "pending_env_change": output is not None})
    return rotation


def _write_wrapped(rows: list[ContentFile]) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(ContentFile._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET wrapped_key = %s, key_id = %s WHERE id = %s",
                           [(bytes(r.wrapped_key), r.key_id, r.pk) for r in rows])


@dataclass
class Rewrap:
    key_id: str  # the current key everything was moved to
    rewrapped: int = 0
    batches: int = 0
    failed: list[int] = field(default_factory=list)  # ContentFile ids whose key could not be unwrapped


def key_rewrap(*, batch: int = 100, after_batch: Callable[[Rewrap], None] | None = None) -> Rewrap:
    """Re-wrap every data key not under the current master key, `batch` rows per transaction,
    one audit event per batch. Safe to interrupt and run again."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    current = crypto.AesGcmProvider(conf.master_key())
    result = Rewrap(current.key_id)
    older: dict[str, crypto.AesGcmProvider] = {}  # read each older key file once per run
    last = 0
    while True:
        with atomic_action(None, "vault.key_rewrap", actor_username=CLI_ACTOR):
            rows = list(ContentFile.objects.select_for_update().filter(pk__gt=last).exclude(key_id=current.key_id)
                        .only("pk", "carrier_id", "version", "blob_name", "sha256", "algorithm", "key_id",
                              "wrapped_key").order_by("pk")[:batch])
            if not rows:
                break
            moved: Counter[str] = Counter()
            failed: list[int] = []
            changed: list[ContentFile] = []
            for row in rows:
                try:
                    if row.algorithm != current.algorithm:
                        raise crypto.TamperedError(f"unknown algorithm: {row.algorithm}")
                    if row.key_id not in older:
                        older[row.key_id] = crypto.AesGcmProvider(crypto.master_for(row.key_id))
                    old = older[row.key_id]
                    wrapped = old.rewrap(wrapped_key=bytes(row.wrapped_key), aad=row.aad, to=current)
                except crypto.TamperedError:
                    failed.append(row.pk)
                    continue
                moved[row.key_id] += 1
                row.wrapped_key, row.key_id = wrapped, current.key_id
                changed.append(row)
            # The rows are locked since the SELECT (FOR UPDATE; SQLite's write lock): nobody
            # changed them meanwhile. One prepared UPDATE for the batch: the ORM's bulk_update
            # builds a CASE per row and costs more than the cryptography (benchmarks/RESULTS.md).
            _write_wrapped(changed)
            count = len(changed)
            record(actor=None, actor_username=CLI_ACTOR, action="vault.key_rewrap",
                   outcome=Outcome.ERROR if failed else Outcome.OK, object_type="contentfile",
                   summary=f"重新封装数据密钥 {count} 个（主密钥 {current.key_id}）"
                           + (f"，{len(failed)} 个无法解封" if failed else ""),
                   details={"to_key_id": current.key_id, "from_key_ids": dict(moved), "count": count,
                            "first_id": rows[0].pk, "last_id": rows[-1].pk, "failed_ids": failed})
            last = rows[-1].pk
        result.rewrapped += count
        result.batches += 1
        result.failed += failed
        if after_batch is not None:
            after_batch(result)
    return result


def key_retire(*, key_id: str) -> Path:
    """Remove an older master key from the keyring; refused while any content still names it."""
    with atomic_action(None, "vault.key_retire", actor_username=CLI_ACTOR):
        if key_id == crypto.key_id(conf.master_key()):
            raise Refused(_("不能停用当前主密钥，请先执行 baomi keys rotate"), details={"key_id": key_id})
        try:
            path = crypto.older_key_path(key_id)
        except crypto.TamperedError:
            raise Refused(_("主密钥标识格式不正确"), details={"key_id": key_id[:40]}) from None
        if not path.exists():
            raise Refused(_("密钥目录中没有主密钥 %(key_id)s") % {"key_id": key_id}, details={"key_id": key_id})
        in_use = ContentFile.objects.filter(key_id=key_id).count()
        if in_use:
            raise Refused(_("仍有 %(count)d 个电子内容使用主密钥 %(key_id)s，请先执行 baomi keys rewrap")
                          % {"count": in_use, "key_id": key_id}, details={"key_id": key_id, "in_use": in_use})
        path.unlink()
        record(actor=None, actor_username=CLI_ACTOR, action="vault.key_retire",
               summary=f"停用主密钥 {key_id}", details={"key_id": key_id})
    return path


@dataclass
class KeyRow:
    key_id: str
    objects: int  # ContentFile rows whose data key it wraps
    current: bool
    installed: bool  # loadable: current, or in the keys folder


def key_status() -> list[KeyRow]:
    """Each master key the keyring holds or the content names, with its count of objects."""
    current = crypto.key_id(conf.master_key())
    grouped = ContentFile.objects.order_by().values("key_id").annotate(n=Count("pk"))
    counts: dict[str, int] = {row["key_id"]: row["n"] for row in grouped}
    installed = {current, *crypto.older_keys()}
    return [KeyRow(kid, counts.get(kid, 0), kid == current, kid in installed)
            for kid in sorted(installed | set(counts), key=lambda k: (k != current, k))]
