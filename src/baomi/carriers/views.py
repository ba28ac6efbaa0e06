"""涉密载体 pages. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import User
from baomi.carriers import forms, selectors, services
from baomi.carriers.models import (
    OUT_STATUSES,
    SHELVED_STATUSES,
    CopyStatus,
    DestructionStatus,
    Direction,
    StorageClass,
)
from baomi.classification import selectors as classification_selectors
from baomi.core.paging import page_number, slice_page
from baomi.core.statecache import per_state
from baomi.errors import BaomiError, Invalid
from baomi.levels import Level

Perm = policy.Perm


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _form_error(form: Any) -> Invalid:
    return Invalid("；".join(str(e) for errs in form.errors.values() for e in errs))


def _list_filters(request: HttpRequest) -> tuple[str, int | None, str]:
    """The list's search, level and direction, as the list and its count both read them."""
    raw_level = request.GET.get("level", "")
    direction = request.GET.get("direction", "")
    return (request.GET.get("q", "").strip(),
            int(raw_level) if raw_level.isascii() and raw_level.isdigit() else None,
            direction if direction in Direction.values else "")


_PK_SLOT = "987654321"


def _carrier_rows(page: Any) -> list[tuple[str, str, str, str, str, str, int, str]]:
    """The list's cells, worked out here once per row: one reverse() for the whole page instead
    of one per row, and plain values instead of the template's attribute and method lookups
    (about 600 per page). (url, register no, title, doc number, marking, direction, copies, date)"""
    before, _slot, after = reverse("carriers:detail", args=[int(_PK_SLOT)]).partition(_PK_SLOT)
    directions = {value: str(label) for value, label in Direction.choices}
    # str(): the date as SQLite gives it (text) and as PostgreSQL does (a date) alike.
    return [(f"{before}{r.pk}{after}", r.register_no, r.title, r.doc_number or "—", r.marking,
             directions.get(r.direction, r.direction), r.copy_count, str(r.registered_on))
            for r in page]


def _list_body(user: User, q: str, level: int | None, direction: str, number: int) -> str:
    keeper = policy.may(user, Perm.KEEP_CARRIERS)
    carriers = selectors.carriers_visible_to(user, search=q, level=level, direction=direction)
    page = slice_page(carriers.values_list("pk", flat=True), str(number), 50, selectors.carrier_list_rows)
    return render_to_string("carriers/_list_body.html", {
        "page": page, "rows": _carrier_rows(page), "q": q, "level": level, "direction": direction,
        "levels": [(int(lv), lv.zh) for lv in Level if lv > Level.PUBLIC], "directions": Direction.choices,
        "mine": selectors.outstanding_for(user).filter(status__in=OUT_STATUSES),
        "overdue": selectors.overdue_copies(user)[:100],
        "hand_back": selectors.due_for_hand_back(user)[:100] if keeper else [],
        "notices": selectors.notices_for(user)[:20],
        "keeper": keeper, "now": timezone.now(),
    })


@login_required
def carrier_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    q, level, direction = _list_filters(request)
    number = page_number(request.GET.get("page"))
    # The page, rendered once per state of the data: what it shows changes
    # only through audited services (carriers, copies, need-to-know, people, units) or with
    # the clock (overdue, reminders: the cache's minute). Kept in this process only.
    filters = hashlib.sha256(repr((q, level, direction, number)).encode()).hexdigest()[:24]
    body = per_state(f"carriers.list:{filters}", user,
                     lambda: _list_body(user, q, level, direction, number))
    return render(request, "carriers/list.html", {"body": body})


@login_required
def carrier_count(request: HttpRequest) -> HttpResponse:
    """The number of carriers the list's filters match, loaded after the list itself."""
    q, level, direction = _list_filters(request)
    carriers = selectors.carriers_visible_to(_user(request), search=q, level=level, direction=direction)
    return HttpResponse(str(carriers.count()), content_type="text/plain; charset=utf-8")


