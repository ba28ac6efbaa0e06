from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.review.models import REVIEW_LEVEL_CHOICES, Purpose


class CheckForm(forms.Form):
    file = forms.FileField(label=_("上传文件"), required=False)
    text = forms.CharField(label=_("或粘贴文本"), required=False, strip=False,
                           widget=forms.Textarea(attrs={"rows": 8}))
    purpose = forms.ChoiceField(label=_("用途"), choices=Purpose.choices, initial=Purpose.PUBLICATION)
    declared_level = forms.TypedChoiceField(label=_("申报密级（可选）"), required=False, coerce=int, empty_value=None,
                                            choices=[("", "—"), *REVIEW_LEVEL_CHOICES])
    decision_id = forms.IntegerField(label=_("拟公开的定密事项 ID（可选）"), required=False, min_value=1)

    def clean(self) -> dict:
        data = super().clean() or {}
        if bool(data.get("file")) == bool(data.get("text")):
            raise forms.ValidationError(_("请上传一个文件或粘贴文本（二者选一）"))
        return data
