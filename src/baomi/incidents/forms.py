"""Incident forms (Chinese labels, validated again by the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.incidents.models import IncidentKind, Liability, PenaltyKind, Referral, Severity
from baomi.levels import Level

LEVELS = [(int(v), v.zh) for v in Level if v >= Level.INTERNAL]
DT = {"type": "datetime-local"}


class ReportForm(forms.Form):
    title = forms.CharField(label=_("事件名称"), max_length=200)
    kind = forms.ChoiceField(label=_("事件类型"), choices=IncidentKind.choices)
    level = forms.TypedChoiceField(label=_("涉及密级"), choices=LEVELS, coerce=int)
    discovered_at = forms.DateTimeField(label=_("发现时间"), widget=forms.DateTimeInput(attrs=DT))
    occurred_at = forms.DateTimeField(label=_("发生时间"), required=False, widget=forms.DateTimeInput(attrs=DT))
    description = forms.CharField(label=_("事件经过"), widget=forms.Textarea(attrs={"rows": 4}))
    circumstances = forms.CharField(label=_("情节"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    people = forms.CharField(label=_("涉及人员（用户名，逗号分隔）"), required=False)


class TextForm(forms.Form):
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))


class MeasureForm(TextForm):
    at = forms.DateTimeField(label=_("采取时间"), required=False, widget=forms.DateTimeInput(attrs=DT))


class NotifyForm(forms.Form):
    at = forms.DateTimeField(label=_("上报时间"), widget=forms.DateTimeInput(attrs=DT))
    to = forms.CharField(label=_("报告对象"), max_length=100)
    how = forms.CharField(label=_("报告方式"), max_length=100)


class DetermineForm(forms.Form):
    finding = forms.CharField(label=_("责任认定"), widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(label=_("情节轻重"), choices=Severity.choices)
    liability = forms.ChoiceField(label=_("责任类型"), choices=[("", _("按密级和情节确定")), *Liability.choices],
                                  required=False)
    responsible = forms.CharField(label=_("直接责任人（用户名，逗号分隔）"), required=False)
    leaders = forms.CharField(label=_("领导责任人（用户名，逗号分隔）"), required=False)


class PenaltyForm(forms.Form):
    person = forms.CharField(label=_("受处分人（用户名）"))
    kind = forms.ChoiceField(label=_("处分"), choices=PenaltyKind.choices)
    referral = forms.ChoiceField(label=_("移送"), choices=Referral.choices, required=False)
    basis = forms.CharField(label=_("依据"), max_length=200, required=False)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("结案理由"), widget=forms.Textarea(attrs={"rows": 2}))


class CommendForm(forms.Form):
    person = forms.CharField(label=_("受表扬个人（用户名）"), required=False)
    unit = forms.CharField(label=_("或受表扬科室（代码）"), required=False)
    reason = forms.CharField(label=_("表扬事由"), widget=forms.Textarea(attrs={"rows": 2}))
