from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from baomi.audit.models import Outcome
from baomi.audit.selectors import EventFilter


class EventFilterForm(forms.Form):
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    action = forms.CharField(label=_("动作"), required=False, max_length=60)
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=40)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    outcome = forms.ChoiceField(label=_("结果"), required=False, choices=[("", "—"), *Outcome.choices])
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def to_filter(self) -> EventFilter:
        # The valid fields apply even when another is bad (shown with its error): dropping the
        # whole filter for one bad date would silently list everything.
        d: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            d = self.cleaned_data
        tz = timezone.get_current_timezone()

        def start_of(day: object, plus: int = 0) -> datetime | None:
            if not day:
                return None
            moment = datetime.combine(day, time.min, tzinfo=tz)  # type: ignore[arg-type]
            return moment + timedelta(days=plus)

        return EventFilter(
            actor=d.get("actor", ""), action=d.get("action", ""), object_type=d.get("object_type", ""),
            object_id=d.get("object_id", ""), outcome=d.get("outcome", ""),
            since=start_of(d.get("since")), until=start_of(d.get("until"), 1),
        )
