"""Password policy (等保 2.0 身份鉴别): length, character classes, no username, no reuse."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SYMBOLS = "!@#$%^&*-_=+?.,:;"


class LengthValidator:
    def validate(self, password: str, user: Any = None) -> None:
        n = settings.BAOMI_PASSWORD_MIN_LENGTH
        if len(password) < n:
            raise ValidationError(_("密码至少需要 %(n)d 个字符") % {"n": n}, code="password_too_short")

    def get_help_text(self) -> str:
        return _("至少 %(n)d 个字符") % {"n": settings.BAOMI_PASSWORD_MIN_LENGTH}


def character_classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class CharacterClassValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < 3:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少三类"), code="password_too_simple"
            )

    def get_help_text(self) -> str:
        return _("包含大写字母、小写字母、数字、符号中的至少三类")


class NotUsernameValidator:
    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError(_("密码不能包含用户名"), code="password_contains_username")

    def get_help_text(self) -> str:
        return _("不能包含用户名")


class HistoryValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        n = settings.BAOMI_PASSWORD_HISTORY
        previous = [user.password, *user.password_history.values_list("password", flat=True)[: n - 1]]
        if any(encoded and check_password(password, encoded) for encoded in previous):
            raise ValidationError(_("不能重复使用最近 %(n)d 次用过的密码") % {"n": n}, code="password_reused")

    def get_help_text(self) -> str:
        return _("不能与最近 %(n)d 次的密码相同") % {"n": settings.BAOMI_PASSWORD_HISTORY}


def generate_temporary() -> str:
    """A one-time password that satisfies the policy, for new accounts and resets."""
    alphabet = string.ascii_letters + string.digits + SYMBOLS
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(max(14, settings.BAOMI_PASSWORD_MIN_LENGTH)))
        if character_classes(candidate) == 4:
            return candidate
