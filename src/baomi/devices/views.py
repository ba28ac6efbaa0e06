"""设备与介质 pages. Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import Unit, User
from baomi.devices import rules, selectors, services
from baomi.devices.models import (
    COMPUTER_KINDS,
    LEVEL_CHOICES,
    MEDIA_KINDS,
    Anomaly,
    AnomalyKind,
    Binding,
    DataReview,
    DeviceKind,
    DeviceStatus,
    InputApproval,
    MediumReuse,
    Network,
    SanitiseMethod,
    ScrapMethod,
)
from baomi.errors import BaomiError, Invalid, Refused


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not policy.uses_devices(user):
        raise Refused(_("您无权查看设备与介质台账"), details={"perm": str(policy.Perm.MANAGE_DEVICES)})
    return user


def _person(value: str | None) -> User | None:
    if not value:
        return None
    try:
        return User.objects.filter(pk=int(value), is_active=True).first()
    except ValueError:
        raise Invalid(_("人员无效")) from None


def _date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("日期格式应为 YYYY-MM-DD")) from None


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    devices = selectors.devices_visible_to(user)
    kind = request.GET.get("kind", "")
    if kind in DeviceKind.values:
        devices = devices.filter(kind=kind)
    manager = policy.may(user, policy.Perm.MANAGE_DEVICES)
    return render(request, "devices/list.html", {
        "devices": list(devices[:500]), "manager": manager, "kinds": DeviceKind.choices,
        "networks": Network.choices, "levels": LEVEL_CHOICES, "kind": kind,
        "people": list(User.objects.filter(is_active=True, admin_role="").order_by("username")) if manager else [],
        "units": list(Unit.objects.order_by("sort_order", "pk")) if manager else [],
    })


@login_required
@require_POST
def device_register(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    post = request.POST
    try:
        custodian = _person(post.get("custodian"))
        unit = Unit.objects.filter(pk=post.get("unit") or 0).first()
        if custodian is None or unit is None:
            raise Invalid(_("请选择责任人和使用单位"))
        device = services.device_register(
            actor=user, asset_no=post.get("asset_no", ""), kind=post.get("kind", ""),
            network=post.get("network", ""), level=int(post.get("level") or 0), custodian=custodian, unit=unit,
            location=post.get("location", ""), name=post.get("name", ""), serial_no=post.get("serial_no", ""),
            disk_serial=post.get("disk_serial", ""), purchased_on=_date(post.get("purchased_on")),
            content_level=int(post.get("content_level") or 0))
    except BaomiError as exc:
        messages.error(request, exc.message)
        return redirect("devices:list")
    messages.success(request, _("已登记 %(device)s") % {"device": device.label})
    return redirect("devices:detail", device_id=device.pk)


@login_required
def device_detail(request: HttpRequest, device_id: int) -> HttpResponse:
    user = _user(request)
    device = selectors.device_for(user, device_id)
    manager = policy.may(user, policy.Perm.MANAGE_DEVICES)
    others = selectors.devices_visible_to(user).filter(status=DeviceStatus.IN_USE).exclude(pk=device.pk)
    return render(request, "devices/detail.html", {
        "d": device, "manager": manager, "is_medium": device.kind in MEDIA_KINDS,
        "bindings": list((device.bindings if device.kind in MEDIA_KINDS else device.media_bindings)
                         .filter(unbound_at__isnull=True).select_related("medium", "device")),
        "repairs": list(device.repairs.select_related("supervisor")[:20]),
        "scraps": list(device.scraps.select_related("witness")[:10]),
        "reports": list(selectors.reports_for(user, device)[:20]),
        "targets": list(others.exclude(kind__in=MEDIA_KINDS)[:200]) if device.kind in MEDIA_KINDS else [],
        "levels": LEVEL_CHOICES, "networks": Network.choices, "methods": ScrapMethod.choices,
        # Witnesses: anyone for the 保密办; a custodian picks among the device's unit.
        "people": list(User.objects.filter(is_active=True, admin_role="").order_by("username")
                       if manager else User.objects.filter(is_active=True, admin_role="", unit=device.unit)
                       .order_by("username")),
        "is_computer": device.kind in COMPUTER_KINDS, "inputs": list(device.input_approvals.all()[:20]),
        "reuses": list(device.reuses.all()[:10]),
        "sanitisations": list(device.sanitisations.select_related("operator", "witness")[:20]),
        "anomalies": list(device.anomalies.all()[:20]), "sanitise_methods": SanitiseMethod.choices,
        "anomaly_kinds": AnomalyKind.choices,
    })


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    """SYS-15: the units' periodic data reviews — due ones and the record of those done."""
    user: User = request.user  # type: ignore[assignment]
    if user.admin_role:
        raise Refused(_("管理员不办理业务"))
    if request.method == "POST":
        try:
            unit = Unit.objects.filter(pk=int(request.POST.get("unit") or 0)).first()
            if unit is None:
                raise Invalid(_("请选择单位"))
            rules.data_review_record(actor=user, unit=unit, note=request.POST.get("note", ""),
                                     done_on=_date(request.POST.get("done_on")))
            messages.success(request, _("已登记"))
        except (BaomiError, ValueError) as exc:
            messages.error(request, exc.message if isinstance(exc, BaomiError) else _("输入无效"))
        return redirect("devices:reviews")
    units = [u for u in Unit.objects.order_by("sort_order", "pk") if rules.may_review(user, u)]
    ids = {u.pk for u in units}
    return render(request, "devices/reviews.html", {
        "due": [d for d in rules.reviews_due() if d.unit.pk in ids], "units": units,
        "done": DataReview.objects.filter(unit_id__in=ids).select_related("unit", "done_by")[:50],
        "months": rules.review_months()})