@login_required
def carrier_register(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.KEEP_CARRIERS)
    form = forms.RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            decision = (classification_selectors.decision_for(user, d["decision"])
                        if d.get("decision") else None)
            carrier = services.carrier_register(
                actor=user, direction=d["direction"], kind=d["kind"], title=d["title"], mark=d["mark"],
                copies=d["copies"], storage=d["storage"], location=d["location"], doc_number=d["doc_number"],
                source_unit=d["source_unit"], destination_unit=d["destination_unit"],
                need_to_know_people=list(d["need_to_know_people"]), need_to_know_units=list(d["need_to_know_units"]),
                dated_on=d["dated_on"], return_by=d["return_by"], note=d["note"], decision=decision,
                sources=[selectors.carrier_by_register_no(user, no) for no in d["sources"]],
                meeting_name=d["meeting_name"], brought_by=d["brought_by"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已登记 %(no)s") % {"no": carrier.register_no})
            return redirect("carriers:detail", carrier_id=carrier.pk)
    return render(request, "carriers/register.html", {"form": form})


@login_required
def carrier_detail(request: HttpRequest, carrier_id: int) -> HttpResponse:
    user = _user(request)
    carrier = selectors.carrier_for(user, carrier_id)
    return render(request, "carriers/detail.html", {
        "carrier": carrier, "copies": selectors.copies_of(user, carrier),
        "decision": selectors.decision_of(user, carrier),
        "keeper": policy.reason_may_keep_carrier(user, carrier.level, carrier.unit_id) is None,
        "need_to_know_form": forms.NeedToKnowForm(),
        # Only the sources and derived carriers the reader may see; hidden ones are not counted.
        "sources": selectors.sources_of(user, carrier), "derived": selectors.derived_from(user, carrier),
        "excerpt_source": selectors.copies_visible_to(user).filter(pk=carrier.excerpt_of_id).first()
        if carrier.excerpt_of_id else None,
        "print_jobs": selectors.print_jobs_visible_to(user).filter(carrier=carrier),
    })


@login_required
def copy_detail(request: HttpRequest, copy_id: int) -> HttpResponse:
    user = _user(request)
    copy = selectors.copy_for(user, copy_id)
    carrier = copy.carrier
    keeper = policy.reason_may_keep_carrier(user, carrier.level, carrier.unit_id) is None
    holder = copy.custodian_id == user.pk and copy.status in OUT_STATUSES
    shelved = copy.status in SHELVED_STATUSES
    context: dict[str, Any] = {
        "copy": copy, "carrier": carrier, "ledger": selectors.ledger_of(user, copy), "keeper": keeper,
        "holder": holder, "out": copy.status in OUT_STATUSES,
        "may_lose": (keeper or copy.custodian_id == user.pk) and copy.status not in (
            CopyStatus.SENT, CopyStatus.RETURNED, CopyStatus.DESTROYED, CopyStatus.LOST),
        "note_form": forms.NoteForm(),
    }
    if keeper and copy.status == CopyStatus.IN_CUSTODY:
        readers = selectors.readers_for(user, carrier).exclude(pk=user.pk)
        context["circulate_form"] = forms.CirculateForm(readers=readers)
        context["dispatch_form"] = forms.DispatchForm(initial={"recipient_unit": carrier.destination_unit})
        context["archive_form"] = forms.ArchiveForm(initial={"storage": copy.storage})
    if keeper and shelved:
        context["reproduce_form"] = forms.ReproduceForm()
        context["may_hand_back"] = carrier.direction == Direction.INCOMING
    if shelved and policy.reason_may_hold_carrier(user, carrier) is None:
        context["lend_form"] = forms.LendForm()
    if copy.status == CopyStatus.IN_CUSTODY and policy.reason_may_hold_carrier(user, carrier) is None:
        context["take_out_form"] = forms.TakeOutForm()
    context["may_bring_back"] = copy.status == CopyStatus.TAKEN_OUT and (keeper or copy.custodian_id == user.pk)
    if shelved and (keeper or policy.reason_may_hold_carrier(user, carrier) is None):
        context["excerpt_form"] = forms.ExcerptForm()
    return render(request, "carriers/copy.html", context)


@login_required
@require_POST
def copy_action(request: HttpRequest, copy_id: int, action: str) -> HttpResponse:
    """One POST endpoint per copy action; each maps to exactly one service."""
    user = _user(request)
    copy = selectors.copy_for(user, copy_id)
    try:
        if action == "circulate":
            form = forms.CirculateForm(request.POST, readers=User.objects.filter(is_active=True))
            if not form.is_valid():
                raise _form_error(form)
            services.copy_circulate(actor=user, copy=copy, reader=form.cleaned_data["reader"],
                                    note=form.cleaned_data["note"])
            messages.success(request, _("已传阅"))
        elif action == "acknowledge":
            services.copy_acknowledge(actor=user, copy=copy)
            messages.success(request, _("已签收"))
        elif action == "return":
            services.copy_return(actor=user, copy=copy, note=request.POST.get("note", ""))
            messages.success(request, _("已退回机要员"))
        elif action == "lend":
            lform = forms.LendForm(request.POST)
            if not lform.is_valid():
                raise _form_error(lform)
            approval = services.copy_lend_request(actor=user, copy=copy, due_on=lform.cleaned_data["due_on"],
                                                  reason=lform.cleaned_data["reason"])
            messages.success(request, _("借阅申请已提交审批"))
            return redirect("approvals:detail", request_id=approval.pk)
        elif action == "reproduce":
            rform = forms.ReproduceForm(request.POST)
            if not rform.is_valid():
                raise _form_error(rform)
            approval = services.copy_reproduce_request(actor=user, copy=copy, count=rform.cleaned_data["count"],
                                                       reason=rform.cleaned_data["reason"])
            messages.success(request, _("复制申请已提交审批"))
            return redirect("approvals:detail", request_id=approval.pk)
        elif action == "dispatch":
            dform = forms.DispatchForm(request.POST)
            if not dform.is_valid():
                raise _form_error(dform)
            d = dform.cleaned_data
            services.copy_dispatch(actor=user, copy=copy, recipient_unit=d["recipient_unit"], channel=d["channel"],
                                   courier=d["courier"], note=d["note"])
            messages.success(request, _("已发出"))
        elif action == "archive":
            aform = forms.ArchiveForm(request.POST)
            if not aform.is_valid():
                raise _form_error(aform)
            services.copy_archive(actor=user, copy=copy, location=aform.cleaned_data["location"],
                                  storage=aform.cleaned_data["storage"])
            messages.success(request, _("已归档"))
        elif action == "hand_back":
            services.copies_hand_back(actor=user, copies=[copy], note=request.POST.get("note", ""))
            messages.success(request, _("已清退"))
        elif action == "lost":
            services.copy_report_lost(actor=user, copy=copy, note=request.POST.get("note", ""))
            messages.success(request, _("已报告丢失并通知保密办"))
        elif action == "take_out":
            tform = forms.TakeOutForm(request.POST)
            if not tform.is_valid():
                raise _form_error(tform)
            t = tform.cleaned_data
            approval = services.copy_take_out_request(actor=user, copy=copy, reason=t["reason"],
                                                      destination=t["destination"], due_at=t["due_at"])
            messages.success(request, _("携带外出申请已提交审批"))
            return redirect("approvals:detail", request_id=approval.pk)
        elif action == "bring_back":
            services.copy_bring_back(actor=user, copy=copy, note=request.POST.get("note", ""))
            messages.success(request, _("已带回，交机要员保管"))
        elif action == "excerpt":
            eform = forms.ExcerptForm(request.POST)
            if not eform.is_valid():
                raise _form_error(eform)
            approval = services.copy_excerpt_request(actor=user, copy=copy, title=eform.cleaned_data["title"],
                                                     reason=eform.cleaned_data["reason"])
            messages.success(request, _("摘抄申请已提交审批"))
            return redirect("approvals:detail", request_id=approval.pk)
        else:
            raise Invalid(_("未知操作"))
    except BaomiError as exc:
        messages.error(request, exc.message)
    return redirect("carriers:copy", copy_id=copy.pk)


@login_required
@require_POST
def carrier_need_to_know(request: HttpRequest, carrier_id: int, action: str) -> HttpResponse:
    """知悉范围 (CARRIER-04): widening goes for approval; narrowing is the keeper's own act."""
    user = _user(request)
    carrier = selectors.carrier_for(user, carrier_id)
    form = forms.NeedToKnowForm(request.POST)
    try:
        if not form.is_valid():
            raise _form_error(form)
        d = form.cleaned_data
        if action == "add":
            approval = services.carrier_need_to_know_add_request(
                actor=user, carrier=carrier, people=list(d["people"]), units=list(d["units"]), reason=d["reason"])
            messages.success(request, _("扩大知悉范围申请已提交审批"))
            return redirect("approvals:detail", request_id=approval.pk)
        if action == "remove":
            services.carrier_need_to_know_remove(actor=user, carrier=carrier, people=list(d["people"]),
                                                 units=list(d["units"]), reason=d["reason"])
            messages.success(request, _("已缩小知悉范围"))
        else:
            raise Invalid(_("未知操作"))
    except BaomiError as exc:
        messages.error(request, exc.message)
    return redirect("carriers:detail", carrier_id=carrier.pk)


@login_required
def destruction_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = None
    if policy.may(user, Perm.KEEP_CARRIERS):
        shelved = selectors.copies_visible_to(user).filter(status__in=SHELVED_STATUSES)
        wanted = [int(p) for p in request.GET.get("copies", "").split(",") if p.isascii() and p.isdigit()]
        form = forms.DestructionForm(request.POST or None, copies=shelved,
                                     initial={"copies": wanted} if wanted else None)
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            try:
                dlist = services.destruction_create(
                    actor=user, copies=list(d["copies"]), method=d["method"], site=d["site"],
                    witnesses=[d["witness_1"], d["witness_2"]], reason=d["reason"])
            except BaomiError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("销毁清单 %(no)s 已提交审批") % {"no": dlist.number})
                return redirect("carriers:destruction", list_id=dlist.pk)
    elif request.method == "POST":
        policy.require(user, Perm.KEEP_CARRIERS)
    return render(request, "carriers/destructions.html", {
        "lists": selectors.destructions_visible_to(user)[:200], "form": form,
    })


@login_required
def destruction_detail(request: HttpRequest, list_id: int) -> HttpResponse:
    user = _user(request)
    dlist = selectors.destruction_for(user, list_id)
    visible = set(selectors.copies_visible_to(user).filter(destruction_lists=dlist).values_list("pk", flat=True))
    witness = user.pk in (dlist.witness_1_id, dlist.witness_2_id)
    signed = (dlist.witness_1_signed_at if user.pk == dlist.witness_1_id else dlist.witness_2_signed_at) is not None
    return render(request, "carriers/destruction.html", {
        "dlist": dlist, "copies": selectors.destruction_copies(dlist), "visible": visible,
        "sign_form": forms.SignForm() if witness and not signed and dlist.status == DestructionStatus.APPROVED
        else None,
        "may_execute": dlist.status == DestructionStatus.APPROVED and dlist.signatures == 2
        and policy.may(user, Perm.KEEP_CARRIERS),
    })


@login_required
@require_POST
def destruction_action(request: HttpRequest, list_id: int, action: str) -> HttpResponse:
    user = _user(request)
    dlist = selectors.destruction_for(user, list_id)
    try:
        if action == "sign":
            form = forms.SignForm(request.POST)
            if not form.is_valid():
                raise _form_error(form)
            services.destruction_sign(actor=user, destruction=dlist, password=form.cleaned_data["password"])
            messages.success(request, _("已签字"))
        elif action == "execute":
            services.destruction_execute(actor=user, destruction=dlist)
            messages.success(request, _("已销毁"))
        else:
            raise Invalid(_("未知操作"))
    except BaomiError as exc:
        messages.error(request, exc.message)
    return redirect("carriers:destruction", list_id=dlist.pk)


# ---------------------------------------------------------------- registers, labels, lookup


@login_required
def register_download(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """A register (收文, 发文, 借阅, 销毁, 清退) as xlsx or PDF, filtered by date range."""
    from baomi.carriers import registers

    user = _user(request)
    raw_list = request.GET.get("list", "")
    list_id = int(raw_list) if raw_list.isascii() and raw_list.isdigit() else None
    try:
        period = registers.parse_period(request.GET.get("from"), request.GET.get("to"))
    except BaomiError as exc:
        messages.error(request, exc.message)
        return redirect("carriers:list")
    raw_carrier = request.GET.get("carrier", "")
    carrier_id = int(raw_carrier) if raw_carrier.isascii() and raw_carrier.isdigit() else None
    content, content_type, filename = registers.register_export(
        actor=user, slug=slug, fmt=fmt, period=period, list_id=list_id,
        carrier_id=carrier_id if slug in registers.PER_CARRIER else None)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def carrier_labels(request: HttpRequest, carrier_id: int) -> HttpResponse:
    """The QR label sheet (PDF) for a carrier's copies, or for the copies listed in ?copies=1,2."""
    from baomi.carriers import labels

    user = _user(request)
    copy_ids = [int(p) for p in request.GET.get("copies", "").split(",") if p.isascii() and p.isdigit()]
    content = labels.labels_print(actor=user, carrier_id=carrier_id, copy_ids=copy_ids)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-{carrier_id}.pdf"'
    return response


@login_required
def label_lookup(request: HttpRequest) -> HttpResponse:
    """A label's code, typed or read by a USB scanner: opens the copy, 404 if not visible."""
    from baomi.carriers import labels

    user = _user(request)
    try:
        copy = labels.copy_for_label(user, request.GET.get("code", ""))
    except Invalid as exc:
        messages.error(request, exc.message)
        return redirect("carriers:list")
    return redirect("carriers:copy", copy_id=copy.pk)


# ---------------------------------------------------------------- importing a paper ledger


@login_required
def ledger_import(request: HttpRequest) -> HttpResponse:
    """收文登记簿导入: upload, check the column mapping and every row (dry run), then import.
    The file travels back with the page (base64) so the mapping can be changed and the same
    file imported without choosing it again."""
    import base64
    import binascii

    from baomi.carriers import ledger_import as ledger

    user = _user(request)
    policy.require(user, Perm.KEEP_CARRIERS)
    context: dict[str, Any] = {"columns": ledger.COLUMNS, "max_rows": ledger.MAX_ROWS,
                               "max_kb": ledger.MAX_BYTES // 1024}
    if request.method != "POST":
        return _ledger_page(request, context)
    upload = request.FILES.get("file")
    filename = request.POST.get("filename", "")
    try:
        if upload is not None:
            if upload.size is not None and upload.size > ledger.MAX_BYTES:
                raise Invalid(_("文件过大：最大 %(n)s KB") % {"n": ledger.MAX_BYTES // 1024})
            data, filename, mapping = upload.read(), upload.name or "", None
        else:
            try:
                data = base64.b64decode(request.POST.get("data", ""), validate=True)
            except (binascii.Error, ValueError):
                raise Invalid(_("请重新选择要导入的 Excel 文件")) from None
            mapping = {c.key: int(request.POST[f"map_{c.key}"]) for c in ledger.COLUMNS
                       if request.POST.get(f"map_{c.key}", "").isdigit()}
        context.update(data=base64.b64encode(data).decode(), filename=filename)
        result = ledger.ledger_import(actor=user, data=data, mapping=mapping,
                                      dry_run=request.POST.get("go") != "import", filename=filename)
    except BaomiError as exc:
        messages.error(request, exc.message)
        context["problems"] = exc.details.get("rows", [])
        if "data" in context and not context["problems"]:
            context.pop("data")
        elif "data" in context:  # the rows were read: show the mapping again
            try:
                context["sheet"] = ledger.read_sheet(base64.b64decode(context["data"]), mapping)
            except BaomiError:
                context.pop("data")
        return _ledger_page(request, context)
    if not result.dry_run:
        messages.success(request, _("已导入 %(n)s 件载体") % {"n": len(result.carriers)})
        return redirect("carriers:list")
    context.update(sheet=result.sheet, rows=result.rows, problems=result.problems, checked=True)
    return _ledger_page(request, context)


def _ledger_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    sheet = context.get("sheet")
    if sheet is not None:
        context["headers"] = list(enumerate(sheet.headers))
        context["fields"] = [(c, sheet.mapping.get(c.key)) for c in context["columns"]]
    return render(request, "carriers/ledger_import.html", context)


@login_required
def ledger_template(request: HttpRequest) -> HttpResponse:
    from baomi.carriers import ledger_import as ledger

    policy.require(_user(request), Perm.KEEP_CARRIERS)
    response = HttpResponse(ledger.template_xlsx(), content_type=ledger.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="ledger-import-template.xlsx"'
    return response


# ---------------------------------------------------------------- 印制, 废页, 年度清理, more registers


@login_required
def printing(request: HttpRequest) -> HttpResponse:
    """印制登记 (CARRIER-22, -23) and the 待销毁废页 queue (CARRIER-24): keepers only."""
    user = _user(request)
    policy.require(user, Perm.KEEP_CARRIERS)
    printable = selectors.carriers_visible_to(user).filter(direction__in=services.PRINTABLE_DIRECTIONS)
    waste = selectors.waste_pending(user)
    form = forms.PrintJobForm(request.POST or None, carriers=printable)
    waste_form = forms.WasteDestroyForm(batches=waste)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise _form_error(form)
            d = form.cleaned_data
            job = services.print_job_create(actor=user, carrier=d["carrier"], computer=d["computer"],
                                            copies=d["copies"], proofreader=d["proofreader"], note=d["note"])
        except BaomiError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已登记印制单 %(no)s") % {"no": job.number})
            return redirect("carriers:print_job", job_id=job.pk)
    return render(request, "carriers/printing.html", {
        "form": form, "jobs": selectors.print_jobs_visible_to(user)[:200], "waste": waste,
        "waste_form": waste_form, "waste_days": services.waste_days(), "now": timezone.now(),
    })


@login_required
@require_POST
def waste_destroy(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.KEEP_CARRIERS)
    form = forms.WasteDestroyForm(request.POST, batches=selectors.waste_pending(user))
    try:
        if not form.is_valid():
            raise _form_error(form)
        d = form.cleaned_data
        done = services.waste_destroy(actor=user, batches=list(d["batches"]), witness=d["witness"], method=d["method"])
        messages.success(request, _("已销毁废页 %(n)s 批") % {"n": len(done)})
    except BaomiError as exc:
        messages.error(request, exc.message)
    return redirect("carriers:printing")


@login_required
def print_job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    user = _user(request)
    job = selectors.print_job_for(user, job_id)
    keeper = policy.reason_may_keep_carrier(user, job.carrier.level, job.carrier.unit_id) is None
    form = forms.PrintCloseForm(request.POST or None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise _form_error(form)
            d = form.cleaned_data
            services.print_job_close(actor=user, job=job, waste_pages=d["waste_pages"],
                                     waste_description=d["waste_description"], drafts_locked=d["drafts_locked"])
        except BaomiError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("印制已结束"))
            return redirect("carriers:print_job", job_id=job.pk)
    copies = selectors.copies_of(user, job.carrier).filter(serial__gte=job.first_serial, serial__lte=job.last_serial)
    return render(request, "carriers/print_job.html", {
        "job": job, "copies": copies, "waste": job.waste.select_related("destroyed_by", "witness"),
        "form": form if keeper and job.status == "open" else None,
    })


@login_required
def cleanup(request: HttpRequest) -> HttpResponse:
    """年度清理 (CARRIER-18): the keepers' year-end list, with bulk 清退, 归档 and 销毁清单."""
    user = _user(request)
    policy.require(user, Perm.KEEP_CARRIERS)
    lists = selectors.cleanup_for(user)
    if request.method == "POST":
        visible = selectors.copies_visible_to(user).values_list("pk", flat=True)
        form = forms.CleanupForm(request.POST, copy_ids=list(visible.filter(pk__in=[
            int(p) for p in request.POST.getlist("copies") if p.isascii() and p.isdigit()])))
        try:
            if not form.is_valid():
                raise _form_error(form)
            d = form.cleaned_data
            copies = [selectors.copy_for(user, pk) for pk in d["copies"]]
            if d["action"] == "destroy":
                return redirect(f"{reverse('carriers:destructions')}?copies={','.join(str(c.pk) for c in copies)}")
            if d["action"] == "hand_back":
                services.copies_hand_back(actor=user, copies=copies, note=_("年度清理"))
            else:
                for copy in copies:
                    services.copy_archive(actor=user, copy=copy, location=d["location"],
                                          storage=d["storage"] or StorageClass.SAFE)
            messages.success(request, _("已办理 %(n)s 份") % {"n": len(copies)})
        except BaomiError as exc:
            messages.error(request, exc.message)
        return redirect("carriers:cleanup")
    return render(request, "carriers/cleanup.html", {
        "sections": [
            (_("个人持有（传阅、借出、携带外出）"), lists["held"], False),
            (_("已过清退期限"), lists["past_return"], True),
            (_("收文，待清退"), lists["hand_back"], True),
            (_("在册 90 天以上，可归档"), lists["archive"], True),
            (_("登记满一年，可列入销毁清单"), lists["destroy"], True),
        ],
        "form": forms.CleanupForm(), "now": timezone.now(),
    })


@login_required
def register_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A register as a page, with its date (and carrier) filters and the two downloads."""
    from baomi.carriers import registers

    user = _user(request)
    raw_carrier = request.GET.get("carrier", "")
    carrier_id = int(raw_carrier) if raw_carrier.isascii() and raw_carrier.isdigit() else None
    try:
        period = registers.parse_period(request.GET.get("from"), request.GET.get("to"))
    except BaomiError as exc:
        messages.error(request, exc.message)
        period = registers.Period()
    register, rows = registers.register_rows(actor=user, slug=slug, period=period,
                                             carrier_id=carrier_id if slug in registers.PER_CARRIER else None)
    query = request.GET.urlencode()
    return render(request, "carriers/register_page.html", {
        "register": register, "rows": rows, "period": period, "carrier_id": carrier_id,
        "per_carrier": slug in registers.PER_CARRIER, "query": query,
        "registers": [(r.slug, r.heading) for r in registers.REGISTERS.values()],
    })
