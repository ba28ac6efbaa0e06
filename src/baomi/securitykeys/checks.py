"""Refuse to start with a security-key level that names no level."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register


@register()
def security_key_level(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from baomi.securitykeys.policy import required_level

    try:
        required_level()
    except ValueError as exc:
        return [Error(f"BAOMI_REQUIRE_SECURITY_KEY_LEVEL: {exc}", id="securitykeys.E001")]
    return []
