"""The command's small parts: where the key comes from, and the progress line."""

from __future__ import annotations

import argparse
import base64
import io

import pytest

from baomi.backup.cli import Progress, key_source


def _args(**kw: str | None) -> argparse.Namespace:
    return argparse.Namespace(**{"key_file": None, "passphrase_env": None, **kw})


def test_key_sources(tmp_path, monkeypatch) -> None:
    key = bytes(range(32))
    monkeypatch.setenv("BAOMI_BACKUP_KEY", base64.b64encode(key).decode())
    assert key_source(_args()).key == key
    path = tmp_path / "k"
    path.write_text(base64.b64encode(bytes(32)).decode() + "\n")
    assert key_source(_args(key_file=str(path))).key == bytes(32)  # the file wins over the environment
    monkeypatch.setenv("PHRASE", "a long enough passphrase")
    assert key_source(_args(passphrase_env="PHRASE")).passphrase == "a long enough passphrase"
    monkeypatch.setenv("BAOMI_BACKUP_KEY", base64.b64encode(b"short").decode())
    with pytest.raises(ValueError, match="32 字节"):
        key_source(_args())
    monkeypatch.delenv("BAOMI_BACKUP_KEY")
    with pytest.raises(ValueError, match="没有备份密钥"):
        key_source(_args())
    monkeypatch.setenv("PHRASE", "too short")
    with pytest.raises(ValueError, match="至少 12 个字符"):
        key_source(_args(passphrase_env="PHRASE"))


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal(monkeypatch) -> None:
    clock = iter(range(100))
    monkeypatch.setattr("baomi.backup.cli.time.monotonic", lambda: float(next(clock)))
    tty = _Tty()
    progress = Progress("备份", enabled=True, stream=tty)
    progress("database", 2_000_000)
    progress("blob", 1_000_000)
    assert "1 个对象" in tty.getvalue() and "3.0 MB" in tty.getvalue()
    progress.clear()
    assert tty.getvalue().endswith("\r")
    pipe = io.StringIO()
    quiet = Progress("备份", enabled=True, stream=pipe)
    quiet("blob", 10)
    quiet.clear()
    assert pipe.getvalue() == ""
