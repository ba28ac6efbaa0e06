from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import User
from baomi.carriers.models import LEVEL_CHOICES
from baomi.meetings.models import Venue


def _name(person: User) -> str:
    return person.full_name or person.username


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("会议名称"), max_length=200)
    level = forms.TypedChoiceField(label=_("密级"), choices=LEVEL_CHOICES, coerce=int)
    venue = forms.ModelChoiceField(label=_("会场"), queryset=Venue.objects.order_by("name"))
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    clerk = forms.ModelChoiceField(label=_("材料发放（机要员）"), required=False, queryset=User.objects.none())
    no_record = forms.BooleanField(label=_("不准记录/录音"), required=False)
    recording_approved = forms.BooleanField(label=_("经批准录音录像"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clerk = self.fields["clerk"]
        assert isinstance(clerk, forms.ModelChoiceField)
        clerk.queryset = User.objects.filter(
            is_active=True, admin_role="", role_assignments__role__in=["confidential_secretary", "secrecy_officer"]
        ).distinct().order_by("id")
        clerk.label_from_instance = _name  # type: ignore[method-assign,assignment]


class VenueForm(forms.Form):
    name = forms.CharField(label=_("会场名称"), max_length=100)
    max_level = forms.TypedChoiceField(label=_("核准最高密级"), choices=[("", _("不得召开涉密会议")), *LEVEL_CHOICES],
                                       coerce=int, empty_value=None, required=False)
    shielded = forms.BooleanField(label=_("具备电磁屏蔽"), required=False)
    checked_on = forms.DateField(label=_("最近保密检查日期"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
