"""What the carrier page and the 保密审查 page need from the vault, computed for the reader."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from baomi import policy
from baomi.carriers.models import Carrier
from baomi.vault import forms, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def vault_content(context: template.Context, carrier: Carrier) -> dict[str, Any]:
    """Versions, and the upload form for those who may upload into this carrier."""
    user = context["request"].user
    reason = policy.reason_may_store_content(user, carrier, settings.BAOMI_SYSTEM_LEVEL)
    keeper = policy.reason_may_keep_carrier(user, carrier.level, carrier.unit_id) is None
    return {
        "versions": list(selectors.versions_of(user, carrier)),
        "may_upload": reason is None,
        "refusal": reason if keeper and carrier.kind != "paper" else "",
        "electronic": carrier.kind != "paper",
        "form": forms.UploadForm(),
        "max_mb": settings.BAOMI_MAX_UPLOAD_MB,
        "copy": selectors.held_copy(user, carrier),
    }


@register.simple_tag(takes_context=True)
def vault_match(context: template.Context, finding: dict[str, Any]) -> str:
    """A content check's match with registered content: the similarity for everyone, the
    register number only for a reader who may see the carrier (never its title)."""
    message = finding.get("message") or selectors.match_message(float(finding.get("similarity", 0)))
    register_no = selectors.match_register_no(context["request"].user, finding.get("carrier"))
    return f"{message}：{register_no}" if register_no else message
