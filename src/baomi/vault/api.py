"""Electronic content over the API. Thin handlers: parse, call one service or selector,
serialise. Content of a carrier the caller may not see answers 404; downloads are always
the watermarked PDF."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Router, Status
from ninja import Schema as NinjaSchema
from ninja.files import UploadedFile

from baomi.accounts.models import User
from baomi.carriers import selectors as carriers
from baomi.vault import selectors, services
from baomi.vault.models import ContentFile

router = Router(tags=["vault"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class ContentOut(NinjaSchema):
    id: int
    carrier_id: int
    version: int
    level: int
    filename: str
    content_type: str
    size: int
    sha256: str
    algorithm: str
    uploaded_by_id: int
    uploaded_at: datetime.datetime
    scan_status: str
    mark_level: int | None
    fingerprinted: bool

    @staticmethod
    def resolve_fingerprinted(obj: ContentFile) -> bool:
        return bool(obj.fingerprint)


@router.post("/carriers/{carrier_id}/files", response={201: ContentOut},
             summary="上传电子载体内容（multipart，字段 file；重新上传即新版本）")
def content_upload(request: HttpRequest, carrier_id: int, file: File[UploadedFile]) -> object:
    actor = _actor(request)
    carrier = carriers.carrier_for(actor, carrier_id)
    # At most one byte past the limit is read: the service refuses the rest unread.
    data = file.read(services.max_upload_bytes() + 1)
    content = services.content_upload(actor=actor, carrier=carrier, data=data, filename=file.name or "",
                                      content_type=file.content_type or "")
    return Status(201, content)


@router.get("/carriers/{carrier_id}/files", response=list[ContentOut], summary="电子载体内容的各版本")
def content_list(request: HttpRequest, carrier_id: int) -> list[ContentFile]:
    actor = _actor(request)
    return list(selectors.versions_of(actor, carriers.carrier_for(actor, carrier_id)))


@router.get("/files/{content_id}/download", summary="下载（每页加盖阅读人水印的 PDF）")
def content_download(request: HttpRequest, content_id: int, copy_id: int | None = None,
                     inline: bool = False) -> HttpResponse:
    download = services.content_download(actor=_actor(request), content_id=content_id, copy_id=copy_id,
                                         inline=inline)
    response = HttpResponse(download.data, content_type=download.content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, download.filename) or ""
    response["Cache-Control"] = "no-store"
    return response
