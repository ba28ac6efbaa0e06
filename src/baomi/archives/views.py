"""档案 pages. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import User
from baomi.archives import forms, selectors, services
from baomi.archives.models import AccessStatus, ExcerptStatus, Part
from baomi.carriers import selectors as carrier_selectors
from baomi.carriers.models import CopyStatus
from baomi.errors import BaomiError, Invalid, NotFound


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _form_error(form: Any) -> Invalid:
    return Invalid("；".join(str(e) for errs in form.errors.values() for e in errs))


def _keeper(user: User) -> bool:
    return policy.is_carrier_keeper(user) or policy.is_archive_custodian(user)


def _archived_copies(user: User) -> Any:
    return carrier_selectors.copies_visible_to(user).filter(status=CopyStatus.ARCHIVED)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.admin_role:
        raise NotFound(_("对象不存在"))
    q = request.GET.get("q", "").strip()
    keeper = _keeper(user)
    return render(request, "archives/index.html", {
        "entries": selectors.entries_visible_to(user, search=q)[:200], "q": q, "keeper": keeper,
        "requests": selectors.requests_visible_to(user)[:100], "loans": selectors.loans_visible_to(user)[:100],
        "entry_form": forms.EntryForm(carriers=selectors.archivable_carriers(user)) if keeper else None,
        "loan_form": forms.LoanForm(copies=_archived_copies(user)),
        "excerpt_mode": services.excerpt_mode(),
        "custodian_form": forms.CustodianForm() if policy.may(user, policy.Perm.DESIGNATE_ARCHIVE_CUSTODIAN) else None,
        "custodians": selectors.custodians(),
    })


@login_required
@require_POST
def entry_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.EntryForm(request.POST, carriers=selectors.archivable_carriers(user))
    try:
        if not form.is_valid():
            raise _form_error(form)
        d = form.cleaned_data
        entry = services.entry_create(actor=user, carrier=d["carrier"], category=d["category"], parts=d["parts"])
    except BaomiError as exc:
        messages.error(request, exc.message)
        return redirect("archives:index")
    messages.success(request, _("已著录 %(no)s") % {"no": entry.file_no})
    return redirect("archives:entry", entry_id=entry.pk)


@login_required
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    user = _user(request)
    entry = selectors.entry_for(user, entry_id)
    parts = selectors.parts_of(entry)
    keeper = policy.reason_may_keep_archive(user, entry) is None
    form = forms.RequestForm(request.POST or None, parts=parts, keeper=keeper)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise _form_error(form)
            d = form.cleaned_data
            chosen = [selectors.part_for(user, int(pk)) for pk in d["parts"]]
            access = services.access_request_submit(
                actor=user, parts=chosen, purpose=d["purpose"], minutes=d["minutes"], outside=d.get("outside", False),
                visitor_name=d.get("visitor_name", ""), visitor_unit=d.get("visitor_unit", ""),
                letter_no=d.get("letter_no", ""), visitor_clearance=d.get("visitor_clearance"))
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("查档申请 %(no)s 已提交审批") % {"no": access.number})
            return redirect("archives:request", request_id=access.pk)
    return render(request, "archives/entry.html", {"entry": entry, "parts": parts, "form": form, "keeper": keeper})


@login_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    user = _user(request)
    access = selectors.request_for(user, request_id)
    session = selectors.session_of(access)
    entries = {item.part.entry for item in selectors.items_of(access)}
    keeper = bool(entries) and all(policy.reason_may_keep_archive(user, e) is None for e in entries)
    reading = session is not None and session.closed_at is None
    return render(request, "archives/request.html", {
        "access": access, "session": session, "keeper": keeper, "reading": reading,
        # ARCH-03: the reading record shows only the approved parts.
        "items": selectors.items_of(access, approved_only=access.status != AccessStatus.PENDING),
        "excerpts": selectors.excerpts_of(session) if session else [],
        "session_form": forms.SessionForm(initial={"room": services.archive_rooms()[0]})
        if keeper and access.status == AccessStatus.APPROVED else None,
        "widen_form": forms.WidenForm() if keeper and access.status in (AccessStatus.APPROVED, AccessStatus.READING)
        else None,
        "excerpts_allowed": services.excerpt_mode() == services.EXCERPTS_APPROVAL,
        "pending": ExcerptStatus.PENDING,
    })


@login_required
@require_POST
def request_action(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    """One POST endpoint per action; each maps to exactly one service."""
    user = _user(request)
    access = selectors.request_for(user, request_id)
    session = selectors.session_of(access)
    try:
        if action == "open":
            form = forms.SessionForm(request.POST)
            if not form.is_valid():
                raise _form_error(form)
            services.session_open(actor=user, access=access, room=form.cleaned_data["room"],
                                  note=form.cleaned_data["note"])
            messages.success(request, _("已在档案室开启查阅"))
        elif action in ("close", "view", "excerpt") and session is None:
            raise Invalid(_("尚未开启查阅"))
        elif action == "close" and session is not None:
            services.session_close(actor=user, session=session, note=request.POST.get("note", ""))
            messages.success(request, _("查阅结束，案卷已收回"))
        elif action == "view" and session is not None:
            raw = request.POST.get("part", "")
            part = Part(pk=int(raw)) if raw.isascii() and raw.isdigit() else Part(pk=0)
            item = services.session_view_part(actor=user, session=session, part=part)
            messages.success(request, _("已登记查阅：第 %(n)s 件") % {"n": item.part.seq})
        elif action == "excerpt" and session is not None:
            eform = forms.ExcerptForm(request.POST)
            if not eform.is_valid():
                raise _form_error(eform)
            d = eform.cleaned_data
            services.excerpt_record(actor=user, session=session, part=Part(pk=d["part"]),
                                    description=d["description"], pages=d["pages"])
            messages.success(request, _("摘抄已登记，待审核盖章"))
        elif action in ("stamp", "reject"):
            raw = request.POST.get("excerpt", "")
            excerpt = selectors.excerpt_for(user, int(raw) if raw.isascii() and raw.isdigit() else 0)
            services.excerpt_review(actor=user, excerpt=excerpt, approve=action == "stamp",
                                    note=request.POST.get("note", ""))
            messages.success(request, _("已审核"))
        elif action == "widen":
            wform = forms.WidenForm(request.POST)
            if not wform.is_valid():
                raise _form_error(wform)
            approval = services.access_widen_request(
                actor=user, access=access, people=list(wform.cleaned_data["people"]),
                reason=wform.cleaned_data["reason"])
            messages.success(request, _("扩大利用范围申请已提交审批"))
            return redirect("approvals:detail", request_id=approval.pk)
        else:
            raise Invalid(_("未知操作"))
    except BaomiError as exc:
        messages.error(request, exc.message)
    return redirect("archives:request", request_id=access.pk)


@login_required
@require_POST
def loan_request(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.LoanForm(request.POST, copies=_archived_copies(user))
    try:
        if not form.is_valid():
            raise _form_error(form)
        d = form.cleaned_data
        approval = services.loan_request(actor=user, copy=d["copy"], due_on=d["due_on"], reason=d["reason"])
    except BaomiError as exc:
        messages.error(request, exc.message)
        return redirect("archives:index")
    messages.success(request, _("案卷外借申请已提交审批"))
    return redirect("approvals:detail", request_id=approval.pk)


@login_required
@require_POST
def loan_return(request: HttpRequest, loan_id: int) -> HttpResponse:
    user = _user(request)
    try:
        services.loan_return(actor=user, loan=selectors.loan_for(user, loan_id), note=request.POST.get("note", ""))
    except BaomiError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已归还档案室"))
    return redirect("archives:index")


@login_required
@require_POST
def custodian_designate(request: HttpRequest) -> HttpResponse:
    """ARCH-08: the 保密办 records the written designation of a 人事档案专人."""
    user = _user(request)
    form = forms.CustodianForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        services.custodian_designate(actor=user, person=form.cleaned_data["person"], basis=form.cleaned_data["basis"])
    except BaomiError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已指定人事档案专人"))
    return redirect("archives:index")
