from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import Unit, User
from baomi.carriers.models import CarrierKind, Channel, DestructionMethod, Direction, StorageClass


def _people() -> Any:
    return User.objects.filter(is_active=True, admin_role="").select_related("unit").order_by("unit__sort_order", "id")


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name or obj.username}（{obj.unit or '—'}）"


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name or obj.username}（{obj.unit or '—'}）"


class RegisterForm(forms.Form):
    direction = forms.ChoiceField(label=_("来源"), choices=Direction.choices)
    kind = forms.ChoiceField(label=_("载体类型"), choices=CarrierKind.choices)
    title = forms.CharField(label=_("标题"), max_length=300)
    mark = forms.CharField(label=_("密级标志"), max_length=60,
                           help_text=_("如 机密★5年、秘密★6个月、绝密★长期、内部；按文件上的标志录入"))
    doc_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    source_unit = forms.CharField(label=_("来文单位"), max_length=200, required=False)
    destination_unit = forms.CharField(label=_("发往单位"), max_length=200, required=False)
    copies = forms.IntegerField(label=_("份数"), min_value=1, max_value=999, initial=1)
    storage = forms.ChoiceField(label=_("存放设施"), choices=StorageClass.choices, initial=StorageClass.SAFE)
    location = forms.CharField(label=_("存放位置"), max_length=100, required=False)
    need_to_know_people = PeopleChoice(label=_("知悉范围（人员）"), queryset=User.objects.none(), required=False,
                                       widget=forms.SelectMultiple(attrs={"size": 8}))
    need_to_know_units = forms.ModelMultipleChoiceField(
        label=_("知悉范围（单位，含下级）"), queryset=Unit.objects.filter(is_active=True), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}))
    dated_on = forms.DateField(label=_("成文日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    return_by = forms.DateField(label=_("清退期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    decision = forms.CharField(label=_("定密事项编号"), max_length=20, required=False,
                               help_text=_("如 DM000012；载体密级不得低于该定密事项的密级"))
    sources = forms.CharField(label=_("来源载体登记号"), max_length=300, required=False,
                              help_text=_("由其他载体汇编、摘录而成时填写，多个用逗号分隔；密级不得低于来源载体的最高密级"))
    meeting_name = forms.CharField(label=_("会议名称（会议带回）"), max_length=200, required=False)
    brought_by = PersonChoice(label=_("带回人（会议带回）"), queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["need_to_know_people"].queryset = _people()  # type: ignore[attr-defined]
        self.fields["brought_by"].queryset = _people()  # type: ignore[attr-defined]

    def clean_sources(self) -> list[str]:
        raw = str(self.cleaned_data.get("sources") or "")
        return [part.strip() for part in raw.replace("，", ",").replace("、", ",").split(",") if part.strip()]

    def clean_decision(self) -> int | None:
        """The decision's code (DM000012) or id, as an id; visibility is checked by the view."""
        raw = str(self.cleaned_data.get("decision") or "").strip().upper()
        if not raw:
            return None
        digits = raw[2:] if raw.startswith("DM") else raw
        if not digits.isdigit() or int(digits) < 1:
            raise forms.ValidationError(_("定密事项编号格式不对（如 DM000012）"))
        return int(digits)


class CirculateForm(forms.Form):
    reader = PersonChoice(label=_("阅件人"), queryset=User.objects.none())
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, readers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if readers is not None:
            self.fields["reader"].queryset = readers  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class LendForm(forms.Form):
    due_on = forms.DateField(label=_("归还日期"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("借阅事由"), widget=forms.Textarea(attrs={"rows": 2}))


class ReproduceForm(forms.Form):
    count = forms.IntegerField(label=_("复制份数"), min_value=1, max_value=50, initial=1)
    reason = forms.CharField(label=_("复制事由"), widget=forms.Textarea(attrs={"rows": 2}))


class DispatchForm(forms.Form):
    recipient_unit = forms.CharField(label=_("收件单位"), max_length=200)
    channel = forms.ChoiceField(label=_("传递方式"), choices=Channel.choices)
    courier = forms.CharField(label=_("递送人"), max_length=60, required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)


class ArchiveForm(forms.Form):
    location = forms.CharField(label=_("档案存放位置"), max_length=100)
    storage = forms.ChoiceField(label=_("存放设施"), choices=StorageClass.choices, initial=StorageClass.SAFE)


class DestructionForm(forms.Form):
    copies = forms.ModelMultipleChoiceField(label=_("销毁载体"), queryset=User.objects.none(),
                                            widget=forms.SelectMultiple(attrs={"size": 10}))
    method = forms.ChoiceField(label=_("销毁方式"), choices=DestructionMethod.choices)
    site = forms.CharField(label=_("销毁地点"), max_length=200)
    witness_1 = PersonChoice(label=_("监销人一"), queryset=User.objects.none())
    witness_2 = PersonChoice(label=_("监销人二"), queryset=User.objects.none())
    reason = forms.CharField(label=_("销毁理由"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, copies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if copies is not None:
            self.fields["copies"].queryset = copies  # type: ignore[attr-defined]
            self.fields["copies"].label_from_instance = lambda c: c.label  # type: ignore[attr-defined]
        self.fields["witness_1"].queryset = _people()  # type: ignore[attr-defined]
        self.fields["witness_2"].queryset = _people()  # type: ignore[attr-defined]


class SignForm(forms.Form):
    password = forms.CharField(label=_("签字密码（本人登录密码）"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TakeOutForm(forms.Form):
    """携带外出 (CARRIER-30): a work reason (meetings and the like), where to, and when back."""

    reason = forms.CharField(label=_("外出事由"), widget=forms.Textarea(attrs={"rows": 2}))
    destination = forms.CharField(label=_("携带前往地点"), max_length=200)
    due_at = forms.DateTimeField(label=_("应带回时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                 input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])


class NeedToKnowForm(forms.Form):
    """Widen (with approval) or narrow (the keeper alone) a carrier's need-to-know (CARRIER-04)."""

    people = PeopleChoice(label=_("人员"), queryset=User.objects.none(), required=False)
    units = forms.ModelMultipleChoiceField(label=_("单位"), queryset=Unit.objects.none(), required=False)
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = _people()  # type: ignore[attr-defined]
        self.fields["units"].queryset = Unit.objects.order_by("sort_order", "id")  # type: ignore[attr-defined]


class ExcerptForm(forms.Form):
    """摘抄 (CARRIER-15): for work only, by approval; the excerpt is registered as a carrier."""

    title = forms.CharField(label=_("摘抄件标题（摘抄内容）"), max_length=300)
    reason = forms.CharField(label=_("摘抄事由"), widget=forms.Textarea(attrs={"rows": 2}))


class PrintJobForm(forms.Form):
    """印制 (CARRIER-22, -23): which carrier, on which 涉密计算机, how many copies."""

    carrier = forms.ModelChoiceField(label=_("载体"), queryset=User.objects.none())
    computer = forms.CharField(label=_("涉密计算机（名称或编号）"), max_length=100)
    copies = forms.IntegerField(label=_("本次印制份数"), min_value=1, max_value=999, initial=1)
    proofreader = PersonChoice(label=_("校对、装订经办人"), queryset=User.objects.none(), required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, carriers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if carriers is not None:
            self.fields["carrier"].queryset = carriers  # type: ignore[attr-defined]
            self.fields["carrier"].label_from_instance = (  # type: ignore[attr-defined]
                lambda c: f"{c.register_no} {c.marking} {c.title}")
        self.fields["proofreader"].queryset = _people()  # type: ignore[attr-defined]


class PrintCloseForm(forms.Form):
    """结束印制: waste pages (CARRIER-21, -24) and the end-of-day checklist (CARRIER-25)."""

    waste_pages = forms.IntegerField(label=_("废页张数"), min_value=0, initial=0)
    waste_description = forms.CharField(label=_("废页说明"), max_length=300, required=False)
    drafts_locked = forms.BooleanField(label=_("下班前未打印完的文稿已入柜保管"), required=False)


class WasteDestroyForm(forms.Form):
    """废页定时销毁 (CARRIER-24), in front of a witness."""

    batches = forms.ModelMultipleChoiceField(label=_("待销毁废页"), queryset=User.objects.none(),
                                             widget=forms.CheckboxSelectMultiple)
    method = forms.ChoiceField(label=_("销毁方式"), choices=DestructionMethod.choices)
    witness = PersonChoice(label=_("监销人"), queryset=User.objects.none())

    def __init__(self, *args: Any, batches: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if batches is not None:
            self.fields["batches"].queryset = batches  # type: ignore[attr-defined]
            self.fields["batches"].label_from_instance = (  # type: ignore[attr-defined]
                lambda b: f"{b.print_job.number} {b.print_job.carrier.register_no} {b.pages} 张：{b.description}")
        self.fields["witness"].queryset = _people()  # type: ignore[attr-defined]


class CleanupForm(forms.Form):
    """年度清理 (CARRIER-18): the selected copies go to 清退, 归档 or a destruction list."""

    action = forms.ChoiceField(label=_("操作"), choices=[("hand_back", _("清退")), ("archive", _("归档")),
                                                        ("destroy", _("列入销毁清单"))])
    copies = forms.TypedMultipleChoiceField(label=_("载体份"), coerce=int, choices=[])
    location = forms.CharField(label=_("档案存放位置（归档）"), max_length=100, required=False)
    storage = forms.ChoiceField(label=_("存放设施（归档）"), choices=StorageClass.choices, initial=StorageClass.SAFE,
                                required=False)

    def __init__(self, *args: Any, copy_ids: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["copies"].choices = [(pk, str(pk)) for pk in copy_ids]  # type: ignore[attr-defined]
