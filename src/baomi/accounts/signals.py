"""Login, logout and lockout become audit events; a single sign-on login retires a temporary password."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from baomi.audit.models import Outcome
from baomi.audit.services import record

# Backends whose login is the directory's or the identity provider's, not Baomi's password.
SSO_BACKENDS = {"baomi.sso.directory.DirectoryBackend": "ldap", "baomi.sso.oidc.OIDCBackend": "oidc"}


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(actor=user, action="auth.login", obj=user, summary=f"{user.username} 登录成功")
    # The backend as login() stored it in the session (a `backend=` argument never reaches the user).
    session = getattr(request, "session", None)
    backend = session.get(BACKEND_SESSION_KEY, "") if session is not None else getattr(user, "backend", "")
    via = SSO_BACKENDS.get(backend)
    if via is not None and user.must_change_password:
        from baomi.accounts.services import temporary_password_retire

        if temporary_password_retire(person=user, via=via) and request is not None:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, user)  # the session outlives the password it was keyed to


def _account(username: str) -> Any:
    """The account a failed attempt names, so that attempts on an administrator's account
    are administrators' events (hidden from the security administrator like the rest)."""
    from baomi.accounts.models import User

    return User.objects.filter(username=username).first()


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(actor=_account(username), actor_username=username, action="auth.login_failed",
           outcome=Outcome.DENIED, object_type="user", summary=f"{username} 登录失败")


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(actor=user, action="auth.logout", obj=user, summary=f"{user.username} 退出登录")


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any, username: str, ip_address: str, **kwargs: Any) -> None:
    record(actor=_account(username), actor_username=username, action="auth.lockout", outcome=Outcome.DENIED,
           object_type="user", summary=f"{username} 连续登录失败，账户已锁定", details={"ip": ip_address})
