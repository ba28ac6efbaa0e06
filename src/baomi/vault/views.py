"""Electronic content pages: upload (keepers) and the stamped download. Thin: parse, call one
service, respond. The list of versions is on the carrier's own page (templatetags/vault.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi.accounts.models import User
from baomi.carriers import selectors as carriers
from baomi.errors import BaomiError, Invalid
from baomi.vault import forms, services


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_POST
def upload(request: HttpRequest, carrier_id: int) -> HttpResponse:
    user = _user(request)
    carrier = carriers.carrier_for(user, carrier_id)
    form = forms.UploadForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise Invalid(_("请选择要上传的文件"))
        upload = form.cleaned_data["file"]
        content = services.content_upload(
            actor=user, carrier=carrier, data=upload.read(services.max_upload_bytes() + 1),
            filename=upload.name or "", content_type=upload.content_type or "")
        messages.success(request, _("已加密保存为第 %(version)d 版") % {"version": content.version})
    except BaomiError as exc:
        messages.error(request, exc.message)
    return redirect("carriers:detail", carrier_id=carrier.pk)


@login_required
def download(request: HttpRequest, content_id: int) -> HttpResponse:
    copy = request.GET.get("copy")
    inline = request.GET.get("inline") == "1"
    result = services.content_download(actor=_user(request), content_id=content_id,
                                       copy_id=int(copy) if copy and copy.isdigit() else None, inline=inline)
    response = HttpResponse(result.data, content_type=result.content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, result.filename) or ""
    response["Cache-Control"] = "no-store"
    return response
