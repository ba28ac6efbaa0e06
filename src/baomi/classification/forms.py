"""Forms for the 定密 pages. They parse input only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import Role, Unit, User
from baomi.classification.models import (
    STATE_LEVEL_CHOICES,
    ChangeKind,
    CommercialKind,
    CommercialScope,
    ReviewOutcome,
    SecretType,
    WorkSecretCategory,
)
from baomi.errors import Invalid
from baomi.periods import Period

PERIOD_HELP = _("如：10年、6个月、长期、2030年6月30日，或解密条件（如“项目批复后”）")


class PeriodField(forms.CharField):
    """A period as typed after ★, parsed by baomi.marking through the service helper."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("help_text", PERIOD_HELP)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Period | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        from baomi.classification.services import period_from_text

        try:
            return period_from_text(text)
        except Invalid as exc:
            raise forms.ValidationError(exc.message) from None


class NeedToKnowMixin(forms.Form):
    ntk_people = forms.ModelMultipleChoiceField(label=_("知悉范围：人员"), queryset=User.objects.none(),
                                                required=False, widget=forms.SelectMultiple(attrs={"size": 6}))
    ntk_units = forms.ModelMultipleChoiceField(label=_("知悉范围：单位（含下级）"), queryset=Unit.objects.all(),
                                               required=False, widget=forms.SelectMultiple(attrs={"size": 4}))
    ntk_roles = forms.MultipleChoiceField(label=_("知悉范围：角色"), choices=Role.choices, required=False)

    def __init__(self, *args: Any, people: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["ntk_people"].queryset = people  # type: ignore[attr-defined]

    def need_to_know(self) -> Any:
        from baomi.classification.services import NeedToKnowSpec

        d = self.cleaned_data
        return NeedToKnowSpec(people=list(d.get("ntk_people") or []), units=list(d.get("ntk_units") or []),
                              roles=list(d.get("ntk_roles") or []))


class DecisionForm(NeedToKnowMixin):
    """Step 2 of the guided 定密 form: the proposal from the guide entry, to adjust."""

    secret_type = forms.ChoiceField(label=_("秘密类型"), choices=SecretType.choices, widget=forms.HiddenInput)
    guide_entry = forms.IntegerField(required=False, widget=forms.HiddenInput)
    work_reference = forms.IntegerField(required=False, widget=forms.HiddenInput)
    provisional = forms.BooleanField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("事项名称"), max_length=200)
    level = forms.TypedChoiceField(label=_("密级"), choices=[("", "—"), *STATE_LEVEL_CHOICES], coerce=int,
                                   empty_value=None, required=False)
    period = PeriodField(label=_("保密期限"), required=False)
    commercial_kind = forms.ChoiceField(label=_("商业秘密类别"), choices=CommercialKind.choices, required=False)
    commercial_scope = forms.ChoiceField(label=_("公司保密范围"), choices=CommercialScope.choices, required=False)
    mark_label = forms.CharField(label=_("标志（工作秘密，可留空用本单位默认）"), max_length=30, required=False)
    unit = forms.ModelChoiceField(label=_("产生单位"), queryset=Unit.objects.all(), required=False)
    reasons = forms.CharField(label=_("定密理由"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    proposer = forms.ModelChoiceField(label=_("承办人"), queryset=User.objects.none(), required=False)
    authority = forms.IntegerField(label=_("报送审核的定密责任人"), required=False,
                                   widget=forms.Select(choices=[]))

    def __init__(self, *args: Any, people: Any = None, authorities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, people=people, **kwargs)
        if people is not None:
            self.fields["proposer"].queryset = people  # type: ignore[attr-defined]
        if authorities is not None:
            self.fields["authority"].widget.choices = [("", "—")] + [  # type: ignore[attr-defined]
                (a.pk, f"{a.person.full_name}（≤{a.get_max_level_display()}）") for a in authorities]


class DeriveForm(NeedToKnowMixin):
    sources: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("派生来源"), queryset=None,  # type: ignore[arg-type]
                                             widget=forms.SelectMultiple(attrs={"size": 8}))
    title = forms.CharField(label=_("事项名称"), max_length=200)
    unit = forms.ModelChoiceField(label=_("产生单位"), queryset=Unit.objects.all(), required=False)
    reasons = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, sources: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sources"].queryset = sources  # type: ignore[attr-defined]


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("变更类型"), choices=ChangeKind.choices)
    new_level = forms.TypedChoiceField(label=_("新密级"), choices=[("", "—"), *STATE_LEVEL_CHOICES], coerce=int,
                                       empty_value=None, required=False)
    new_period = PeriodField(label=_("新保密期限"), required=False)
    justification = forms.CharField(label=_("书面理由"), widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    reference = forms.CharField(label=_("报送文号"), max_length=100)
    reported_on = forms.DateField(label=_("报送日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class RejectForm(forms.Form):
    comment = forms.CharField(label=_("不予批准的意见"), widget=forms.Textarea(attrs={"rows": 2}))


class AuthorityForm(forms.Form):
    person = forms.ModelChoiceField(label=_("人员"), queryset=User.objects.filter(is_active=True, admin_role=""))
    unit_head = forms.BooleanField(label=_("机关单位负责人（法定定密责任人）"), required=False)
    max_level = forms.TypedChoiceField(label=_("最高定密权限"), choices=STATE_LEVEL_CHOICES, coerce=int)
    unit = forms.ModelChoiceField(label=_("负责单位（空为全单位）"), queryset=Unit.objects.all(), required=False)
    scope_codes = forms.CharField(label=_("定密事项范围（保密事项编号，逗号分隔；空为全部）"), required=False)
    scope_text = forms.CharField(label=_("定密事项范围说明"), max_length=300, required=False)
    basis_number = forms.CharField(label=_("书面指定文号"), max_length=100, required=False)
    basis_date = forms.DateField(label=_("指定日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    designated_by = forms.ModelChoiceField(label=_("指定人（机关单位负责人）"), required=False,
                                           queryset=User.objects.filter(is_active=True, admin_role=""))

    def codes(self) -> list[str]:
        raw = self.cleaned_data.get("scope_codes") or ""
        return [c.strip() for c in raw.replace("，", ",").split(",") if c.strip()]


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), max_length=300)


class EntryForm(forms.Form):
    code = forms.CharField(label=_("编号"), max_length=30)
    parent_code = forms.CharField(label=_("上级编号"), max_length=30, required=False)
    title = forms.CharField(label=_("事项名称"), max_length=200)
    level = forms.TypedChoiceField(label=_("密级"), choices=STATE_LEVEL_CHOICES, coerce=int)
    period = PeriodField(label=_("保密期限"), required=False)
    need_to_know_hint = forms.CharField(label=_("知悉范围建议"), max_length=200, required=False)
    keywords = forms.CharField(label=_("关键词"), max_length=300, required=False)
    legal_basis = forms.CharField(label=_("依据"), max_length=300, required=False)


class GuideForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=200)
    document_no = forms.CharField(label=_("文号"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("印发日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ImportForm(GuideForm):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))
    dry_run = forms.BooleanField(label=_("仅检查，不导入"), required=False, initial=True)


class ReferenceForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=WorkSecretCategory.choices)
    code = forms.CharField(label=_("编号"), max_length=30)
    title = forms.CharField(label=_("事项"), max_length=200)
    period = PeriodField(label=_("期限"), required=False)
    mark_label = forms.CharField(label=_("标志"), max_length=30, required=False,
                                 help_text=_("空为本单位默认：内部事项 注意保管"))


class ReviewForm(forms.Form):
    decisions: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("事项"), queryset=None,  # type: ignore[arg-type]
                                               widget=forms.CheckboxSelectMultiple)
    outcome = forms.ChoiceField(label=_("复审结论"), choices=ReviewOutcome.choices)
    change_kind = forms.ChoiceField(label=_("变更内容"), required=False,
                                    choices=[("", "—"), *[c for c in ChangeKind.choices if c[0] != "lift"]])
    new_level = forms.TypedChoiceField(label=_("新密级"), choices=[("", "—"), *STATE_LEVEL_CHOICES], coerce=int,
                                       empty_value=None, required=False)
    new_period = PeriodField(label=_("新保密期限"), required=False)
    note = forms.CharField(label=_("说明（变更、解除须填写书面理由）"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, queue: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decisions"].queryset = queue  # type: ignore[attr-defined]
