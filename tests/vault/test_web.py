"""The carrier page's 电子内容 section and the /api/v1/vault endpoints over HTTP."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pypdf import PdfReader

from baomi.vault.models import ContentFile
from tests.conftest import login
from tests.vault.conftest import REPORT, details, events, pdf

pytestmark = pytest.mark.django_db

ENDPOINTS = {("post", "/api/v1/vault/carriers/{carrier_id}/files"),
             ("get", "/api/v1/vault/carriers/{carrier_id}/files"), ("get", "/api/v1/vault/files/{content_id}/download")}


def test_openapi_lists_every_vault_endpoint(client):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    found = {(method, path) for path, ops in schema["paths"].items() for method in ops
             if path.startswith("/api/v1/vault")}
    assert found == ENDPOINTS


def test_keeper_uploads_on_the_carrier_page_and_a_reader_downloads(office, work):
    keeper = login(Client(), office.wangfang)
    page = keeper.get(f"/carriers/{work.pk}/").content.decode()
    assert "电子内容" in page and 'data-testid="vault-upload"' in page
    response = keeper.post(f"/vault/carriers/{work.pk}/upload/",
                           {"file": SimpleUploadedFile("报告.pdf", pdf(["一", "二"]), "application/pdf")})
    assert response.status_code == 302
    content = ContentFile.objects.get()
    reader = login(Client(), office.zhoujing)
    page = reader.get(f"/carriers/{work.pk}/").content.decode()
    assert "报告.pdf" in page and 'data-testid="vault-upload"' not in page and 'data-testid="download"' in page
    response = reader.get(f"/vault/files/{content.pk}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 2 and all("周静" in p.extract_text() for p in pages)
    assert reader.get(f"/vault/files/{content.pk}/download/?inline=1")["Content-Disposition"].startswith("inline")
    assert len(events("vault.download")) == 1 and len(events("vault.view")) == 1


def test_page_refusals_and_hidden_content(office, work, confidential, paper):
    keeper = login(Client(), office.wangfang)
    page = keeper.get(f"/carriers/{confidential.pk}/").content.decode()
    assert 'data-testid="vault-upload"' not in page and "高于本系统密级工作秘密" in page
    assert 'data-testid="vault"' not in keeper.get(f"/carriers/{paper.pk}/").content.decode()
    response = keeper.post(f"/vault/carriers/{confidential.pk}/upload/",
                           {"file": SimpleUploadedFile("a.txt", REPORT.encode())}, follow=True)
    assert "高于本系统密级工作秘密" in response.content.decode() and not ContentFile.objects.exists()
    keeper.post(f"/vault/carriers/{work.pk}/upload/", {"file": SimpleUploadedFile("a.docx", b"PK\x03\x04" + bytes(50))})
    content = ContentFile.objects.get()
    response = login(Client(), office.zhoujing).get(f"/vault/files/{content.pk}/download/")
    assert response.status_code == 403 and "该类型文件不支持带水印下载，请联系机要员" in response.content.decode()
    outsider = login(Client(), office.zhengli)
    assert outsider.get(f"/vault/files/{content.pk}/download/").status_code == 404
    assert outsider.post(f"/vault/carriers/{work.pk}/upload/",
                         {"file": SimpleUploadedFile("b.txt", b"x")}).status_code == 404


def api(user, method: str, path: str, **kwargs):
    response = getattr(login(Client(), user), method)(f"/api/v1/vault{path}", **kwargs)
    body = json.loads(response.content) if response["Content-Type"].startswith("application/json") else response.content
    return response.status_code, body


def test_api_upload_list_download(office, work):
    status, body = api(office.wangfang, "post", f"/carriers/{work.pk}/files",
                       data={"file": SimpleUploadedFile("报告.txt", REPORT.encode("gbk"), "text/plain")})
    assert status == 201 and body["version"] == 1 and body["fingerprinted"] and body["algorithm"]
    assert "wrapped_key" not in body and "blob_name" not in body
    status, body = api(office.zhoujing, "get", f"/carriers/{work.pk}/files")
    assert status == 200 and [v["version"] for v in body] == [1]
    copy = work.copies.get()
    status, data = api(office.wangfang, "get", f"/files/{body[0]['id']}/download?copy_id={copy.pk}")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert status == 200 and "重点项目" in text and f"份号{copy.number}" in text
    assert details(events("vault.download")[0])["copy"] == copy.number


def test_api_errors_and_hidden_content(office, work, settings):
    settings.BAOMI_MAX_UPLOAD_MB = 1
    status, body = api(office.wangfang, "post", f"/carriers/{work.pk}/files",
                       data={"file": SimpleUploadedFile("big.txt", b"a" * (1024 * 1024 + 1))})
    assert status == 400 and "1 MB" in body["error"]["message"]
    status, body = api(office.zhoujing, "post", f"/carriers/{work.pk}/files",
                       data={"file": SimpleUploadedFile("a.txt", b"abc")})
    assert status == 403 and body["error"]["code"] == "refused"
    for path in (f"/carriers/{work.pk}/files",):
        assert api(office.zhengli, "get", path)[0] == 404
        assert api(office.zhengli, "post", path, data={"file": SimpleUploadedFile("a.txt", b"abc")})[0] == 404
    api(office.wangfang, "post", f"/carriers/{work.pk}/files", data={"file": SimpleUploadedFile("a.txt", b"abc")})
    content = ContentFile.objects.get()
    assert api(office.zhengli, "get", f"/files/{content.pk}/download")[0] == 404
    assert api(office.auditor, "get", f"/files/{content.pk}/download")[0] == 404
