"""Content checks and the rules bundle over the API. Thin handlers: parse, call one service
or selector, serialise. A check the caller may not see answers 404."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import ValidationError as PydanticError

from baomi.accounts.models import User
from baomi.errors import Invalid
from baomi.review import selectors, services
from baomi.review.models import ContentCheck, Purpose

router = Router(tags=["review"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


class CheckIn(Schema):
    text: str | None = None
    filename: str = ""
    purpose: str = Purpose.OTHER
    declared_level: int | str | None = None
    decision_id: int | None = None


class CheckOut(Schema):
    id: int
    code: str
    actor_id: int
    created_at: datetime.datetime
    purpose: str
    filename: str
    size: int
    sha256: str
    declared_level: int | None
    level: int | None
    result: str
    reason: str
    status: str
    finding_count: int
    findings: list[dict[str, Any]]
    decision_id: int | None
    title: str
    publication_status: str
    approval_id: int | None


class PublicationIn(Schema):
    title: str


_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}, "purpose": {"type": "string"},
                "declared_level": {"type": "string"}, "decision_id": {"type": "integer"}}, "required": ["file"]}},
            "application/json": {"schema": {"type": "object", "properties": {
                "text": {"type": "string"}, "filename": {"type": "string"}, "purpose": {"type": "string"},
                "declared_level": {"type": "string"}, "decision_id": {"type": "integer"}}, "required": ["text"]}},
        },
    },
}


@router.post("/checks", response={201: CheckOut}, summary="保密审查：上传文件（multipart）或提交文本（JSON）",
             openapi_extra=_BODY)
def check_create(request: HttpRequest) -> Any:
    data: bytes | None = None
    try:
        if request.content_type == "multipart/form-data":
            upload = request.FILES.get("file")
            if upload is None:
                raise Invalid("请上传文件")
            fields = CheckIn.model_validate({k: v for k, v in request.POST.items() if v != ""})
            # Read at most one byte past the limit: the service refuses the rest unread.
            data = upload.read(services.MAX_BYTES + 1)
            fields.filename = fields.filename or upload.name or ""
        else:
            fields = CheckIn.model_validate(json.loads(request.body or b"{}"))
    except (PydanticError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Invalid("请求参数有误") from exc
    actor = _actor(request)
    check = services.content_check(
        actor=actor, data=data, text=fields.text if data is None else None, filename=fields.filename,
        purpose=fields.purpose, declared_level=fields.declared_level,
        decision=selectors.decision_for_check(actor, fields.decision_id))
    return Status(201, check)


@router.get("/checks", response=list[CheckOut], summary="保密审查记录（本人的；保密员可见全部）")
def check_list(request: HttpRequest, mine: bool = False) -> list[ContentCheck]:
    return list(selectors.checks_visible_to(_actor(request), mine=mine)[:500])


@router.get("/checks/{check_id}", response=CheckOut, summary="保密审查记录详情")
def check_detail(request: HttpRequest, check_id: int) -> ContentCheck:
    return selectors.check_for(_actor(request), check_id)


@router.post("/checks/{check_id}/publication", response=CheckOut,
             summary="提交出版主编审核（EXT-09：宣传出版审查通过后由出版主编审核）")
def check_publication(request: HttpRequest, check_id: int, body: PublicationIn) -> ContentCheck:
    actor = _actor(request)
    return services.publication_submit(actor=actor, check=selectors.check_for(actor, check_id), title=body.title)


@router.get("/rules-bundle", summary="导出检查规则包（保密员、定密责任人）")
def rules_bundle(request: HttpRequest) -> HttpResponse:
    payload = services.rules_bundle_export(actor=_actor(request))
    response = HttpResponse(payload, content_type="application/gzip")
    response["Content-Disposition"] = 'attachment; filename="rules.bundle"'
    return response


@router.get("/rules-key.pub", summary="检查规则包的验签公钥（供 baomi scan --verify-key 使用）")
def rules_public_key(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(services.rules_public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="baomi-rules.pub"'
    return response
