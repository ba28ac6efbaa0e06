from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import Role, Unit, User
from baomi.approvals import registry
from baomi.approvals.models import ExternalKind, Scope
from baomi.levels import Level


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("意见"), choices=[("approve", _("同意")), ("reject", _("不同意"))],
                                 widget=forms.RadioSelect)
    comment = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    password = forms.CharField(label=_("签批密码（本人登录密码）"), required=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    otp = forms.CharField(label=_("或动态口令（已绑定动态口令者）"), required=False, max_length=10,
                          widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    # Filled by the 使用安全密钥签批 button (webauthn.js): the key's assertion over this decision.
    key_credential = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20_000)
    key_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2_000)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("key_credential"):
            try:
                data["key_credential"] = json.loads(str(data["key_credential"]))
            except ValueError:
                raise forms.ValidationError(_("安全密钥签批无效，请重新签批")) from None
        elif not data.get("password") and not data.get("otp"):
            raise forms.ValidationError(_("请输入签批密码或动态口令，或使用安全密钥签批"))
        return data


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(label=_("受托人"), queryset=User.objects.none())
    starts_on = forms.DateField(label=_("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))
    request_types = forms.MultipleChoiceField(label=_("申请类型（不选为全部）"), required=False, choices=(),
                                              widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_("委托理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["delegate"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, admin_role="").select_related("unit")
        self.fields["request_types"].choices = [(t.code, t.label) for t in registry.all_types()]  # type: ignore[attr-defined]


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


class ProvisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("事项"), choices=ExternalKind.choices, initial=ExternalKind.PROVIDE)
    recipient = forms.CharField(label=_("提供对象（外方单位/人员）"), max_length=200)
    material = forms.CharField(label=_("拟提供的文件、资料"), widget=forms.Textarea(attrs={"rows": 3}))
    level = forms.TypedChoiceField(label=_("密级"), coerce=int,
                                   choices=[(int(lv), lv.zh) for lv in Level if lv >= Level.WORK_SECRET])
    purpose = forms.CharField(label=_("事由"), widget=forms.Textarea(attrs={"rows": 2}))
    outline = forms.CharField(label=_("采访提纲或会谈要点"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("接受采访或涉外会谈时必填，供审批人审查"))
