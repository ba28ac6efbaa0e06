from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import CLEARANCE_CHOICES, User
from baomi.archives.models import EntryCategory
from baomi.carriers.models import Carrier, Copy


class EntryForm(forms.Form):
    carrier: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("已归档的载体"), queryset=Carrier.objects.none())
    category = forms.ChoiceField(label=_("档案类别"), choices=EntryCategory.choices)
    parts = forms.CharField(label=_("卷内文件"), widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("每行一件：题名|页码，如 会议纪要|1-12"))

    def __init__(self, *args: Any, carriers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carrier"].queryset = carriers  # type: ignore[attr-defined]

    def clean_parts(self) -> list[tuple[str, str]]:
        rows = []
        for line in str(self.cleaned_data.get("parts") or "").splitlines():
            title, _sep, pages = line.partition("|")
            if title.strip():
                rows.append((title.strip(), pages.strip()))
        return rows


class RequestForm(forms.Form):
    parts = forms.MultipleChoiceField(label=_("查阅的卷内文件"), widget=forms.CheckboxSelectMultiple, choices=[])
    purpose = forms.CharField(label=_("查阅内容及目的"), widget=forms.Textarea(attrs={"rows": 2}))
    minutes = forms.BooleanField(label=_("会议记录（全体会议、常务会议、党组会议）"), required=False)
    outside = forms.BooleanField(label=_("外单位查档（持介绍信）"), required=False)
    visitor_name = forms.CharField(label=_("查阅人"), max_length=60, required=False)
    visitor_unit = forms.CharField(label=_("查阅单位"), max_length=200, required=False)
    letter_no = forms.CharField(label=_("介绍信编号"), max_length=60, required=False)
    visitor_clearance = forms.TypedChoiceField(label=_("介绍信载明的涉密类别"), choices=[("", "—"), *CLEARANCE_CHOICES],
                                               coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, parts: Any, keeper: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parts"].choices = [  # type: ignore[attr-defined]
            (str(p.pk), f"{p.seq}. {p.title}（{p.pages or '—'}）") for p in parts]
        if not keeper:
            for name in ("outside", "visitor_name", "visitor_unit", "letter_no", "visitor_clearance"):
                del self.fields[name]


class LoanForm(forms.Form):
    copy: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("案卷（已归档的份）"), queryset=Copy.objects.none())
    due_on = forms.DateField(label=_("归还日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("特殊情况说明"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, copies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["copy"].queryset = copies  # type: ignore[attr-defined]
        self.fields["copy"].label_from_instance = lambda c: c.label  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    room = forms.CharField(label=_("查阅地点（档案室或查档室）"), max_length=100)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class ExcerptForm(forms.Form):
    part = forms.IntegerField(widget=forms.HiddenInput)
    description = forms.CharField(label=_("摘抄内容"), widget=forms.Textarea(attrs={"rows": 2}))
    pages = forms.CharField(label=_("页码"), max_length=30, required=False)


class WidenForm(forms.Form):
    people = forms.ModelMultipleChoiceField(label=_("增加查阅人"), required=False, queryset=User.objects.filter(
        is_active=True, admin_role="").order_by("unit__sort_order", "id"))
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class CustodianForm(forms.Form):
    person = forms.ModelChoiceField(label=_("人事档案专人"), queryset=User.objects.filter(
        is_active=True, admin_role="").order_by("unit__sort_order", "id"))
    basis = forms.CharField(label=_("指定依据（文件或会议）"), max_length=200)
