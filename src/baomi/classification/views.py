"""定密 pages. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import marking, policy
from baomi.accounts.models import Role, User
from baomi.classification import excel, forms, selectors, services
from baomi.classification.models import (
    CATEGORY_HINTS,
    Authority,
    ChangeKind,
    DecisionStatus,
    SecretType,
    WorkSecretCategory,
)
from baomi.errors import BaomiError, Invalid, Refused
from baomi.levels import Level

Perm = policy.Perm


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _business(request: HttpRequest) -> User:
    """The 定密 registers are for business users: the three administrators are refused."""
    user = _user(request)
    if not policy.reads_classification_registers(user):
        raise Refused(_("三员分立：您的角色无权执行此操作"))
    return user


def _errors(form: Any) -> str:
    return "；".join(str(e) for errs in form.errors.values() for e in errs)


# ---------------------------------------------------------------- decisions


@login_required
def decisions(request: HttpRequest) -> HttpResponse:
    user = _business(request)
    status = request.GET.get("status", "")
    secret_type = request.GET.get("type", "")
    q = request.GET.get("q", "").strip()
    qs = selectors.decisions_visible_to(user, status=status if status in DecisionStatus.values else "",
                                        secret_type=secret_type if secret_type in SecretType.values else "", search=q)
    return render(request, "classification/decisions.html", {
        "decisions": qs[:500], "statuses": DecisionStatus.choices, "types": SecretType.choices,
        "status": status, "type": secret_type, "q": q, "proposals": selectors.proposals_for(user),
        "is_authority": policy.active_authority(user) is not None,
        "outstanding_notices": selectors.notices_for(user, outstanding=True).count(),
    })


@login_required
def decision_new(request: HttpRequest) -> HttpResponse:
    """The guided 定密 form: (1) pick a guide entry, a work-secret reference, or 先行拟定;
    (2) the proposal from it, to adjust; (3) confirm; then the mark, shown large."""
    user = _business(request)
    authority = policy.active_authority(user)
    people = selectors.people_for_need_to_know(user)
    authorities = None if authority else selectors.authorities_visible_to(user, include_revoked=False)
    source = request.POST if request.method == "POST" else request.GET
    entry = reference = None
    if source.get("guide_entry"):
        entry = selectors.guide_entry_for(user, _int(source["guide_entry"]))
    if source.get("work_reference"):
        reference = selectors.reference_for(user, _int(source["work_reference"]))
    kind = source.get("secret_type") or ("work" if reference else "state" if entry or source.get("provisional")
                                         else "")
    if not kind:  # step 1
        q = request.GET.get("q", "").strip()
        return render(request, "classification/new_pick.html", {
            "entries": selectors.guide_entries_visible_to(user, search=q), "q": q,
            "references": selectors.references_visible_to(user, active_only=True),
            "hints": {str(k): v for k, v in CATEGORY_HINTS.items()}, "categories": WorkSecretCategory.choices,
            "is_authority": authority is not None,
        })
    initial = {"secret_type": kind, "guide_entry": entry.pk if entry else None,
               "work_reference": reference.pk if reference else None,
               "provisional": bool(source.get("provisional")), "unit": user.unit_id, "proposer": user.pk}
    if entry is not None:
        initial.update(level=entry.level, period=entry.period.zh)
    elif reference is not None:
        initial.update(period=reference.period.zh, mark_label=reference.mark_label)
    form = forms.DecisionForm(request.POST or None, initial=initial, people=people, authorities=authorities)
    context: dict[str, Any] = {"form": form, "entry": entry, "reference": reference, "kind": kind,
                               "kind_label": SecretType(kind).label if kind in SecretType.values else kind,
                               "is_authority": authority is not None, "authority": authority}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if request.POST.get("stage") != "confirm":
            context["preview"] = _preview_mark(d, entry, reference)
            context["confirming"] = True
            return render(request, "classification/new_form.html", context)
        try:
            decision = _save(user, authority, d, form, entry, reference)
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            if decision.status == DecisionStatus.PROPOSED:
                messages.success(request, _("定密建议已报送定密责任人审核"))
            else:
                messages.success(request, _("已定密，请按下方标志标注"))
            return redirect("classification:decision", decision_id=decision.pk)
    return render(request, "classification/new_form.html", context)


def _int(raw: str) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() else 0  # bad input: not found


def _preview_mark(d: dict[str, Any], entry: Any, reference: Any) -> str:
    if d["secret_type"] == SecretType.STATE:
        level = Level(d["level"] or (entry.level if entry else Level.CONFIDENTIAL))
        period = d["period"] if d["period"] is not None else (entry.period if entry else None)
        return marking.format_marking(level, period) if level.is_state_secret else "—"
    if d["secret_type"] == SecretType.WORK:
        return d["mark_label"] or (reference.mark_label if reference else "内部事项 注意保管")
    return str(d["mark_label"] or SecretType(d["secret_type"]).label)


def _save(user: User, authority: Any, d: dict[str, Any], form: Any, entry: Any, reference: Any) -> Any:
    common = dict(
        title=d["title"], secret_type=d["secret_type"], need_to_know=form.need_to_know(),
        level=Level(d["level"]) if d["level"] else None, period=d["period"], unit=d["unit"], guide_entry=entry,
        work_reference=reference, reasons=d["reasons"], provisional=d["provisional"],
        commercial_kind=d["commercial_kind"] or "", commercial_scope=d["commercial_scope"] or "",
        mark_label=d["mark_label"] or "",
    )
    if authority is not None:
        return services.decision_create(actor=user, proposer=d["proposer"] or user, **common)
    target = Authority.objects.filter(pk=d["authority"] or 0, revoked_at__isnull=True).first()
    if target is None:
        raise Invalid(_("请选择报送审核的定密责任人"))
    return services.decision_propose(actor=user, authority=target, **common)


@login_required
def decision(request: HttpRequest, decision_id: int) -> HttpResponse:
    user = _business(request)
    found = selectors.decision_for(user, decision_id)
    authority = policy.active_authority(user)
    may_confirm = found.status == DecisionStatus.PROPOSED and authority is not None and \
        authority.pk == found.authority_id
    return render(request, "classification/decision.html", {
        "d": found, "ntk": selectors.need_to_know_of(found), "changes": selectors.changes_of(user, found),
        "outstanding": selectors.outstanding_acknowledgements(user, found),
        "sources": found.sources.filter(policy.decisions_visible_to(user)),
        "linked_carrier": selectors.carrier_of(user, found),
        "change_form": forms.ChangeForm() if found.in_force else None,
        "report_form": forms.ReportForm() if found.provisional and found.in_force and not found.reported_on and (
            policy.reason_may_decide_change(user, found, None) is None) else None,
        "confirm_form": forms.DecisionForm(initial={"level": found.level, "period": found.period.zh})
        if may_confirm else None,
        "reject_form": forms.RejectForm() if may_confirm else None,
        "kinds": ChangeKind.choices, "role_labels": {str(k): str(v) for k, v in Role.choices},
    })


@login_required
@require_POST
def decision_action(request: HttpRequest, decision_id: int, action: str) -> HttpResponse:
    """One POST endpoint per decision action; each maps to exactly one service."""
    user = _business(request)
    found = selectors.decision_for(user, decision_id)
    try:
        if action == "change":
            form = forms.ChangeForm(request.POST)
            if not form.is_valid():
                raise Invalid(_errors(form))
            d = form.cleaned_data
            change = services.change_request(
                actor=user, decision=found, kind=d["kind"], justification=d["justification"],
                new_level=Level(d["new_level"]) if d["new_level"] else None, new_period=d["new_period"])
            messages.success(request, _("变更申请已提交审批（#%(n)s）") % {"n": change.approval_id})
        elif action == "report":
            rform = forms.ReportForm(request.POST)
            if not rform.is_valid():
                raise Invalid(_errors(rform))
            services.decision_report_provisional(actor=user, decision=found, reference=rform.cleaned_data["reference"],
                                                 reported_on=rform.cleaned_data["reported_on"])
            messages.success(request, _("已登记报送"))
        elif action == "confirm":
            level = _int(request.POST.get("level", ""))
            period = forms.PeriodField(required=False).clean(request.POST.get("period", ""))
            services.decision_confirm(actor=user, decision=found, level=Level(level) if level else None,
                                      period=period)
            messages.success(request, _("已审核批准，请按下方标志标注"))
        elif action == "reject":
            jform = forms.RejectForm(request.POST)
            if not jform.is_valid():
                raise Invalid(_errors(jform))
            services.decision_reject(actor=user, decision=found, comment=jform.cleaned_data["comment"])
            messages.success(request, _("已退回"))
        else:
            raise Invalid(_("未知操作"))
    except BaomiError as exc:
        messages.error(request, exc.message)
    except Exception as exc:  # a form field's ValidationError
        from django.core.exceptions import ValidationError

        if not isinstance(exc, ValidationError):
            raise
        messages.error(request, "；".join(exc.messages))
    return redirect("classification:decision", decision_id=found.pk)


@login_required
def derive(request: HttpRequest) -> HttpResponse:
    user = _business(request)
    sources = selectors.decisions_visible_to(user, status=DecisionStatus.IN_FORCE)
    form = forms.DeriveForm(request.POST or None, sources=sources, people=selectors.people_for_need_to_know(user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            derived = services.decision_derive(actor=user, sources=list(d["sources"]), title=d["title"],
                                               need_to_know=form.need_to_know(), unit=d["unit"], reasons=d["reasons"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已派生定密，请按下方标志标注"))
            return redirect("classification:decision", decision_id=derived.pk)
    return render(request, "classification/derive.html", {"form": form})


# ---------------------------------------------------------------- notices, review, reports


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    user = _business(request)
    if request.method == "POST":
        notice = selectors.notice_for(user, _int(request.POST.get("notice", "")))
        try:
            services.notice_acknowledge(actor=user, notice=notice)
        except BaomiError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已确认"))
        return redirect("classification:notices")
    mine = list(selectors.notices_for(user)[:300])
    visible = set(selectors.decisions_visible_to(user).filter(pk__in={n.decision_id for n in mine})
                  .values_list("pk", flat=True))
    return render(request, "classification/notices.html", {"notices": mine, "visible": visible})


@login_required
def review(request: HttpRequest) -> HttpResponse:
    user = _business(request)
    year = services.today().year
    queue = selectors.review_queue(user, year)
    form = forms.ReviewForm(request.POST or None, queue=queue)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            done = services.review_record(
                actor=user, decisions=list(d["decisions"]), year=year, outcome=d["outcome"], note=d["note"],
                change_kind=d["change_kind"] or None, new_level=Level(d["new_level"]) if d["new_level"] else None,
                new_period=d["new_period"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已复审 %(n)s 项") % {"n": len(done)})
            return redirect("classification:review")
    return render(request, "classification/review.html", {
        "form": form, "year": year, "queue": queue, "due": selectors.due_for_review(user, services.today()),
        "is_authority": policy.active_authority(user) is not None,
    })


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    user = _business(request)
    policy.require(user, Perm.CLASSIFICATION_REPORTS)
    return render(request, "classification/reports.html", {
        "counts": selectors.counts(user), "due": selectors.due_for_review(user, services.today()),
    })


@login_required
def report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    user = _business(request)
    policy.require(user, Perm.CLASSIFICATION_REPORTS)
    from baomi.classification.reports import state_secret_list_export

    content, content_type = state_secret_list_export(actor=user, fmt=fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="state-secrets-{services.today().isoformat()}.{fmt}"'
    return response


# ---------------------------------------------------------------- authorities


@login_required
def authorities(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    listed = selectors.authorities_visible_to(user)
    if not listed.exists() and not policy.may(user, Perm.DESIGNATE_AUTHORITY):
        _business(request)
    form = forms.AuthorityForm(request.POST or None) if policy.may(user, Perm.DESIGNATE_AUTHORITY) else None
    if request.method == "POST" and form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            services.authority_designate(
                actor=user, person=d["person"], max_level=Level(d["max_level"]), unit=d["unit"],
                unit_head=d["unit_head"], scope_codes=form.codes(), scope_text=d["scope_text"],
                basis_number=d["basis_number"], basis_date=d["basis_date"], designated_by=d["designated_by"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已记录定密责任人指定"))
            return redirect("classification:authorities")
    return render(request, "classification/authorities.html", {
        "authorities": listed, "form": form, "revoke_form": forms.RevokeForm() if form is not None else None,
    })


@login_required
@require_POST
def authority_revoke(request: HttpRequest, authority_id: int) -> HttpResponse:
    user = _user(request)
    authority = selectors.authority_for(user, authority_id)
    form = forms.RevokeForm(request.POST)
    try:
        services.authority_revoke(actor=user, authority=authority,
                                  reason=form.cleaned_data["reason"] if form.is_valid() else "")
    except BaomiError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤销"))
    return redirect("classification:authorities")


# ---------------------------------------------------------------- the guide and the reference list


@login_required
def guide(request: HttpRequest) -> HttpResponse:
    user = _business(request)
    current = selectors.current_guide(user)
    manage = policy.may(user, Perm.MANAGE_GUIDE)
    entry_form = forms.EntryForm(request.POST or None) if manage and current else None
    if request.method == "POST" and entry_form is not None and entry_form.is_valid():
        d = entry_form.cleaned_data
        try:
            services.guide_entry_create(actor=user, guide=current, data=_entry_data(d))  # type: ignore[arg-type]
        except BaomiError as exc:
            entry_form.add_error(None, exc.message)
        else:
            messages.success(request, _("已新增保密事项"))
            return redirect("classification:guide")
    q = request.GET.get("q", "").strip()
    return render(request, "classification/guide.html", {
        "guide": current, "entries": selectors.guide_entries_visible_to(user, search=q), "q": q,
        "entry_form": entry_form, "guide_form": forms.GuideForm() if manage else None,
        "import_form": forms.ImportForm() if manage else None,
        "versions": selectors.guides_visible_to(user),
    })


def _entry_data(d: dict[str, Any]) -> services.EntryData:
    from baomi.periods import Period

    return services.EntryData(
        code=d["code"], title=d["title"], level=Level(d["level"]), period=d["period"] or Period.not_stated(),
        parent_code=d.get("parent_code", "") or "", need_to_know_hint=d["need_to_know_hint"], keywords=d["keywords"],
        legal_basis=d["legal_basis"])


@login_required
@require_POST
def guide_new_version(request: HttpRequest) -> HttpResponse:
    user = _business(request)
    form = forms.GuideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _errors(form))
    else:
        d = form.cleaned_data
        services.guide_create(actor=user, title=d["title"], document_no=d["document_no"], issued_on=d["issued_on"])
        messages.success(request, _("已发布新版本（沿用现行条目）"))
    return redirect("classification:guide")


@login_required
def guide_entry(request: HttpRequest, entry_id: int) -> HttpResponse:
    user = _business(request)
    entry = selectors.guide_entry_for(user, entry_id)
    manage = policy.may(user, Perm.MANAGE_GUIDE)
    initial = {"code": entry.code, "title": entry.title, "level": entry.level, "period": entry.period.zh,
               "need_to_know_hint": entry.need_to_know_hint, "keywords": entry.keywords,
               "legal_basis": entry.legal_basis, "parent_code": entry.parent.code if entry.parent else ""}
    form = forms.EntryForm(request.POST or None, initial=initial) if manage else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.guide_entry_update(actor=user, entry=entry, data=_entry_data(form.cleaned_data))
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已保存；引用该事项的定密决定不会自动改变，请逐项复核"))
            return redirect("classification:guide_entry", entry_id=entry.pk)
    return render(request, "classification/guide_entry.html", {
        "entry": entry, "form": form, "citing": selectors.decisions_citing(user, entry),
    })


@login_required
def guide_import(request: HttpRequest) -> HttpResponse:
    user = _business(request)
    policy.require(user, Perm.MANAGE_GUIDE)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    problems: list[dict[str, Any]] = []
    checked = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rows = excel.parse_guide(d["file"].read())
            created = services.guide_import(actor=user, rows=rows, title=d["title"], document_no=d["document_no"],
                                            issued_on=d["issued_on"], dry_run=d["dry_run"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
            problems = exc.details.get("rows", [])
        else:
            if created is None:
                checked = len(rows)
            else:
                messages.success(request, _("已导入第 %(v)s 版，共 %(n)s 项") % {"v": created.version, "n": len(rows)})
                return redirect("classification:guide")
    return render(request, "classification/guide_import.html", {"form": form, "problems": problems,
                                                                 "checked": checked})


@login_required
def guide_export(request: HttpRequest) -> HttpResponse:
    user = _business(request)
    response = HttpResponse(excel.export_guide(selectors.guide_entries_visible_to(user)),
                            content_type=excel.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="classification-guide.xlsx"'
    return response


@login_required
def references(request: HttpRequest) -> HttpResponse:
    user = _business(request)
    form = forms.ReferenceForm(request.POST or None) if policy.may(user, Perm.MANAGE_GUIDE) else None
    if request.method == "POST" and form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            services.reference_create(actor=user, category=d["category"], code=d["code"], title=d["title"],
                                      period=d["period"], mark_label=d["mark_label"] or "")
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已新增"))
            return redirect("classification:references")
    listed = selectors.references_visible_to(user)
    groups = [(label, CATEGORY_HINTS[value], [r for r in listed if r.category == value])
              for value, label in WorkSecretCategory.choices]
    return render(request, "classification/references.html", {"groups": groups, "form": form})
