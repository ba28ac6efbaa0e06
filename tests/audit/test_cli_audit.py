"""`baomi audit verify` and `baomi audit checkpoint`, run in-process."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from baomi import cli
from baomi.audit import keys
from baomi.audit.models import AuditEvent, Checkpoint
from baomi.audit.verify import verify
from tests.audit.conftest import append


@pytest.mark.django_db
def test_verify_intact_log_exits_zero(capsys):
    append(12)
    assert cli.main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "OK: 12 条审计事件，2 个签名检查点，审计链完整" in out


@pytest.mark.django_db
def test_verify_empty_log_exits_zero(capsys):
    assert cli.main(["audit", "verify"]) == 0
    assert "OK: 0 条审计事件" in capsys.readouterr().out


@pytest.mark.django_db
def test_verify_tampered_log_names_the_first_bad_event(capsys, tamper):
    append(12)
    AuditEvent.objects.filter(seq=7).update(summary="改过")
    AuditEvent.objects.filter(seq=9).delete()
    assert cli.main(["audit", "verify"]) != 0
    captured = capsys.readouterr()
    assert "FAILED: 第一个异常事件 #7" in captured.err
    assert "事件 #7 的内容被改动" in captured.err
    assert "OK" not in captured.out


@pytest.mark.django_db
def test_verify_truncated_log(capsys, tamper):
    append(12)
    AuditEvent.objects.filter(seq__gt=10).delete()
    assert cli.main(["audit", "verify"]) == 1
    assert "FAILED: 第一个异常事件 #11" in capsys.readouterr().err


@pytest.mark.django_db
def test_verify_with_the_operators_public_key(capsys, tmp_path):
    append(6)
    right = tmp_path / "right.pub"
    right.write_bytes(keys.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    assert cli.main(["audit", "verify", "--public-key", str(right)]) == 0
    wrong = tmp_path / "wrong.pub"
    wrong.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    assert cli.main(["audit", "verify", "--public-key", str(wrong)]) == 1
    assert "检查点 5 的签名无效" in capsys.readouterr().err


@pytest.mark.django_db
def test_checkpoint_command(capsys):
    assert cli.main(["audit", "checkpoint"]) == 0
    assert "审计日志为空，未生成检查点" in capsys.readouterr().out
    assert not Checkpoint.objects.exists()
    append(3)
    assert cli.main(["audit", "checkpoint"]) == 0
    checkpoint = Checkpoint.objects.get()
    assert checkpoint.tree_size == 3
    assert f"检查点: tree_size=3 root={checkpoint.root_hash}" in capsys.readouterr().out
    report = verify()
    assert report.ok and report.checkpoints_checked == 1


def test_unknown_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["audit", "rewrite"])
    assert exit_.value.code == 2
