"""Reads of content checks, filtered by `policy.content_checks_visible_to`: one's own checks;
the 保密员 sees all of them (masked snippets only); administrators see none."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from baomi import policy
from baomi.accounts.models import User
from baomi.classification.models import Decision
from baomi.errors import NotFound
from baomi.review.models import ContentCheck


def checks_visible_to(reader: User, *, mine: bool = False) -> QuerySet[ContentCheck]:
    qs = ContentCheck.objects.filter(policy.content_checks_visible_to(reader)).select_related("actor")
    return qs.filter(actor=reader) if mine else qs


def check_for(reader: User, check_id: int) -> ContentCheck:
    check = checks_visible_to(reader).filter(pk=check_id).first()
    if check is None:
        raise NotFound(_("对象不存在"))
    return check


def decision_for_check(reader: User, decision_id: int | None) -> Decision | None:
    """The decision a check says it publishes, if the reader may see it (else not found)."""
    if decision_id is None:
        return None
    decision = Decision.objects.filter(policy.decisions_visible_to(reader), pk=decision_id).first()
    if decision is None:
        raise NotFound(_("对象不存在"))
    return decision
