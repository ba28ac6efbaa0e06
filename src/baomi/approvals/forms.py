from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import Role, Unit
from baomi.approvals import registry
from baomi.approvals.models import Scope
from baomi.levels import Level


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("意见"), choices=[("approve", _("同意")), ("reject", _("不同意"))],
                                 widget=forms.RadioSelect)
    comment = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    password = forms.CharField(label=_("签批密码（本人登录密码）"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class RuleForm(forms.Form):
    request_type = forms.ChoiceField(label=_("申请类型"), choices=())
    min_level = forms.TypedChoiceField(
        label=_("适用最低密级"), required=False, coerce=int, empty_value=None,
        choices=[("", _("不限")), *[(int(lv), lv.zh) for lv in Level]],
    )
    order = forms.IntegerField(label=_("步骤"), min_value=1, initial=1)
    approver_role = forms.ChoiceField(label=_("审批角色"), choices=Role.choices, initial=Role.APPROVER)
    scope = forms.ChoiceField(label=_("范围"), choices=Scope.choices)
    scope_unit = forms.ModelChoiceField(label=_("指定单位"), queryset=Unit.objects.all(), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["request_type"].choices = [(t.code, t.label) for t in registry.all_types()]  # type: ignore[attr-defined]
