"""`baomi backup` / `baomi restore` end to end, each step a separate process, on the database
the suite runs on (SQLite, or PostgreSQL when DATABASE_URL points there)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.backup.conftest import Instance, install_master_key, target_tables


def _backup(source: Instance, archive: Path, key: str, *extra: str, **env: str) -> None:
    done = source.run("backup", str(archive), *extra, **({"BAOMI_BACKUP_KEY": key} if key else {}), **env)
    assert done.returncode == 0, done.stderr
    assert archive.exists()


def test_round_trip(source: Instance, target: Instance, backup_key: str, tmp_path: Path) -> None:
    archive = tmp_path / "baomi.bak"
    _backup(source, archive, backup_key)
    assert b"baomi.vault" not in archive.read_bytes() and "规划科".encode() not in archive.read_bytes()

    checked = source.run("backup", "--verify", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert checked.returncode == 0, checked.stderr
    assert "2 个电子内容对象" in checked.stdout

    install_master_key(source, target)
    done = target.run("restore", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK   行数" in done.stdout
    assert re.search(r"OK   审计链: \d+ 条事件，[1-9]\d* 个签名检查点", done.stdout)
    assert "OK   电子内容: 2 个对象解密成功" in done.stdout
    assert target.blobs() == source.blobs() and len(source.blobs()) == 2

    # The restored instance stands on its own: the audit command and a re-check agree.
    audit = target.run("audit", "verify")
    assert audit.returncode == 0, audit.stderr
    again = target.run("restore", "--check", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert again.returncode == 0, again.stdout + again.stderr

    # The same counts as the source, independently of the manifest.
    assert _counts(target) == _counts(source)


def test_round_trip_into_a_migrated_empty_instance(source: Instance, target: Instance, backup_key: str,
                                                  tmp_path: Path) -> None:
    """An operator who ran `baomi migrate` on the new machine first: its tables are empty (the
    rows migrate writes on its own aside), so the restore goes ahead and replaces them."""
    archive = tmp_path / "baomi.bak"
    _backup(source, archive, backup_key)
    migrated = target.run("migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert len(target_tables(target)) > 100
    install_master_key(source, target)
    done = target.run("restore", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "校验通过" in done.stdout and "OK   电子内容: 2 个对象解密成功" in done.stdout
    assert _counts(target) == _counts(source)
    assert target.run("audit", "verify").returncode == 0


def _counts(instance: Instance) -> dict[str, int]:
    import subprocess
    import sys

    code = ("import django, json; django.setup(); from django.db import connection; "
            "from baomi.backup import db; c = connection.cursor(); print(json.dumps(db.count_rows(c, db.engine())))")
    done = subprocess.run([sys.executable, "-c", code], env=instance.env(), capture_output=True, text=True,
                          check=True, timeout=120)
    return dict(json.loads(done.stdout))


def test_wrong_key_refused(source: Instance, target: Instance, backup_key: str, tmp_path: Path) -> None:
    archive = tmp_path / "baomi.bak"
    _backup(source, archive, backup_key)
    install_master_key(source, target)
    other = "A" * 43 + "="
    done = target.run("restore", str(archive), BAOMI_BACKUP_KEY=other)
    assert done.returncode == 2
    assert "备份密钥或口令错误" in done.stderr and "未恢复任何数据" in done.stderr
    assert not target_tables(target) and not target.blobs()


def test_passphrase(source: Instance, backup_key: str, tmp_path: Path) -> None:
    archive = tmp_path / "baomi.bak"
    phrase = {"BAK_PHRASE": "守口如瓶 keep it 2026"}
    _backup(source, archive, "", "--passphrase-env", "BAK_PHRASE", **phrase)
    ok = source.run("backup", "--verify", str(archive), "--passphrase-env", "BAK_PHRASE", **phrase)
    assert ok.returncode == 0, ok.stderr
    wrong = source.run("backup", "--verify", str(archive), "--passphrase-env", "BAK_PHRASE",
                       BAK_PHRASE="守口如瓶 keep it 2025")
    assert wrong.returncode == 2 and "备份密钥或口令错误" in wrong.stderr
    keyed = source.run("backup", "--verify", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert keyed.returncode == 2 and "该归档以口令加密" in keyed.stderr


def test_master_key_is_not_a_backup_key(source: Instance, tmp_path: Path) -> None:
    master = (source.data / "master.key").read_text().strip()
    done = source.run("backup", str(tmp_path / "x.bak"), BAOMI_BACKUP_KEY=master)
    assert done.returncode == 2 and "不得与保密柜主密钥相同" in done.stderr
    assert not (tmp_path / "x.bak").exists()


@pytest.mark.parametrize("where", ["middle", "end"])
def test_tampered_archive_refused(source: Instance, target: Instance, backup_key: str, tmp_path: Path,
                                  where: str) -> None:
    archive = tmp_path / "baomi.bak"
    _backup(source, archive, backup_key)
    data = bytearray(archive.read_bytes())
    if where == "middle":
        data[len(data) // 2] ^= 0x20
    else:
        del data[-40:]  # truncated: the manifest's chunk is gone
    archive.write_bytes(bytes(data))
    checked = source.run("backup", "--verify", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert checked.returncode == 2 and ("已被改动" in checked.stderr or "归档被截断" in checked.stderr)
    install_master_key(source, target)
    done = target.run("restore", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "未恢复任何数据" in done.stderr
    assert not target_tables(target) and not target.blobs()


def test_restore_into_non_empty_refused(source: Instance, target: Instance, backup_key: str,
                                        tmp_path: Path) -> None:
    archive = tmp_path / "baomi.bak"
    _backup(source, archive, backup_key)
    before = source.blobs()
    done = source.run("restore", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert done.returncode == 2 and "目标数据库中已有 Baomi 数据" in done.stderr
    assert source.blobs() == before

    # An empty database but a blob store that is not: refused as well.
    stray = target.data / "blobs" / "ab" / ("ab" + "0" * 30)
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    done = target.run("restore", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert done.returncode == 2 and "目标密文存储中已有 1 个对象" in done.stderr
    assert not target_tables(target)


def test_missing_blob_detected(source: Instance, target: Instance, backup_key: str, tmp_path: Path) -> None:
    lost = sorted(source.blobs())[0]
    next((source.data / "blobs").rglob(lost)).unlink()
    archive = tmp_path / "baomi.bak"
    refused = source.run("backup", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert refused.returncode == 2 and lost in refused.stderr and not archive.exists()

    written = source.run("backup", str(archive), "--allow-missing", BAOMI_BACKUP_KEY=backup_key)
    assert written.returncode == 1 and archive.exists()
    install_master_key(source, target)
    done = target.run("restore", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert done.returncode == 1
    assert "FAIL 电子内容" in done.stdout and lost in done.stdout
    assert "OK   行数" in done.stdout


def test_restore_without_master_key_fails_verification(source: Instance, target: Instance, backup_key: str,
                                                        tmp_path: Path) -> None:
    archive = tmp_path / "baomi.bak"
    _backup(source, archive, backup_key)
    done = target.run("restore", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert done.returncode == 1 and "未安装保密柜主密钥" in done.stdout
    assert not (target.data / "master.key").exists()  # none generated behind the operator's back
    install_master_key(source, target)
    again = target.run("restore", "--check", str(archive), BAOMI_BACKUP_KEY=backup_key)
    assert again.returncode == 0, again.stdout + again.stderr
