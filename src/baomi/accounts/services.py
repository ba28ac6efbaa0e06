"""Every change to units, people, roles, passwords and tokens.

Each service checks policy, changes state and appends its audit event in one
transaction (`atomic_action`); a refusal rolls the change back and is itself recorded.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from baomi import policy
from baomi.accounts.models import AdminRole, ApiToken, PasswordHistory, Role, RoleAssignment, Unit, User
from baomi.accounts.passwords import generate_temporary
from baomi.audit.services import CLI_ACTOR, atomic_action, record
from baomi.errors import Conflict, Invalid, Refused
from baomi.levels import Clearance

Perm = policy.Perm


# ---------------------------------------------------------------- units


def unit_create(*, actor: User, name: str, code: str, parent: Unit | None = None, sort_order: int = 0) -> Unit:
    name, code = name.strip(), code.strip()
    with atomic_action(actor, "unit.create"):
        policy.require(actor, Perm.MANAGE_UNITS)
        if not name or not code:
            raise Invalid(_("名称和代码不能为空"))
        if Unit.objects.filter(code=code).exists():
            raise Invalid(_("单位代码已存在：%(code)s") % {"code": code})
        try:
            with transaction.atomic():
                unit = Unit.objects.create(name=name, code=code, parent=parent, sort_order=sort_order)
        except IntegrityError:
            raise Invalid(_("同一上级单位下已有同名单位")) from None
        record(actor=actor, action="unit.create", obj=unit, summary=f"新建单位 {unit.name}",
               details={"code": code, "parent": parent.pk if parent else None})
    return unit


def unit_update(
    *, actor: User, unit: Unit, name: str, parent: Unit | None, sort_order: int | None = None
) -> Unit:
    with atomic_action(actor, "unit.update", obj=unit):
        policy.require(actor, Perm.MANAGE_UNITS)
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if parent is not None and (parent.pk == unit.pk or unit in parent.ancestors()):
            raise Invalid(_("上级单位不能是本单位或其下级"))
        before = {"name": unit.name, "parent": unit.parent_id}
        unit.name, unit.parent = name.strip() or unit.name, parent
        if sort_order is not None:
            unit.sort_order = sort_order
        try:
            with transaction.atomic():
                unit.save(update_fields=["name", "parent", "sort_order"])
        except IntegrityError:
            raise Invalid(_("同一上级单位下已有同名单位")) from None
        record(actor=actor, action="unit.update", obj=unit, summary=f"修改单位 {unit.name}",
               details={"before": before, "after": {"name": unit.name, "parent": unit.parent_id}})
    return unit


def unit_set_active(*, actor: User, unit: Unit, active: bool) -> Unit:
    action = "unit.enable" if active else "unit.disable"
    with atomic_action(actor, action, obj=unit):
        policy.require(actor, Perm.MANAGE_UNITS)
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        if not active and unit.members.filter(is_active=True).exists():
            raise Refused(_("单位仍有在岗人员，不能停用"))
        unit.is_active = active
        unit.save(update_fields=["is_active"])
        record(actor=actor, action=action, obj=unit, summary=f"{'启用' if active else '停用'}单位 {unit.name}")
    return unit


# ---------------------------------------------------------------- people and accounts


def person_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    unit: Unit | None,
    staff_no: str | None = None,
    post: str = "",
) -> tuple[User, str]:
    """Create an account with a one-time password the person must change at first login."""
    username, full_name = username.strip(), full_name.strip()
    with atomic_action(actor, "account.create"):
        policy.require(actor, Perm.MANAGE_ACCOUNTS)
        if not username or not full_name:
            raise Invalid(_("用户名和姓名不能为空"))
        if User.objects.filter(username=username).exists():
            raise Invalid(_("用户名已存在：%(u)s") % {"u": username})
        if staff_no and User.objects.filter(staff_no=staff_no).exists():
            raise Invalid(_("工号已存在：%(n)s") % {"n": staff_no})
        if unit is not None and not unit.is_active:
            raise Invalid(_("单位已停用"))
        temporary = generate_temporary()
        try:
            with transaction.atomic():
                person = User(username=username, full_name=full_name, unit=unit, staff_no=staff_no or None, post=post)
                person.set_password(temporary)
                person.must_change_password = True
                person.save()
        except IntegrityError:
            raise Conflict(_("用户名或工号已被占用")) from None
        record(actor=actor, action="account.create", obj=person, summary=f"新建账户 {username}",
               details={"unit": unit.pk if unit else None, "post": post})
    return person, temporary


def person_update(
    *, actor: User, person: User, full_name: str, unit: Unit | None, post: str, staff_no: str | None
) -> User:
    with atomic_action(actor, "account.update", obj=person):
        policy.require(actor, Perm.MANAGE_ACCOUNTS, person)
        person = User.objects.select_for_update().get(pk=person.pk)
        before = {"full_name": person.full_name, "unit": person.unit_id, "post": person.post,
                  "staff_no": person.staff_no}
        person.full_name = full_name.strip() or person.full_name
        person.unit, person.post, person.staff_no = unit, post.strip(), (staff_no or "").strip() or None
        try:
            with transaction.atomic():
                person.save(update_fields=["full_name", "unit", "post", "staff_no"])
        except IntegrityError:
            raise Invalid(_("工号已存在：%(n)s") % {"n": staff_no}) from None
        after = {"full_name": person.full_name, "unit": person.unit_id, "post": person.post,
                 "staff_no": person.staff_no}
        record(actor=actor, action="account.update", obj=person, summary=f"修改人员 {person.username}",
               details={"before": before, "after": after})
    return person


def person_set_active(*, actor: User, person: User, active: bool) -> User:
    action = "account.enable" if active else "account.disable"
    with atomic_action(actor, action, obj=person):
        policy.require(actor, Perm.MANAGE_ACCOUNTS, person)
        person = User.objects.select_for_update().get(pk=person.pk)
        person.is_active = active
        person.save(update_fields=["is_active"])
        if not active:
            ApiToken.objects.filter(user=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
        record(actor=actor, action=action, obj=person,
               summary=f"{'启用' if active else '停用'}账户 {person.username}")
    return person


def person_unlock(*, actor: User, person: User) -> None:
    from axes.utils import reset

    with atomic_action(actor, "account.unlock", obj=person):
        policy.require(actor, Perm.MANAGE_ACCOUNTS, person)
        count = reset(username=person.username)
        record(actor=actor, action="account.unlock", obj=person, summary=f"解锁账户 {person.username}",
               details={"cleared_attempts": count})


def person_reset_password(*, actor: User, person: User) -> str:
    with atomic_action(actor, "account.reset_password", obj=person):
        policy.require(actor, Perm.MANAGE_ACCOUNTS, person)
        person = User.objects.select_for_update().get(pk=person.pk)
        temporary = generate_temporary()
        _store_password(person, temporary, must_change=True)
        # Whoever forced the reset may fear the old credentials leaked: tokens go with them.
        ApiToken.objects.filter(user=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
        record(actor=actor, action="account.reset_password", obj=person,
               summary=f"重置 {person.username} 的密码（须在下次登录时修改）")
    return temporary


def person_set_clearance(*, actor: User, person: User, clearance: Clearance) -> User:
    with atomic_action(actor, "clearance.set", obj=person):
        policy.require(actor, Perm.GRANT_CLEARANCE, person)
        person = User.objects.select_for_update().get(pk=person.pk)
        before = Clearance(person.clearance)
        if clearance > before:
            # 先审后授、先签后授 (PERS-01, PERS-04): raising needs a valid vetting and the signed
            # hiring commitment (baomi.personnel). Lowering is always allowed and cuts access at once.
            from baomi.personnel.selectors import reason_clearance_blocked

            blocked = reason_clearance_blocked(person, clearance)
            if blocked:
                raise Refused(blocked)
        person.clearance = int(clearance)
        person.save(update_fields=["clearance"])
        record(actor=actor, action="clearance.set", obj=person,
               summary=f"{person.username} 涉密类别 {before.zh} → {clearance.zh}",
               details={"before": int(before), "after": int(clearance)})
    return person


def person_release(*, actor: User, person: User, disable: bool, reason: str) -> User:
    """离岗离职 (PERS-14), the approved departure's effect: clearance to 非涉密, business roles
    revoked and, on 离职, the account disabled and its API tokens revoked. Called by
    baomi.personnel inside the transaction that records the final approval (the approval is
    the authority: the approver needs no account-management power)."""
    with atomic_action(actor, "account.release", obj=person):
        person = User.objects.select_for_update().get(pk=person.pk)
        before = {"clearance": person.clearance, "active": person.is_active,
                  "roles": list(person.role_assignments.values_list("role", "unit_id"))}
        person.clearance = int(Clearance.NONE)
        fields = ["clearance"]
        if disable:
            person.is_active = False
            fields.append("is_active")
            ApiToken.objects.filter(user=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
        person.save(update_fields=fields)
        RoleAssignment.objects.filter(user=person).delete()
        record(actor=actor, action="account.release", obj=person,
               summary=f"{person.username} 离岗离职：涉密类别撤销" + ("，账户停用" if disable else "")
                       + f"（{reason}）"[:100],
               details={"before": before, "disabled": disable})
    return person


def role_grant(*, actor: User, person: User, role: Role, unit: Unit | None = None) -> RoleAssignment:
    with atomic_action(actor, "role.grant", obj=person):
        policy.require(actor, Perm.GRANT_ROLES, person)
        if role not in Role.values:
            raise Invalid(_("未知角色"))
        if RoleAssignment.objects.filter(user=person, role=role, unit=unit).exists():
            raise Conflict(_("该角色已授予"))
        try:
            with transaction.atomic():
                assignment = RoleAssignment.objects.create(user=person, role=role, unit=unit, granted_by=actor)
        except IntegrityError:
            raise Conflict(_("该角色已授予")) from None
        record(actor=actor, action="role.grant", obj=person,
               summary=f"授予 {person.username} 角色 {Role(role).label}" + (f"（{unit.name}）" if unit else ""),
               details={"role": str(role), "unit": unit.pk if unit else None})
    return assignment


def role_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    person = assignment.user
    with atomic_action(actor, "role.revoke", obj=person):
        policy.require(actor, Perm.GRANT_ROLES, person)
        deleted, _n = RoleAssignment.objects.filter(pk=assignment.pk).delete()
        if not deleted:
            raise Conflict(_("该角色已被撤销"))
        record(actor=actor, action="role.revoke", obj=person,
               summary=f"撤销 {person.username} 的角色 {assignment.get_role_display()}",
               details={"role": assignment.role, "unit": assignment.unit_id})


# ---------------------------------------------------------------- own account


def _store_password(person: User, raw: str, *, must_change: bool) -> None:
    if person.password:
        PasswordHistory.objects.create(user=person, password=person.password)
    person.set_password(raw)
    person.must_change_password = must_change
    person.password_changed_at = timezone.now()
    person.save(update_fields=["password", "must_change_password", "password_changed_at"])
    keep = settings.BAOMI_PASSWORD_HISTORY
    stale = person.password_history.values_list("pk", flat=True)[keep:]
    PasswordHistory.objects.filter(pk__in=list(stale)).delete()


def temporary_password_retire(*, person: User, via: str) -> bool:
    """At a person's single sign-on login: a temporary password the system administrator issued
    (须修改密码) and never changed is retired, not forced to change. The person signs in through
    the directory, and a password the administrator knows must not stay a way into the account
    (三员分立). Administrators keep theirs: their local password is the way in when the directory
    is down, so they change it as after a password login. Returns whether one was retired."""
    if person.admin_role or not person.must_change_password:
        return False
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=person.pk)
        if not locked.must_change_password:
            return False
        locked.set_unusable_password()
        locked.must_change_password = False
        locked.save(update_fields=["password", "must_change_password"])
        record(actor=locked, action="password.retire", obj=locked,
               summary=f"{locked.username} 经统一身份认证登录，系统管理员设置的临时密码已作废",
               details={"via": via})
    person.password, person.must_change_password = locked.password, False
    return True


def password_change(*, actor: User, old: str, new: str) -> None:
    with atomic_action(actor, "password.change", obj=actor):
        person = User.objects.select_for_update().get(pk=actor.pk)
        if not person.check_password(old):
            raise Refused(_("原密码不正确"))
        try:
            password_validation.validate_password(new, person)
        except ValidationError as exc:
            raise Invalid("；".join(exc.messages)) from None
        _store_password(person, new, must_change=False)
        record(actor=actor, action="password.change", obj=person, summary=f"{person.username} 修改了密码")
    actor.password = person.password
    actor.must_change_password = False


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, actor: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A personal API token; the plaintext is returned once and never stored."""
    if days is None:  # not `days or ...`: 0 is bad input to refuse, not a request for the default
        days = settings.BAOMI_API_TOKEN_DAYS
    with atomic_action(actor, "token.create"):
        if not actor.is_active:
            raise Refused(_("账户已停用"))
        if not (1 <= days <= 365):
            raise Invalid(_("有效期须在 1 到 365 天之间"))
        if not name.strip():
            raise Invalid(_("请填写令牌名称"))
        prefix = secrets.token_hex(4)
        raw = f"bm_{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=actor, name=name.strip()[:60], prefix=prefix, digest=token_digest(raw),
            expires_at=timezone.now() + timedelta(days=days),
        )
        record(actor=actor, action="token.create", obj=token, summary=f"创建 API 令牌 {token.name}",
               details={"prefix": prefix, "days": days})
    return token, raw


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    with atomic_action(actor, "token.revoke", obj=token):
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.user_id != actor.pk:
            raise Refused(_("只能吊销本人的令牌"))
        if token.revoked_at is not None:
            raise Conflict(_("令牌已吊销"))
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="token.revoke", obj=token, summary=f"吊销 API 令牌 {token.name}")
    return token


