"""The idle timeout without a session write on every request: Baomi's session engine
(SESSION_ENGINE), Django's database sessions with one change.

The session row's expiry (SESSION_COOKIE_AGE after its last save) is the idle timeout, and
SESSION_SAVE_EVERY_REQUEST saves the session at the end of every request to restart it — an
UPDATE per page. Here that save is skipped while the session is unchanged and the expiry read
with it is less than TOUCH_INTERVAL_S short of a full SESSION_COOKIE_AGE. So a session idle for
SESSION_COOKIE_AGE seconds has expired, and one idle for SESSION_COOKIE_AGE - TOUCH_INTERVAL_S
seconds has not: the timeout is exact to within that minute. Sessions the request changed
(sign-in, messages, second factor, sign-out) and new sessions are written as before.
"""

from __future__ import annotations

import datetime

from django.contrib.sessions.backends import db
from django.utils import timezone

TOUCH_INTERVAL_S = 60


class SessionStore(db.SessionStore):
    loaded_expiry: datetime.datetime | None = None

    def _get_session_from_db(self):  # type: ignore[no-untyped-def]
        row = super()._get_session_from_db()  # type: ignore[misc]
        self.loaded_expiry = row.expire_date if row is not None else None  # remembered for save()
        return row

    def save(self, must_create: bool = False) -> None:
        if not must_create and not self.modified and self.session_key is not None:
            self._get_session()  # type: ignore[attr-defined]  # loads it (and its expiry) if the request did not
            if self.session_key is not None and self.loaded_expiry is not None:
                full = timezone.now() + datetime.timedelta(seconds=self.get_expiry_age())
                if full - self.loaded_expiry < datetime.timedelta(seconds=TOUCH_INTERVAL_S):
                    return  # saved less than a minute ago and unchanged since
        super().save(must_create=must_create)
