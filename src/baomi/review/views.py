"""保密审查 pages. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import User
from baomi.errors import BaomiError, Refused
from baomi.review import forms, selectors, services
from baomi.review.models import ContentCheck

Perm = policy.Perm


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.admin_role:  # administrators read no business content (三员分立)
        policy.require(user, Perm.EXPORT_SCAN_RULES)
    form = forms.CheckForm(request.POST or None, request.FILES or None)
    check: ContentCheck | None = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        upload = d["file"]
        try:
            check = services.content_check(
                actor=user,
                # At most one byte past the limit is read: the service refuses the rest unread.
                data=upload.read(services.MAX_BYTES + 1) if upload else None,
                text=None if upload else d["text"],
                filename=upload.name if upload else "",
                purpose=d["purpose"], declared_level=d["declared_level"],
                decision=selectors.decision_for_check(user, d["decision_id"]))
        except Refused as exc:
            if "check" not in exc.details:
                raise
            check = selectors.check_for(user, exc.details["check"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        if check is not None:  # a fresh form: the page does not echo the content back
            form = forms.CheckForm(initial={"purpose": d["purpose"]})
    page = Paginator(selectors.checks_visible_to(user, mine=True), 50).get_page(request.GET.get("page"))
    return render(request, "review/index.html", {
        "form": form, "check": check, "page": page,
        "may_export": policy.may(user, Perm.EXPORT_SCAN_RULES),
        "max_mb": services.MAX_BYTES // services.MiB,
    })


@login_required
def detail(request: HttpRequest, check_id: int) -> HttpResponse:
    return render(request, "review/detail.html", {"check": selectors.check_for(_user(request), check_id)})


@login_required
@require_POST
def publication(request: HttpRequest, check_id: int) -> HttpResponse:
    """EXT-09: send a passed publication check to the 出版主编."""
    user = _user(request)
    check = selectors.check_for(user, check_id)
    try:
        services.publication_submit(actor=user, check=check, title=request.POST.get("title", ""))
    except BaomiError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提交出版主编审核"))
    return redirect("review:detail", check_id=check.pk)


@login_required
def rules_bundle(request: HttpRequest) -> HttpResponse:
    payload = services.rules_bundle_export(actor=_user(request))
    response = HttpResponse(payload, content_type="application/gzip")
    response["Content-Disposition"] = 'attachment; filename="rules.bundle"'
    return response


@login_required
def rules_public_key(request: HttpRequest) -> HttpResponse:
    """The public half of the key that signs rules bundles: scanning stations pin it."""
    response = HttpResponse(services.rules_public_key_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="baomi-rules.pub"'
    return response
