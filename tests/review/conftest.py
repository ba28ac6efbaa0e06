"""The classification cast (guide with keywords, decisions in force) reused for the review tests."""

from __future__ import annotations

import json

from baomi.audit.models import AuditEvent
from baomi.review.models import ContentCheck
from tests.classification.conftest import (  # noqa: F401  (fixtures)
    auditor,
    budget,
    chen,
    designated,
    entries,
    guide,
    head,
    officer,
    org,
    secadmin,
    sunwei,
    sysadmin,
    units,
    wutao,
    zhoujing,
)


def events(action: str, outcome: str = "ok") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, outcome=outcome).order_by("seq"))


def everything_stored() -> str:
    """Every stored check and every audit event, as one text: what must never hold content."""
    checks = [{**{f.name: str(getattr(c, f.attname)) for f in ContentCheck._meta.fields}, "findings": c.findings}
              for c in ContentCheck.objects.all()]
    audit = list(AuditEvent.objects.values_list("summary", "details", "object_id"))
    return json.dumps([checks, audit], ensure_ascii=False, default=str)
