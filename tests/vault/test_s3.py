"""The S3 backend against a real S3 endpoint: moto's server mode in a subprocess, over HTTP.

The vault's own flow (upload, versions, watermarked download, tamper detection) runs with
BAOMI_STORAGE=s3, and the raw objects are read back with a separate boto3 client to show
that only ciphertext left the application."""

from __future__ import annotations

import io
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from pypdf import PdfReader

from baomi.vault import crypto, selectors, services, storage
from baomi.vault.models import ContentFile
from tests.vault.conftest import REPORT, blobs, pdf

boto3 = pytest.importorskip("boto3", reason="the s3 extra (django-storages[s3]) is not installed")
pytest.importorskip("moto.server", reason="moto[server] is not installed")

BUCKET = "baomi-vault-test"
CREDENTIALS = {"aws_access_key_id": "baomi-test", "aws_secret_access_key": "baomi-test-secret",
               "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free port, in its own process, with the test bucket."""
    port = _free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto server did not start (exit status {server.poll()})")
                time.sleep(0.1)
        boto3.client("s3", endpoint_url=url, **CREDENTIALS).create_bucket(Bucket=BUCKET)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """BAOMI_STORAGE=s3 for this test, under a prefix of its own; returns a raw S3 client."""
    prefix = f"t-{secrets.token_hex(4)}/blobs"
    for name, value in {"BAOMI_STORAGE": "s3", "BAOMI_S3_ENDPOINT_URL": s3_endpoint, "BAOMI_S3_BUCKET": BUCKET,
                        "BAOMI_S3_ACCESS_KEY": CREDENTIALS["aws_access_key_id"],
                        "BAOMI_S3_SECRET_KEY": CREDENTIALS["aws_secret_access_key"],
                        "BAOMI_S3_REGION": CREDENTIALS["region_name"], "BAOMI_S3_PREFIX": prefix}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    client.prefix = prefix
    return client


def raw(client: Any, name: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=f"{client.prefix}/{name}")["Body"].read()


def keys(client: Any) -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=client.prefix + "/")
    return sorted(o["Key"] for o in listed.get("Contents", []))


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.django_db
def test_upload_versions_and_watermarked_download_on_s3(office, work, s3, vault_dir):
    first = services.content_upload(actor=office.wangfang, carrier=work, data=pdf(["第一稿正文"]), filename="方案.pdf")
    second = services.content_upload(actor=office.wangfang, carrier=work, data=pdf(["第二稿正文"]),
                                     filename="方案.pdf")
    assert isinstance(storage.blob_store(), storage.S3BlobStore)
    assert keys(s3) == sorted(f"{s3.prefix}/{c.blob_name}" for c in (first, second))
    assert blobs(vault_dir) == []  # nothing went to the local folder
    assert [c.version for c in selectors.versions_of(office.zhoujing, work)] == [2, 1]
    result = services.content_download(actor=office.zhoujing, content_id=first.pk)
    (text,) = pages_text(result.data)
    assert "第一稿正文" in text and "周静" in text and "份号阅" in text and result.filename.endswith("-v1.pdf")
    assert "第二稿正文" in pages_text(services.content_download(actor=office.zhoujing, content_id=second.pk).data)[0]


@pytest.mark.django_db
def test_only_ciphertext_reaches_the_object_store(office, work, s3):
    plaintext = REPORT.encode()
    content = services.content_upload(actor=office.wangfang, carrier=work, data=plaintext, filename="报告.txt")
    stored = raw(s3, content.blob_name)
    assert stored != plaintext and "重点项目".encode() not in stored and plaintext[:64] not in stored
    assert len(stored) == len(plaintext) + 16  # AES-GCM: same length plus the tag, nothing else
    # The object alone opens with nothing but the vault's keys and the record's binding.
    with pytest.raises(crypto.TamperedError):
        crypto.AesGcmProvider(os.urandom(32)).open(ciphertext=stored, nonce=bytes(content.nonce),
                                                   wrapped_key=bytes(content.wrapped_key), aad=content.aad)
    opened = crypto.provider(content.algorithm, content.key_id).open(
        ciphertext=stored, nonce=bytes(content.nonce), wrapped_key=bytes(content.wrapped_key), aad=content.aad)
    assert opened == plaintext
    assert services.open_content(ContentFile.objects.get(pk=content.pk)) == plaintext
    # The object's key is the random blob name: nothing about the carrier or the file.
    assert work.register_no not in keys(s3)[0] and "报告" not in keys(s3)[0]


@pytest.mark.django_db
def test_an_altered_or_missing_object_is_refused(office, work, s3):
    content = services.content_upload(actor=office.wangfang, carrier=work, data=REPORT.encode(), filename="a.txt")
    stored = raw(s3, content.blob_name)
    s3.put_object(Bucket=BUCKET, Key=f"{s3.prefix}/{content.blob_name}", Body=bytes([stored[0] ^ 1]) + stored[1:])
    with pytest.raises(services.Tampered):
        services.content_download(actor=office.zhoujing, content_id=content.pk)
    s3.delete_object(Bucket=BUCKET, Key=f"{s3.prefix}/{content.blob_name}")
    with pytest.raises(services.Tampered):
        services.content_download(actor=office.zhoujing, content_id=content.pk)


def test_probe_put_get_delete_and_names(s3):
    store = storage.blob_store()
    storage.probe(store)  # what a readiness check runs
    assert keys(s3) == [] and list(store.names()) == []
    one, two = storage.new_name(), storage.new_name()
    store.put(one, b"\x00cipher-1")
    store.put(two, b"\x00cipher-2")
    assert store.get(one) == b"\x00cipher-1" and store.exists(two)
    assert sorted(store.names()) == sorted([one, two])
    store.delete(one)
    store.delete(one)  # deleting what is gone is not an error
    assert not store.exists(one) and list(store.names()) == [two]
    with pytest.raises(FileNotFoundError):
        store.get(one)
    for bad in ("../x", "ABC", f"{one}/../{two}"):
        with pytest.raises(ValueError):
            store.put(bad, b"x")


def test_probe_fails_when_the_store_is_unreachable(s3, monkeypatch):
    monkeypatch.setenv("BAOMI_S3_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(Exception):  # noqa: B017 - botocore's connection error, whatever its class
        storage.probe()


def test_configuration_errors_are_clear(monkeypatch):
    monkeypatch.setenv("BAOMI_STORAGE", "s3")
    monkeypatch.delenv("BAOMI_S3_BUCKET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="BAOMI_S3_BUCKET"):
        storage.blob_store()
    monkeypatch.setenv("BAOMI_STORAGE", "ftp")
    with pytest.raises(ImproperlyConfigured, match="local or s3"):
        storage.blob_store()
    monkeypatch.setenv("BAOMI_STORAGE", "local")
    assert isinstance(storage.blob_store(), storage.LocalBlobStore)
