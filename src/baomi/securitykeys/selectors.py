"""Reads of security keys: a person only ever sees their own."""

from __future__ import annotations

from django.utils.translation import gettext as _

from baomi.accounts.models import User
from baomi.errors import NotFound
from baomi.securitykeys.models import SecurityKey


def keys_of(person: User) -> list[SecurityKey]:
    return list(SecurityKey.objects.filter(user=person, confirmed=True).order_by("created_at", "pk"))


def own_key(person: User, key_id: int) -> SecurityKey:
    """One of the person's keys; someone else's is indistinguishable from a missing one."""
    key = SecurityKey.objects.filter(pk=key_id, user=person).first()
    if key is None:
        raise NotFound(_("对象不存在"))
    return key
