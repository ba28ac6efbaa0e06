"""Pieces shared by the directory backends: finding the Baomi account, auditing, refusing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils.translation import gettext as _

from baomi.accounts.models import User
from baomi.audit.models import Outcome
from baomi.audit.services import record


class AdministratorsOnlyModelBackend(ModelBackend):
    """BAOMI_LDAP_ONLY: local passwords are accepted only for the three administrators, who
    must still get in when the directory is down; everyone else signs in through the directory."""

    def user_can_authenticate(self, user: Any) -> bool:
        return super().user_can_authenticate(user) and bool(getattr(user, "admin_role", ""))


def find_account(name: str) -> User | None:
    """The Baomi account a directory name maps to. Directories compare names without regard to
    case (AD does), so we do too, but never guess between two accounts that differ only in case."""
    if not name:
        return None
    matches = list(User.objects.filter(username__iexact=name)[:2])
    if len(matches) == 1:
        return matches[0]
    return next((u for u in matches if u.username == name), None)


# Why a directory-approved login was still refused, in the words the person is shown.
REASONS: dict[str, Any] = {
    "unknown": lambda: _("统一身份认证已通过，但本平台没有与之对应的账户。账户由系统管理员开通，请与其联系。"),
    "inactive": lambda: _("该账户已停用，不能登录。"),
    "locked": lambda: _("该账户因连续登录失败已被锁定，请稍后再试。"),
    "unavailable": lambda: _("目录服务暂不可用，请稍后再试或与系统管理员联系。"),
}


def reason_text(reason: str) -> str:
    text = REASONS.get(reason)
    return text() if text else _("统一身份认证未能完成，请重试或使用用户名和密码登录。")


def tell(request: HttpRequest | None, reason: str) -> None:
    """Show the person why (the login form alone would only say "wrong password")."""
    if request is not None and hasattr(request, "_messages"):
        messages.error(request, reason_text(reason))


def audit_verified(*, user: User, method: str, details: dict[str, Any]) -> None:
    """The directory vouched for this account; `auth.login` follows from the usual login signal."""
    record(actor=user, action="auth.sso", obj=user, details={"method": method, **details},
           summary=f"{user.username} 经{_METHOD_NAMES[method]}认证")


def audit_refused(*, username: str, method: str, reason: str, details: dict[str, Any] | None = None,
                  action: str = "auth.sso") -> None:
    """A directory login Baomi refused. Same shape as a failed local login (accounts.signals):
    the account it names is the actor, so attempts on an administrator stay administrators' events."""
    username = username[:150]
    record(actor=find_account(username), actor_username=username, action=action, outcome=Outcome.DENIED,
           object_type="user", details={"method": method, "reason": reason, **(details or {})},
           summary=f"{username or '?'} 经{_METHOD_NAMES[method]}登录被拒绝：{reason_text(reason)}")


_METHOD_NAMES = {"ldap": "LDAP 目录", "oidc": "统一身份认证（OIDC）"}
