"""Request types: each module registers the kinds of approval it needs and what happens
when one is decided. The engine stays generic; effects belong to the owning module.

Register in the owning app's `AppConfig.ready()`:

    register(RequestType(code="classification.change", label="定密变更", on_approved=apply_change))
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
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
    # Called when the request closes without approval: rejected, withdrawn (the requester), or
    # expired by jobs.tick — then the second argument is None (the system closed it).
    on_rejected: Callable[[ApprovalRequest, User], None] | None = None
    # Extra eligibility for deciders beyond the routing rule's role (e.g. an authority's
    # highest level): returns the reason a person may not decide, or None.
    may_decide: Callable[[ApprovalRequest, User], str | None] | None = None
    # Default route when no routing rule is stored: (role, scope) per step.
    default_steps: tuple[tuple[str, str], ...] = (("approver", "requester_unit"),)
    # Default routes by minimum level ("defaults follow the strictest section"): the entry for
    # the highest minimum level the request reaches applies; None is the route for any level.
    # When given, it replaces default_steps (which stays the route for types without one).
    default_route: Mapping[int | None, tuple[tuple[str, str], ...]] | None = None
    # A pending request expires this long after submission (None: never).
    expires_after: datetime.timedelta | None = datetime.timedelta(days=7)

    def steps_for(self, level: int | None) -> tuple[tuple[str, str], ...]:
        """The default (role, scope) steps for a request of this level."""
        if not self.default_route:
            return self.default_steps
        reached = [m for m in self.default_route if m is None or (level is not None and m <= level)]
        if not reached:
            return self.default_steps
        top = max(reached, key=lambda m: -1 if m is None else int(m))
        return tuple(self.default_route[top])

    def route_levels(self) -> list[int | None]:
        """The minimum levels at which the default route changes (None first)."""
        if not self.default_route:
            return [None]
        return sorted(self.default_route, key=lambda m: -1 if m is None else int(m))


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
