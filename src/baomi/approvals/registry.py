"""Request types: each module registers the kinds of approval it needs and what happens
when one is decided. The engine stays generic; effects belong to the owning module.

Register in the owning app's `AppConfig.ready()`:

    register(RequestType(code="classification.change", label="定密变更", on_approved=apply_change))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from baomi.accounts.models import User
    from baomi.approvals.models import ApprovalRequest


@dataclass(frozen=True)
class RequestType:
    code: str
    label: str
    # Applied by the owning module inside the transaction that records the final approval.
    on_approved: Callable[[ApprovalRequest, User], None]
    on_rejected: Callable[[ApprovalRequest, User], None] | None = None
    # Extra eligibility for deciders beyond the routing rule's role (e.g. an authority's
    # highest level): returns the reason a person may not decide, or None.
    may_decide: Callable[[ApprovalRequest, User], str | None] | None = None
    # Default route when no routing rule is stored: (role, scope) per step.
    default_steps: tuple[tuple[str, str], ...] = (("approver", "requester_unit"),)


_TYPES: dict[str, RequestType] = {}


def register(request_type: RequestType) -> None:
    _TYPES[request_type.code] = request_type


def get(code: str) -> RequestType:
    try:
        return _TYPES[code]
    except KeyError:
        raise LookupError(f"unknown approval request type: {code}") from None


def all_types() -> list[RequestType]:
    return sorted(_TYPES.values(), key=lambda t: t.code)
