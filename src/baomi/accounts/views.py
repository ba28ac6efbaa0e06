"""Account pages. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from baomi import policy
from baomi.accounts import forms, selectors, services
from baomi.accounts.models import Role, User
from baomi.audit.models import Outcome
from baomi.audit.services import record
from baomi.errors import BaomiError
from baomi.levels import Clearance

Perm = policy.Perm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked.html", {"minutes": minutes}, status=429)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# ---------------------------------------------------------------- own account


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(actor=_user(request), old=form.cleaned_data["old_password"],
                                     new=form.cleaned_data["new_password1"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, _user(request))
            messages.success(request, _("密码已修改"))
            return redirect("core:home")
    return render(request, "accounts/password_change.html", {"form": form})


def _qr_data_uri(url: str) -> str:
    svg = segno.make(url, error="m").svg_inline(scale=4)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = forms.OtpForm(request.POST or None)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if request.method == "POST" and device and form.is_valid():
        try:
            device = services.totp_confirm(actor=user, device=device, code=form.cleaned_data["code"])
        except BaomiError as exc:
            form.add_error("code", exc.message)
        else:
            otp_login(request, device)
            messages.success(request, _("动态口令已绑定"))
            return redirect("core:home")
    if device is None:
        device = services.totp_begin(actor=user)
    secret = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/otp_setup.html", {
        "form": form, "qr": _qr_data_uri(device.config_url), "secret": secret,
        "required": bool(user.admin_role),
    })


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    from baomi.securitykeys.models import SecurityKey
    from baomi.securitykeys.policy import key_required, required_level

    user = _user(request)
    form = forms.OtpForm(request.POST or None)
    has_keys = SecurityKey.objects.filter(user=user, confirmed=True).exists()
    # BAOMI_REQUIRE_SECURITY_KEY_LEVEL: TOTP alone no longer passes for the people it covers
    # (without a key yet, TOTP only opens the way to enrolling one: see the gate).
    key_only = key_required(user) and has_keys
    level = required_level()
    key_reason = _("您可知悉%(level)s及以上国家秘密，须使用安全密钥验证，动态口令不能单独通过") % {
        "level": level.zh if level else ""}
    if request.method == "POST" and key_only:
        record(actor=user, action="mfa.verify", obj=user, outcome=Outcome.DENIED,
               summary=f"{user.username} 须使用安全密钥，拒绝动态口令", details={"method": "totp"})
        form.add_error(None, key_reason)
    elif request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        device = next((d for d in TOTPDevice.objects.filter(user=user, confirmed=True) if d.verify_token(code)), None)
        if device is not None:
            otp_login(request, device)
            record(actor=user, action="mfa.verify", obj=user, summary=f"{user.username} 动态口令验证通过")
            if key_required(user):
                messages.info(request, _("动态口令已通过；您还须绑定安全密钥"))
                return redirect("securitykeys:setup")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
                target = "core:home"  # never an open redirect to another site
            return redirect(target)
        record(actor=user, action="mfa.verify", obj=user, outcome=Outcome.DENIED,
               summary=f"{user.username} 动态口令错误")
        form.add_error("code", _("动态口令不正确"))
    return render(request, "accounts/otp_verify.html", {
        "form": form, "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "has_keys": has_keys, "key_only": key_only, "key_reason": key_reason,
    })


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    new_token = None
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.token_create(actor=user, name=form.cleaned_data["name"],
                                                      days=form.cleaned_data["days"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            form = forms.TokenForm()
    return render(request, "accounts/profile.html", {
        "form": form, "tokens": selectors.tokens_of(user), "new_token": new_token,
        "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "roles": policy.role_labels(user),
        **_security_key_context(user),
    })


def _security_key_context(user: User) -> dict[str, Any]:
    """The profile's 安全密钥 section (baomi.securitykeys)."""
    from baomi.securitykeys.policy import key_required, required_level
    from baomi.securitykeys.selectors import keys_of

    level = required_level()
    return {"security_keys": keys_of(user), "security_key_required": key_required(user),
            "security_key_level": level.zh if level else ""}


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _user(request)
    services.token_revoke(actor=user, token=selectors.token_for(user, token_id))
    messages.success(request, _("令牌已吊销"))
    return redirect("accounts:profile")


# ---------------------------------------------------------------- units (system administrator)


@login_required
def units(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.MANAGE_UNITS)
    form = forms.UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.unit_create(actor=user, name=d["name"], code=d["code"], parent=d["parent"],
                                 sort_order=d["sort_order"] or 0)
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("单位已创建"))
            return redirect("accounts:units")
    return render(request, "accounts/units.html", {"units": selectors.units_visible_to(user), "form": form})


