from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import Unit, User
from baomi.levels import Clearance
from baomi.personnel.models import POST_LEVEL_CHOICES, CommitmentKind, DepartureKind, Post, VettingKind, VettingResult

CATEGORY_CHOICES = [(int(c), c.zh) for c in Clearance if c > Clearance.NONE]


class PostForm(forms.Form):
    name = forms.CharField(label=_("岗位名称"), max_length=80)
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.filter(is_active=True))
    level = forms.TypedChoiceField(label=_("岗位涉密程度"), choices=POST_LEVEL_CHOICES, coerce=int)
    duties = forms.CharField(label=_("岗位保密职责"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_leadership = forms.BooleanField(label=_("领导岗位"), required=False)


class AssignForm(forms.Form):
    person = forms.ModelChoiceField(label=_("人员"), queryset=User.objects.filter(is_active=True, admin_role=""))
    post = forms.ModelChoiceField(label=_("涉密岗位"), queryset=Post.objects.filter(is_active=True))
    starts_on = forms.DateField(label=_("到岗日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), required=False, max_length=200)


class VettingForm(forms.Form):
    kind = forms.ChoiceField(label=_("审查类型"), choices=VettingKind.choices)
    category = forms.TypedChoiceField(label=_("审查类别"), choices=CATEGORY_CHOICES, coerce=int)
    result = forms.ChoiceField(label=_("审查结论"), choices=VettingResult.choices)
    vetted_on = forms.DateField(label=_("审查日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("审查意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    documents = forms.CharField(label=_("审查材料（每行一个文件名）"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))


class PrepareForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=CommitmentKind.choices)


class SignForm(forms.Form):
    password = forms.CharField(label=_("请输入您的登录密码以签署"), widget=forms.PasswordInput)


class ScanForm(forms.Form):
    scan = forms.FileField(label=_("签字扫描件（PDF、PNG 或 JPEG）"))


class DepartureForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=DepartureKind.choices)
    reason = forms.CharField(label=_("事由"), widget=forms.Textarea(attrs={"rows": 2}))


class HandoverForm(forms.Form):
    to = forms.ModelChoiceField(label=_("交接人"), queryset=User.objects.filter(is_active=True, admin_role=""))
    items = forms.CharField(label=_("交接内容"), widget=forms.Textarea(attrs={"rows": 3}))


class EmploymentForm(forms.Form):
    employer = forms.CharField(label=_("就业单位"), max_length=120)
    position = forms.CharField(label=_("职务"), max_length=80, required=False)
    reported_on = forms.DateField(label=_("报告日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AnnualReportForm(forms.Form):
    year = forms.IntegerField(label=_("年度"))
    text = forms.CharField(label=_("履行保密职责及遵守保密纪律情况"), widget=forms.Textarea(attrs={"rows": 5}))
    duties = forms.MultipleChoiceField(label=_("已履行的保密职责"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    leader_section = forms.CharField(label=_("履行保密工作责任制情况（领导干部述职保密部分）"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: object, duties: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["duties"].choices = duties  # type: ignore[attr-defined]