def token_authenticate(raw: str) -> User | None:
    """The active owner of a valid, unexpired, unrevoked token, else None."""
    parts = raw.split("_", 2)  # the random part is URL-safe base64 and may itself contain "_"
    if len(parts) != 3 or parts[0] != "bm":
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not secrets.compare_digest(token.digest, token_digest(raw)):
        return None
    now = timezone.now()
    if token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # usage metadata, not a state change
    return token.user


# ---------------------------------------------------------------- second factor


def totp_begin(*, actor: User) -> TOTPDevice:
    """An unconfirmed TOTP device to show as a QR code; replaced if the person starts again."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        return TOTPDevice.objects.create(user=actor, name="TOTP", confirmed=False)


def totp_confirm(*, actor: User, device: TOTPDevice, code: str) -> TOTPDevice:
    with atomic_action(actor, "mfa.enroll", obj=actor):
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=actor)
        if not device.verify_token(code.strip()):
            raise Refused(_("动态口令不正确，请重新输入"))
        TOTPDevice.objects.filter(user=actor, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(actor=actor, action="mfa.enroll", obj=actor, summary=f"{actor.username} 绑定了动态口令")
    return device


def mfa_required(person: User) -> bool:
    """The three administrators must use a second factor, and so must the people the
    security-key policy covers (BAOMI_REQUIRE_SECURITY_KEY_LEVEL); anyone who enrolled a
    factor (TOTP or a security key) uses it too."""
    from django_otp import user_has_device

    from baomi.securitykeys.policy import key_required

    return bool(person.admin_role) or key_required(person) or user_has_device(person, confirmed=True)


# ---------------------------------------------------------------- bootstrap (server command line)


def admin_bootstrap(*, role: AdminRole, username: str, full_name: str, password: str) -> User:
    """`baomi createadmin`: create one of the three administrators from the server's shell.

    The operator at the server is the actor (recorded as `cli`). Holding two of the three
    roles is impossible: the role is one column, and a name already holding another role
    is refused.
    """
    if role not in (AdminRole.SYSTEM, AdminRole.SECURITY, AdminRole.AUDITOR):
        raise Invalid(_("未知的管理员角色"))
    with atomic_action(None, "admin.bootstrap", actor_username=CLI_ACTOR):
        existing = User.objects.filter(username=username).first()
        if existing is not None and existing.admin_role and existing.admin_role != role:
            raise Refused(_("三员分立：该账户已是%(r)s，不能兼任") % {"r": existing.get_admin_role_display()})
        if existing is not None and existing.role_assignments.exists():
            raise Refused(_("三员分立：持有业务角色的账户不能担任管理员"))
        person = existing or User(username=username)
        person.full_name = full_name or person.full_name or username
        person.admin_role = role
        try:
            password_validation.validate_password(password, person)
        except ValidationError as exc:
            raise Invalid("；".join(exc.messages)) from None
        person.set_password(password)
        person.must_change_password = True
        person.is_active = True
        person.save()
        record(actor=None, actor_username=CLI_ACTOR, action="admin.bootstrap", obj=person,
               summary=f"命令行设置 {username} 为{AdminRole(role).label}")
    return person
