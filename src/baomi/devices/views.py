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
from baomi.devices import selectors, services
from baomi.devices.models import (
    LEVEL_CHOICES,
    MEDIA_KINDS,
    Binding,
    DeviceKind,
    DeviceStatus,
    Network,
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
        "people": list(User.objects.filter(is_active=True, admin_role="").order_by("username")) if manager else [],
    })


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
    except Binding.DoesNotExist:
        raise Http404 from None
    except (BaomiError, ValueError) as exc:
        messages.error(request, exc.message if isinstance(exc, BaomiError) else _("输入无效"))
    else:
        messages.success(request, _("已办理"))
    return redirect("devices:detail", device_id=device.pk)
