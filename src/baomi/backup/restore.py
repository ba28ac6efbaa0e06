"""`baomi restore`: into an empty instance only, then verify what was restored.

Order: refuse a non-empty target; decrypt and check the whole archive into a private
staging folder (a wrong key or any alteration stops here, with nothing restored); load the
database; put the blobs back; then verify the result against the manifest: row counts, the
audit chain (`baomi audit verify` and the archived head and checkpoint), and every content
object decrypts with the vault master key(s) and matches its SHA-256.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from baomi import conf
from baomi.backup import archive, db
from baomi.backup.stream import KeySource


class NotEmpty(Exception):
    """The target instance already holds Baomi data."""


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    problems: list[str] = field(default_factory=list)


def blob_files(store: Any) -> list[str]:
    """Objects in the blob store: its own listing (local folder or S3 bucket), else the files under
    a local store's folder; a store that can do neither is checked object by object later."""
    if callable(getattr(store, "names", None)):
        return list(store.names())
    root = getattr(store, "root", None)
    if not isinstance(root, Path) or not root.exists():
        return []
    return [p.name for p in root.rglob("*") if p.is_file()]


def target_state() -> tuple[list[str], bool]:
    """(tables holding Baomi data, whether the database has any tables at all)."""
    with connection.cursor() as cursor:
        tables = db.list_tables(cursor, db.engine())
        return db.nonempty_tables(cursor, db.engine()), bool(tables)


def refuse_if_not_empty() -> bool:
    """Raise NotEmpty if the target holds Baomi data; return whether it has (empty) tables."""
    from baomi.vault.storage import blob_store

    rows, has_tables = target_state()
    if rows:
        shown = ", ".join(rows[:8]) + (" …" if len(rows) > 8 else "")
        raise NotEmpty(_("目标数据库中已有 Baomi 数据（表：%(tables)s）；只能恢复到新的空数据库") % {"tables": shown})
    files = blob_files(blob_store())
    if files:
        raise NotEmpty(_("目标密文存储中已有 %(n)d 个对象；只能恢复到空的存储") % {"n": len(files)})
    return has_tables


def restore(src: Path, source: KeySource, *, tmp: str | None = None, public_key: Path | None = None,
            tick: Callable[[str, int], None] | None = None) -> tuple[dict[str, Any], list[Check]]:
    from baomi.vault.storage import blob_store

    has_tables = refuse_if_not_empty()
    store = blob_store()
    with archive.private_folder(tmp) as folder, src.open("rb") as f:
        opened = archive.read(f, source, into=folder, tick=tick)
        if opened.problems:
            raise archive.DamagedError("; ".join(opened.problems))
        manifest = opened.manifest
        if manifest["db_engine"] != db.engine():
            raise NotEmpty(_("归档中是 %(archive)s 数据库，目标是 %(target)s") % {"archive": manifest["db_engine"],
                                                                         "target": db.engine()})
        names = [m.removeprefix("blobs/") for m in manifest["members"] if m.startswith("blobs/")]
        present = [n for n in names if store.exists(n)]  # stores that cannot be listed (S3) are checked here
        if present:
            raise NotEmpty(_("目标密文存储中已有归档中的 %(n)d 个对象；只能恢复到空的存储") % {"n": len(present)})
        connection.close()
        db.load(manifest["db_engine"], opened.path(manifest["database"]), has_tables=has_tables)
        for name in names:
            store.put(name, opened.path(f"blobs/{name}").read_bytes())
        pub = conf.data_dir() / "audit_signing_key.pub"
        if PUBLIC in manifest["members"] and not pub.exists():
            pub.write_bytes(opened.path(PUBLIC).read_bytes())
    return manifest, verify_instance(manifest, public_key=public_key)


PUBLIC = archive.PUBLIC_KEY


def _master_key_present() -> bool:
    # conf.master_key() would generate a new key when none is installed: never here.
    return bool(os.environ.get("BAOMI_MASTER_KEY")) or (conf.data_dir() / "master.key").exists()


def verify_instance(manifest: dict[str, Any], *, public_key: Path | None = None) -> list[Check]:
    """Compare the running instance with the manifest it was restored from."""
    from baomi.audit.verify import verify
    from baomi.errors import BaomiError
    from baomi.vault.models import ContentFile
    from baomi.vault.services import open_content

    checks = []
    with connection.cursor() as cursor:
        counts = db.count_rows(cursor, db.engine())
    expected: dict[str, int] = manifest["tables"]
    diff = [_("%(table)s：归档 %(archived)s 行，恢复后 %(restored)s 行") % {"table": t, "archived": expected.get(t),
                                                                         "restored": counts.get(t)}
            for t in sorted(set(expected) | set(counts)) if expected.get(t) != counts.get(t)]
    checks.append(Check(_("行数"), not diff, _("%(tables)d 张表，%(rows)d 行") % {
        "tables": len(expected), "rows": sum(expected.values())}, diff))

    report = verify(public_key_path=public_key)
    problems = list(report.problems)
    audit = manifest.get("audit") or {}
    head = audit.get("head")
    if head and report.events != head["seq"]:
        problems.append(_("审计链头：归档 %(archived)d 条，恢复后 %(restored)d 条") % {
            "archived": head["seq"], "restored": report.events})
    checkpoint = audit.get("checkpoint")
    from baomi.audit.models import Checkpoint

    if checkpoint and not Checkpoint.objects.filter(tree_size=checkpoint["tree_size"],
                                                    root_hash=checkpoint["root_hash"],
                                                    signature=checkpoint["signature"]).exists():
        problems.append(_("最新的签名检查点（%(size)d）不在恢复后的数据库中") % {"size": checkpoint["tree_size"]})
    checks.append(Check(_("审计链"), not problems, _("%(events)d 条事件，%(checkpoints)d 个签名检查点") % {
        "events": report.events, "checkpoints": report.checkpoints_checked}, problems))

    bad: list[str] = [_("对象 %(name)s：备份时已缺失，归档中没有") % {"name": name}
                      for name in manifest.get("missing_blobs", [])]
    total = ContentFile.objects.count()
    if total and not _master_key_present():
        bad.append(_("未安装保密柜主密钥（BAOMI_MASTER_KEY 或数据目录中的 master.key）：请从离线副本恢复密钥，"
                     "然后运行 baomi restore --check SRC"))
    else:
        for content in ContentFile.objects.order_by("pk").iterator():
            try:
                open_content(content)
            except BaomiError as exc:
                bad.append(_("电子内容 %(pk)s（%(blob)s）：%(error)s") % {"pk": content.pk, "blob": content.blob_name,
                                                                    "error": exc.message})
    checks.append(Check(_("电子内容"), not bad, _("%(n)d 个对象解密成功且 SHA-256 相符") % {"n": total}, bad))
    return checks