@login_required
@require_POST
def unit_toggle(request: HttpRequest, unit_id: int) -> HttpResponse:
    user = _user(request)
    unit = selectors.unit_for(user, unit_id)
    services.unit_set_active(actor=user, unit=unit, active=not unit.is_active)
    messages.success(request, _("已更新"))
    return redirect("accounts:units")


# ---------------------------------------------------------------- people


@login_required
def people(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    policy.require(user, Perm.VIEW_PEOPLE)
    form = forms.PersonForm(request.POST or None) if policy.may(user, Perm.MANAGE_ACCOUNTS) else None
    if request.method == "POST" and form is not None and form.is_valid():
        d = form.cleaned_data
        try:
            person, temporary = services.person_create(
                actor=user, username=d["username"], full_name=d["full_name"], unit=d["unit"],
                staff_no=d["staff_no"] or None, post=d["post"])
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已创建账户 %(u)s，一次性密码：%(p)s（请当面交给本人，首次登录须修改）")
                             % {"u": person.username, "p": temporary})
            return redirect("accounts:person", person_id=person.pk)
    q = request.GET.get("q", "").strip()
    return render(request, "accounts/people.html", {
        "people": selectors.people_visible_to(user, search=q)[:500], "form": form, "q": q,
    })


@login_required
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    user = _user(request)
    target = selectors.person_for(user, person_id)
    context: dict[str, Any] = {"person": target, "assignments": target.role_assignments.select_related("unit")}
    if policy.may(user, Perm.MANAGE_ACCOUNTS, target):
        context["edit_form"] = forms.PersonEditForm(initial={
            "full_name": target.full_name, "unit": target.unit_id, "staff_no": target.staff_no, "post": target.post})
    if policy.may(user, Perm.GRANT_CLEARANCE, target):
        context["clearance_form"] = forms.ClearanceForm(initial={"clearance": target.clearance})
    if policy.may(user, Perm.GRANT_ROLES, target):
        context["role_form"] = forms.RoleForm()
    context["show_clearance"] = policy.may(user, Perm.VIEW_PEOPLE)
    return render(request, "accounts/person.html", context)


@login_required
@require_POST
def person_action(request: HttpRequest, person_id: int, action: str) -> HttpResponse:
    """One POST endpoint per person action; each maps to exactly one service."""
    user = _user(request)
    target = selectors.person_for(user, person_id)
    try:
        if action == "edit":
            form = forms.PersonEditForm(request.POST)
            if not form.is_valid():
                raise BaomiError("；".join(str(e) for errs in form.errors.values() for e in errs))
            d = form.cleaned_data
            services.person_update(actor=user, person=target, full_name=d["full_name"], unit=d["unit"],
                                   post=d["post"], staff_no=d["staff_no"] or None)
            messages.success(request, _("已保存"))
        elif action in ("disable", "enable"):
            services.person_set_active(actor=user, person=target, active=action == "enable")
            messages.success(request, _("已更新账户状态"))
        elif action == "unlock":
            services.person_unlock(actor=user, person=target)
            messages.success(request, _("账户已解锁"))
        elif action == "reset":
            temporary = services.person_reset_password(actor=user, person=target)
            messages.success(request, _("已重置密码，一次性密码：%(p)s") % {"p": temporary})
        elif action == "clearance":
            cform = forms.ClearanceForm(request.POST)
            if not cform.is_valid():
                raise BaomiError(_("请选择涉密类别"))
            services.person_set_clearance(actor=user, person=target,
                                          clearance=Clearance(cform.cleaned_data["clearance"]))
            messages.success(request, _("涉密类别已更新"))
        elif action == "grant":
            rform = forms.RoleForm(request.POST)
            if not rform.is_valid():
                raise BaomiError(_("请选择角色"))
            services.role_grant(actor=user, person=target, role=Role(rform.cleaned_data["role"]),
                                unit=rform.cleaned_data["unit"])
            messages.success(request, _("角色已授予"))
        elif action == "revoke":
            raw_id = request.POST.get("assignment", "")
            assignment_id = int(raw_id) if raw_id.isascii() and raw_id.isdigit() else 0  # bad input: not found
            assignment = selectors.role_assignment_for(user, assignment_id)
            if assignment.user_id != target.pk:
                raise BaomiError(_("对象不存在"))
            services.role_revoke(actor=user, assignment=assignment)
            messages.success(request, _("角色已撤销"))
        else:
            raise BaomiError(_("未知操作"))
    except BaomiError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:person", person_id=target.pk)
