"""Master-key rotation: rotate, upload under the new key, rewrap in batches, retire."""

from __future__ import annotations

import base64
import io
import os
import stat

import pytest
from pypdf import PdfReader

from baomi import conf
from baomi.cli import main
from baomi.errors import Refused
from baomi.vault import crypto, keys, services
from baomi.vault.models import ContentFile
from tests.vault.conftest import details, events, pdf

pytestmark = pytest.mark.django_db


def upload(office, carrier, text: str) -> ContentFile:
    return services.content_upload(actor=office.wangfang, carrier=carrier, data=pdf([text]), filename="方案.pdf")


def readable(office, content: ContentFile, text: str) -> bool:
    data = services.content_download(actor=office.zhoujing, content_id=content.pk).data
    return text in (PdfReader(io.BytesIO(data)).pages[0].extract_text() or "")


def test_rotate_rewrap_retire_round_trip(office, work, vault_dir):
    old_content = upload(office, work, "旧主密钥下的正文")
    old_id = old_content.key_id
    assert old_id == crypto.key_id(conf.master_key())

    rotation = keys.key_rotate()
    assert rotation.old_key_id == old_id and rotation.new_key_id != old_id
    assert crypto.key_id(conf.master_key()) == rotation.new_key_id
    kept = vault_dir / "vault-keys" / f"{old_id}.key"
    for path in (kept, vault_dir / "master.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in vault_dir.iterdir() if p.name.startswith(".")) == []  # no temporary file left

    new_content = upload(office, work, "新主密钥下的正文")
    assert new_content.key_id == rotation.new_key_id
    assert readable(office, old_content, "旧主密钥下的正文") and readable(office, new_content, "新主密钥下的正文")
    assert {(r.key_id, r.objects, r.current) for r in keys.key_status()} == {
        (old_id, 1, False), (rotation.new_key_id, 1, True)}

    with pytest.raises(Refused, match="仍有 1 个电子内容"):
        keys.key_retire(key_id=old_id)
    assert kept.exists()

    blob_before = services.storage.blob_store().get(old_content.blob_name)
    wrapped_before = bytes(old_content.wrapped_key)
    result = keys.key_rewrap(batch=10)
    assert (result.rewrapped, result.batches, result.failed) == (1, 1, [])
    old_content.refresh_from_db()
    assert old_content.key_id == rotation.new_key_id and bytes(old_content.wrapped_key) != wrapped_before
    assert services.storage.blob_store().get(old_content.blob_name) == blob_before  # the blob is not rewritten
    assert keys.key_rewrap().rewrapped == 0  # nothing left: running again is harmless

    with pytest.raises(Refused, match="当前主密钥"):
        keys.key_retire(key_id=rotation.new_key_id)
    keys.key_retire(key_id=old_id)
    assert not kept.exists()
    assert readable(office, old_content, "旧主密钥下的正文") and readable(office, new_content, "新主密钥下的正文")
    assert [r.key_id for r in keys.key_status()] == [rotation.new_key_id]

    (rotate_event,) = events("vault.key_rotate")
    assert rotate_event.actor_username == "cli" and details(rotate_event)["new_key_id"] == rotation.new_key_id
    (rewrap_event,) = events("vault.key_rewrap")
    assert details(rewrap_event)["count"] == 1 and details(rewrap_event)["from_key_ids"] == {old_id: 1}
    assert work.register_no not in rewrap_event.summary and work.title not in rewrap_event.details
    assert len(events("vault.key_retire", "denied")) == 2 and len(events("vault.key_retire")) == 1


def test_rewrap_goes_in_batches_and_resumes(office, work):
    contents = [upload(office, work, f"第{n}份正文") for n in range(5)]
    keys.key_rotate()
    new_id = crypto.key_id(conf.master_key())
    seen: list[int] = []

    def interrupt(progress: keys.Rewrap) -> None:
        seen.append(progress.rewrapped)
        if progress.batches == 2:
            raise KeyboardInterrupt  # the operator stops it half way

    with pytest.raises(KeyboardInterrupt):
        keys.key_rewrap(batch=2, after_batch=interrupt)
    assert seen == [2, 4] and ContentFile.objects.filter(key_id=new_id).count() == 4  # committed batches stay
    for content in contents:  # half-done is a normal state: everything opens
        assert readable(office, content, "正文")
    result = keys.key_rewrap(batch=2)
    assert (result.rewrapped, result.batches) == (1, 1)
    assert set(ContentFile.objects.values_list("key_id", flat=True)) == {new_id}
    assert [details(e)["count"] for e in events("vault.key_rewrap")] == [2, 2, 1]


def test_a_download_during_a_rewrap_batch_works(office, work, monkeypatch):
    """The download read its row (old key id and wrapped key) before the batch committed the
    new ones; it decrypts with the old key, which stays in the keyring until retired."""
    content = upload(office, work, "下载时正在重新封装")
    old_id = content.key_id
    keys.key_rotate()
    real_open = services.open_content
    during: list[str] = []

    def open_while_rewrapping(row: ContentFile) -> bytes:
        keys.key_rewrap(batch=1)  # the batch runs between the download's read and its decryption
        during.append(ContentFile.objects.get(pk=row.pk).key_id)
        assert row.key_id == old_id
        return real_open(row)

    monkeypatch.setattr(services, "open_content", open_while_rewrapping)
    assert readable(office, content, "下载时正在重新封装")
    assert during == [crypto.key_id(conf.master_key())]
    monkeypatch.setattr(services, "open_content", real_open)
    assert readable(office, content, "下载时正在重新封装")  # and after, with the new wrapping


def test_a_missing_older_key_is_reported_not_fatal(office, work, vault_dir, capsys):
    content = upload(office, work, "正文")
    rotation = keys.key_rotate()
    (vault_dir / "vault-keys" / f"{rotation.old_key_id}.key").unlink()  # lost
    with pytest.raises(services.Tampered):
        services.content_download(actor=office.zhoujing, content_id=content.pk)
    result = keys.key_rewrap()
    assert result.rewrapped == 0 and result.failed == [content.pk]
    (event,) = events("vault.key_rewrap", "error")
    assert details(event)["failed_ids"] == [content.pk]
    assert main(["keys", "status"]) == 1
    assert "缺失" in capsys.readouterr().out


def test_a_key_file_under_the_wrong_name_is_refused(vault_dir):
    folder = vault_dir / "vault-keys"
    folder.mkdir()
    key = os.urandom(32)
    wrong = "0123456789abcdef"
    (folder / f"{wrong}.key").write_bytes(base64.b64encode(key))
    with pytest.raises(crypto.TamperedError, match="another key"):
        crypto.master_for(wrong)
    with pytest.raises(crypto.TamperedError, match="bad master key id"):
        crypto.master_for("../master")


def test_rotate_with_the_key_in_the_environment_writes_the_new_key_for_the_operator(
        office, work, vault_dir, tmp_path, monkeypatch):
    env_key = os.urandom(32)
    monkeypatch.setenv("BAOMI_MASTER_KEY", base64.b64encode(env_key).decode())
    content = upload(office, work, "环境变量主密钥")
    with pytest.raises(Refused, match="--output"):
        keys.key_rotate()
    out = tmp_path / "new.key"
    rotation = keys.key_rotate(output=out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and not (vault_dir / "master.key").exists()
    assert (vault_dir / "vault-keys" / f"{crypto.key_id(env_key)}.key").exists()
    # The operator installs the new key and restarts; the old content still opens.
    monkeypatch.setenv("BAOMI_MASTER_KEY", out.read_text().strip())
    assert crypto.key_id(conf.master_key()) == rotation.new_key_id
    assert readable(office, content, "环境变量主密钥")
    assert keys.key_rewrap().rewrapped == 1 and readable(office, content, "环境变量主密钥")
    with pytest.raises(Refused, match="不会覆盖"):
        keys.key_rotate(output=out)  # never overwrites a key file


def test_keys_command_line(office, work, vault_dir, capsys):
    upload(office, work, "命令行")
    assert main(["keys", "rotate"]) == 0
    assert main(["keys", "status"]) == 0
    out = capsys.readouterr().out
    old_id = next(line.split()[0] for line in out.splitlines() if line.endswith("可解封"))
    assert main(["keys", "retire", old_id]) == 2
    assert "keys rewrap" in capsys.readouterr().err
    assert main(["keys", "rewrap", "--batch", "5"]) == 0
    assert "完成: 1 个" in capsys.readouterr().out
    assert main(["keys", "retire", old_id]) == 0
    assert main(["keys", "retire", "nonsense"]) == 2
