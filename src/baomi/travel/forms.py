from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.travel.models import DocumentKind, ReportKind, TripKind

DATE = forms.DateInput(attrs={"type": "date"})


class TripForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=TripKind.choices)
    destinations = forms.CharField(label=_("前往国家（地区）"), max_length=200)
    purpose = forms.CharField(label=_("事由"), widget=forms.Textarea(attrs={"rows": 3}))
    depart_on = forms.DateField(label=_("出境日期"), widget=DATE)
    return_on = forms.DateField(label=_("入境日期"), widget=DATE)
    companions = forms.CharField(label=_("同行人员"), max_length=200, required=False)
    carriers_planned = forms.BooleanField(label=_("拟携带涉密载体出境"), required=False)
    carrier_items = forms.CharField(label=_("拟携带的涉密载体"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    bureau_doc_no = forms.CharField(label=_("所在地保密局批准文号"), max_length=60, required=False)


class PasswordForm(forms.Form):
    password = forms.CharField(label=_("登录密码（确认签名）"), widget=forms.PasswordInput)


class TripReportForm(forms.Form):
    returned_on = forms.DateField(label=_("实际入境日期"), widget=DATE)
    text = forms.CharField(label=_("回国报告"), widget=forms.Textarea(attrs={"rows": 4}))
    approaches = forms.BooleanField(label=_("境外期间有被接触、利诱、胁迫、策反等情况"), required=False)
    approach_detail = forms.CharField(label=_("情况说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    approach_on = forms.DateField(label=_("发生日期"), required=False, widget=DATE)


class DocumentForm(forms.Form):
    holder = forms.CharField(label=_("持证人（用户名）"), max_length=150)
    kind = forms.ChoiceField(label=_("证件类型"), choices=DocumentKind.choices)
    number = forms.CharField(label=_("证件号码"), max_length=30)
    expires_on = forms.DateField(label=_("有效期至"), widget=DATE)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("事项类型"), choices=ReportKind.choices)
    event_on = forms.DateField(label=_("发生日期"), widget=DATE)
    description = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 4}))


class FollowUpForm(forms.Form):
    action = forms.CharField(label=_("跟进措施"), widget=forms.Textarea(attrs={"rows": 2}))
    next_due_on = forms.DateField(label=_("下次跟进期限"), required=False, widget=DATE)


class CloseForm(forms.Form):
    conclusion = forms.CharField(label=_("办结意见"), widget=forms.Textarea(attrs={"rows": 2}))
