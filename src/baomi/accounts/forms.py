from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import CLEARANCE_CHOICES, Role, Unit


class UnitForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.SlugField(label=_("代码"), max_length=40)
    parent = forms.ModelChoiceField(label=_("上级单位"), queryset=Unit.objects.all(), required=False)
    sort_order = forms.IntegerField(label=_("排序"), min_value=0, initial=0, required=False)


class PersonForm(forms.Form):
    username = forms.RegexField(label=_("用户名"), max_length=150, regex=r"^[A-Za-z0-9_.-]+$",
                                help_text=_("字母、数字、._-"))
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    unit = forms.ModelChoiceField(label=_("单位"), queryset=Unit.objects.filter(is_active=True), required=False)
    staff_no = forms.CharField(label=_("工号"), max_length=30, required=False)
    post = forms.CharField(label=_("职务/岗位"), max_length=60, required=False)


class PersonEditForm(PersonForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["username"]


class ClearanceForm(forms.Form):
    clearance = forms.TypedChoiceField(
        label=_("涉密类别"), coerce=int, choices=CLEARANCE_CHOICES
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("范围单位（空为全单位）"), queryset=Unit.objects.all(), required=False)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("原密码"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label=_("新密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    new_password2 = forms.CharField(
        label=_("确认新密码"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") != data.get("new_password2"):
            raise forms.ValidationError(_("两次输入的新密码不一致"))
        return data


class OtpForm(forms.Form):
    code = forms.RegexField(label=_("动态口令"), regex=r"^\s*\d{6}\s*$", max_length=8,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class TokenForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60)
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=365, initial=90)
