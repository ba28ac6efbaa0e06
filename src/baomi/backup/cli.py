"""`baomi backup` and `baomi restore`, built here and registered by baomi.cli.build_parser.

Exit status: 0 done and verified; 1 a verification check failed; 2 refused (wrong key,
altered archive, non-empty target, missing blobs, bad arguments).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from baomi.backup.stream import KeySource


def _(message: str) -> str:
    # Django's translation machinery is imported when a backup command runs, not when the
    # parser is built: every `baomi` command, `baomi scan` too, builds this parser.
    from django.utils.translation import gettext

    return gettext(message)

KEY_ENV = "BAOMI_BACKUP_KEY"


def _common(p: argparse.ArgumentParser) -> None:
    keys = p.add_argument_group("backup key (not the vault master key; default: $BAOMI_BACKUP_KEY, base64 of 32 bytes)")
    keys.add_argument("--key-file", metavar="FILE", help="file holding the backup key (base64 of 32 bytes)")
    keys.add_argument("--passphrase-env", metavar="VAR",
                      help="name of an environment variable holding a passphrase (stretched with scrypt)")
    p.add_argument("--tmp-dir", metavar="DIR",
                   help="where the database dump is staged (a private 0700 folder; default: the system's)")
    p.add_argument("--no-progress", action="store_true", help="no progress line even on a terminal")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="备份: 数据库、全部电子内容密文和清单，写成一个加密归档文件",
                       description="Write one consistent, encrypted archive of this instance: database snapshot, "
                                   "the ciphertext of every content object it references, and a manifest. "
                                   "With --verify, check an existing archive instead (decrypt + hashes).")
    p.add_argument("path", metavar="DEST", help="archive file to create (or, with --verify, to check)")
    p.add_argument("--verify", action="store_true", help="check the archive DEST without restoring it")
    p.add_argument("--allow-missing", action="store_true",
                   help="write the archive even if some referenced blobs are missing (listed in the manifest)")
    _common(p)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="恢复: 将备份归档恢复到空实例并校验（计数、审计链、内容解密）",
                       description="Restore an archive into an EMPTY instance (the configured DATABASE_URL and "
                                   "BAOMI_DATA_DIR), then verify it. The vault master key(s) are not in the "
                                   "archive: install them first. Exit 1 if a check fails, 2 if refused.")
    p.add_argument("path", metavar="SRC", help="archive file")
    p.add_argument("--check", action="store_true",
                   help="do not restore: verify the running instance against the archive's manifest")
    p.add_argument("--public-key", metavar="PEM",
                   help="audit checkpoint public key held off the machine (default: the data folder's)")
    _common(p)
    p.set_defaults(func=cmd_restore)


def key_source(args: argparse.Namespace) -> KeySource:
    """The key from --passphrase-env, --key-file or $BAOMI_BACKUP_KEY, in that order."""
    from baomi.backup.stream import KeySource

    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if not value:
            raise ValueError(_("环境变量 %(name)s 未设置") % {"name": args.passphrase_env})
        return KeySource(passphrase=value)
    if args.key_file:
        text, where = Path(args.key_file).read_bytes(), args.key_file
    elif os.environ.get(KEY_ENV):
        text, where = os.environ[KEY_ENV].encode(), KEY_ENV
    else:
        raise ValueError(_("没有备份密钥：请设置 %(env)s（32 字节的 base64），或使用 --key-file、--passphrase-env")
                         % {"env": KEY_ENV})
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        key = b""
    if len(key) != 32:
        raise ValueError(_("%(where)s 须为恰好 32 字节的 base64（例如 openssl rand -base64 32）") % {"where": where})
    return KeySource(key=key)


class Progress:
    """One line on stderr, rewritten at most five times a second, only on a terminal."""

    def __init__(self, label: str, enabled: bool, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.label, self.objects, self.bytes, self.stage = label, 0, 0, ""
        self._start = self._last = time.monotonic()
        self._width = 0

    def __call__(self, what: str, size: int) -> None:
        self.stage = what
        self.bytes += size
        self.objects += what == "blob"
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.2:
            return
        self._last = now
        stage = "数据库" if what == "database" else "电子内容"
        mb = self.bytes / 1e6
        rate = mb / max(now - self._start, 1e-3)
        line = f"\r{self.label} {stage}  {self.objects} 个对象  {mb:,.1f} MB  {rate:,.1f} MB/s"
        self.stream.write(line.ljust(self._width))
        self._width = len(line)
        self.stream.flush()

    def clear(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "baomi.settings")
    import django

    django.setup()


def _refuse(message: str) -> int:
    print(f"拒绝: {message}", file=sys.stderr)
    return 2


def _same_as_master(source: KeySource) -> bool:
    from baomi import conf

    if source.key is None:
        return False
    if os.environ.get("BAOMI_MASTER_KEY") or (conf.data_dir() / "master.key").exists():
        return source.key == conf.master_key()
    return False


def cmd_backup(args: argparse.Namespace) -> int:
    _setup()
    from baomi.backup import archive
    from baomi.backup.db import RestoreError
    from baomi.backup.stream import BackupKeyError, DamagedError

    try:
        source = key_source(args)
    except (ValueError, OSError) as exc:
        return _refuse(str(exc))
    path = Path(args.path)
    progress = Progress("校验" if args.verify else "备份", enabled=not args.no_progress)
    if args.verify:
        try:
            with path.open("rb") as f:
                opened = archive.read(f, source, tick=progress)
        except (BackupKeyError, DamagedError, OSError) as exc:
            progress.clear()
            return _refuse(f"{path}: {exc}")
        progress.clear()
        m = opened.manifest
        for problem in opened.problems:
            print(f"  {problem}", file=sys.stderr)
        if opened.problems:
            print(_("校验失败：%(path)s") % {"path": path}, file=sys.stderr)
            return 1
        print(f"OK: {path} — {m['db_engine']} 数据库 {len(m['tables'])} 张表 {sum(m['tables'].values())} 行，"
              f"{m['content_objects']} 个电子内容对象，创建于 {m['created_at']}（Baomi {m['baomi_version']}）")
        if m.get("missing_blobs"):
            print(f"注意: 归档缺少 {len(m['missing_blobs'])} 个对象（备份时已缺失）", file=sys.stderr)
            return 1
        return 0

    if _same_as_master(source):
        return _refuse(_("备份密钥不得与保密柜主密钥相同"))
    started = time.monotonic()
    try:
        manifest = archive.create(path, source, allow_missing=args.allow_missing, tmp=args.tmp_dir, tick=progress)
    except archive.MissingBlobs as exc:
        progress.clear()
        for name in exc.names[:20]:
            print(f"  {name}", file=sys.stderr)
        return _refuse(str(exc) + _("（未写入归档；如仍要写入请加 --allow-missing）"))
    except (FileExistsError, RestoreError) as exc:
        progress.clear()
        return _refuse(str(exc))
    progress.clear()
    size = path.stat().st_size
    print(f"已写入 {path}: {manifest['db_engine']} 数据库 {sum(manifest['tables'].values())} 行，"
          f"{manifest['content_objects']} 个电子内容对象，审计链 {(manifest['audit']['head'] or {}).get('seq', 0)} 条，"
          f"{size / 1e6:,.1f} MB，{time.monotonic() - started:.1f} 秒")
    if manifest["missing_blobs"]:
        print(f"注意: {len(manifest['missing_blobs'])} 个对象在备份时已缺失，已记入清单", file=sys.stderr)
        return 1
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    _setup()
    from baomi import conf
    from baomi.backup import archive, restore
    from baomi.backup.db import RestoreError
    from baomi.backup.stream import BackupKeyError, DamagedError

    try:
        source = key_source(args)
    except (ValueError, OSError) as exc:
        return _refuse(str(exc))
    path = Path(args.path)
    public_key = Path(args.public_key) if args.public_key else None
    progress = Progress("恢复", enabled=not args.no_progress)
    try:
        if args.check:
            with path.open("rb") as f:
                opened = archive.read(f, source, tick=progress)
            if opened.problems:
                raise DamagedError("; ".join(opened.problems))
            manifest, checks = opened.manifest, restore.verify_instance(opened.manifest, public_key=public_key)
        else:
            manifest, checks = restore.restore(path, source, tmp=args.tmp_dir, public_key=public_key, tick=progress)
    except (BackupKeyError, DamagedError) as exc:
        progress.clear()
        return _refuse(_("%(path)s：%(error)s；未恢复任何数据") % {"path": path, "error": exc})
    except (restore.NotEmpty, RestoreError, OSError) as exc:
        progress.clear()
        return _refuse(str(exc))
    progress.clear()
    done = "已核对" if args.check else "已恢复"
    print(f"{done} {path}（创建于 {manifest['created_at']}，Baomi {manifest['baomi_version']}）")
    for check in checks:
        print(f"  {'OK  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
        for problem in check.problems[:50]:
            print(f"       {problem}")
    if not args.check and not (conf.data_dir() / "audit_signing_key").exists():
        print(_("注意：审计签名私钥 audit_signing_key 不在数据目录中：启动服务前请从离线副本恢复它，"
                "否则新的检查点将由新密钥签名，与恢复的公钥不符"), file=sys.stderr)
    failed = [c for c in checks if not c.ok]
    if failed:
        print(_("校验失败：%(n)d 项") % {"n": len(failed)}, file=sys.stderr)
    else:
        print(_("校验通过"))
    return 1 if failed else 0