@login_required
def anomalies(request: HttpRequest) -> HttpResponse:
    """SYS-17: the 系统管理员 and the 保密办 see and handle every report; the 机要员 the important ones."""
    from baomi.accounts.models import RoleAssignment

    user: User = request.user  # type: ignore[assignment]
    handler = rules.may_handle_anomalies(user)
    keeper = RoleAssignment.objects.filter(user=user, role="confidential_secretary").exists()
    if not handler and not keeper:
        raise Refused(_("您无权查看文件、数据异常报告"))
    rows = Anomaly.objects.select_related("device", "reported_by", "handled_by")
    if not handler:
        rows = rows.filter(important=True)
    if request.method == "POST" and handler:
        try:
            row = rows.filter(pk=int(request.POST.get("anomaly") or 0)).first()
            if row is None:
                raise Invalid(_("对象不存在"))
            rules.anomaly_handle(actor=user, anomaly=row, handling=request.POST.get("handling", ""))
            messages.success(request, _("已登记处理情况"))
        except (BaomiError, ValueError) as exc:
            messages.error(request, exc.message if isinstance(exc, BaomiError) else _("输入无效"))
        return redirect("devices:anomalies")
    return render(request, "devices/anomalies.html", {"rows": rows[:200], "handler": handler})


def _actions(request: HttpRequest, user: User, device: Any) -> dict[str, Callable[[], Any]]:
    post = request.POST
    return {
        "level": lambda: services.device_set_level(actor=user, device=device, level=int(post.get("level") or 0),
                                                   network=post.get("network") or None),
        "content": lambda: services.medium_record_content(actor=user, medium=device,
                                                          level=int(post.get("level") or 0)),
        "bind": lambda: services.medium_bind(actor=user, medium=device, device=selectors.device_for(
            user, int(post.get("device") or 0))),
        "unbind": lambda: services.medium_unbind(actor=user, binding=Binding.objects.get(
            pk=int(post.get("binding") or 0), medium=device)),
        "repair": lambda: services.repair_start(
            actor=user, device=device, repairer_unit=post.get("repairer_unit", ""),
            outside=post.get("outside") == "on", supervisor=_person(post.get("supervisor")),
            disk_removed=post.get("disk_removed") == "on", note=post.get("note", "")),
        "repaired": lambda: services.repair_finish(actor=user, device=device, result=post.get("result", "")),
        "scrap": lambda: services.scrap_request(actor=user, device=device, method=post.get("method", ""),
                                                witness=_person(post.get("witness")) or user,
                                                reason=post.get("reason", "")),
        "destroy": lambda: services.device_destroy(actor=user, device=device,
                                                   witness_password=post.get("password", "")),
        "scan": lambda: services.scan_import(actor=user, device=device, data=_upload(request)),
        "input": lambda: rules.input_request(actor=user, device=device, material=post.get("material", ""),
                                             level=int(post.get("level") or 0), purpose=post.get("purpose", "")),
        "sanitise": lambda: rules.input_sanitise(
            actor=user, task=InputApproval.objects.get(pk=int(post.get("input") or 0), device=device),
            method=post.get("method", ""), witness=_person(post.get("witness")), note=post.get("note", "")),
        "reuse": lambda: rules.medium_reuse_request(actor=user, medium=device,
                                                    new_level=int(post.get("level") or 0),
                                                    new_purpose=post.get("purpose", "")),
        "reuse_sanitise": lambda: rules.medium_reuse_sanitise(
            actor=user, reuse=MediumReuse.objects.get(pk=int(post.get("reuse") or 0), medium=device),
            specialist=post.get("specialist", ""), method=post.get("method", ""),
            witness=_person(post.get("witness")), note=post.get("note", "")),
        "anomaly": lambda: rules.anomaly_report(actor=user, device=device, kind=post.get("kind", ""),
                                                description=post.get("description", ""),
                                                important=post.get("important") == "on"),
    }


def _upload(request: HttpRequest) -> bytes:
    upload = request.FILES.get("report")
    if upload is None:
        raise Invalid(_("请选择 baomi scan --json 生成的报告文件"))
    if upload.size and upload.size > services.scan_max_bytes():
        raise Invalid(_("扫描报告过大（上限 %(n)s 字节）") % {"n": services.scan_max_bytes()})
    return upload.read(services.scan_max_bytes() + 1)


@login_required
@require_POST
def device_action(request: HttpRequest, device_id: int, action: str) -> HttpResponse:
    user = _user(request)
    device = selectors.device_for(user, device_id)
    handler = _actions(request, user, device).get(action)
    if handler is None:
        raise Http404
    try:
        handler()
    except (Binding.DoesNotExist, InputApproval.DoesNotExist, MediumReuse.DoesNotExist):
        raise Http404 from None
    except (BaomiError, ValueError) as exc:
        messages.error(request, exc.message if isinstance(exc, BaomiError) else _("输入无效"))
    else:
        messages.success(request, _("已办理"))
    return redirect("devices:detail", device_id=device.pk)
