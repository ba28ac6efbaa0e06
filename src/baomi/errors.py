"""The one domain error, mapped once to JSON (api.py) and to HTML (core.views)."""

from __future__ import annotations

from typing import Any


class BaomiError(Exception):
    """A service refused or could not perform an action; `message` is for the user."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class Invalid(BaomiError):
    """Bad input: nothing was changed."""


class Refused(BaomiError):
    """Policy forbids the action. Services record a `denied` audit event for every refusal."""

    status = 403
    code = "refused"
    # Set once a `denied` audit event has been written for this refusal, so that the edges
    # (HTML and API error mapping) record only the refusals no service recorded.
    recorded = False


class NotFound(BaomiError):
    """The object does not exist *or the actor may not see it*: the two are indistinguishable."""

    status = 404
    code = "not_found"


class Conflict(BaomiError):
    """The object is not in a state that allows the action (double submit, concurrent change)."""

    status = 409
    code = "conflict"
