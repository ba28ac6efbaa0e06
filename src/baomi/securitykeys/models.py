"""A WebAuthn credential (security key) that is a django-otp device, so `otp_login` and
`request.user.is_verified()` treat it like the TOTP device."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, TimestampMixin


class SecurityKey(TimestampMixin, Device):
    """One registered credential. `name` and `confirmed` come from `Device`; a key is stored
    confirmed only after its attestation was verified, so it is never half-enrolled."""

    # base64url of the credential id, as the browser sends it; unique across all users.
    credential_id = models.CharField(_("凭据标识"), max_length=1400, unique=True)
    public_key = models.BinaryField(_("公钥（COSE）"))
    # The authenticator's signature counter: must grow at each use once non-zero (clone detection).
    sign_count = models.PositiveBigIntegerField(_("签名计数"), default=0)
    transports = models.JSONField(_("传输方式"), default=list, blank=True)
    aaguid = models.CharField(_("型号标识"), max_length=36, blank=True)
    # The WebAuthn user handle sent at registration: random, the same for all keys of one person.
    user_handle = models.BinaryField(_("用户句柄"), max_length=64)

    class Meta:
        verbose_name = _("安全密钥")
        verbose_name_plural = _("安全密钥")

    def __str__(self) -> str:
        return self.name
