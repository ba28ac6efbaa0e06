"""Who must use a security key, and the relying party a request speaks for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port

from baomi.levels import Level

if TYPE_CHECKING:
    from baomi.accounts.models import User

RP_NAME = "Baomi 保密"


def required_level() -> Level | None:
    """BAOMI_REQUIRE_SECURITY_KEY_LEVEL as a level (机密, SECRET, 4 …), or None when off."""
    value = str(getattr(settings, "BAOMI_REQUIRE_SECURITY_KEY_LEVEL", "") or "").strip()
    return Level.parse(value) if value else None


def key_required_at(level: int | None) -> bool:
    """Hardware keys are the practice for 机密 and above: whether `level` is the configured
    level or a higher one (False when the policy is off or there is no level)."""
    required = required_level()
    return required is not None and level is not None and level >= required


def key_required(person: User) -> bool:
    """Whoever is cleared to know the configured level (or a higher one) must pass the
    second factor with a security key."""
    return key_required_at(person.max_level)


def factor_mandatory(person: User) -> bool:
    """A second factor is compulsory (not merely chosen): the three administrators, and the
    people the security-key policy covers. Their last factor cannot be removed."""
    return bool(person.admin_role) or key_required(person)


def rp_id(request: HttpRequest) -> str:
    """The relying-party id: BAOMI_WEBAUTHN_RP_ID, else the host name the browser used."""
    configured = str(getattr(settings, "BAOMI_WEBAUTHN_RP_ID", "") or "")
    if configured:
        return configured
    host, _port = split_domain_port(request.get_host())
    return host


def expected_origins(request: HttpRequest) -> list[str]:
    """BAOMI_WEBAUTHN_ORIGINS, else this request's own origin (scheme and host as received)."""
    configured = list(getattr(settings, "BAOMI_WEBAUTHN_ORIGINS", []) or [])
    return configured or [f"{request.scheme}://{request.get_host()}"]
