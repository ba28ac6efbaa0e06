from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from baomi.accounts.models import User
from baomi.training.models import TOPICS, CourseKind, ExamPurpose, QuestionKind


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name or obj.username}（{obj.unit or '—'}）"


def _topic_field(label: Any = None) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label or _("主题"), choices=TOPICS, required=False,
                                     widget=forms.CheckboxSelectMultiple)


class CourseForm(forms.Form):
    title = forms.CharField(label=_("课程名称"), max_length=200)
    kind = forms.ChoiceField(label=_("培训类别"), choices=CourseKind.choices)
    hours = forms.DecimalField(label=_("学时"), min_value=0.1, max_value=999, decimal_places=1)
    summary = forms.CharField(label=_("内容摘要"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    topics = _topic_field()


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("培训日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=120)
    trainer = forms.CharField(label=_("授课人"), max_length=60)
    with_inspection = forms.CharField(label=_("结合的保密检查"), max_length=120, required=False,
                                      help_text=_("集中保密教育每年两次，结合保密检查进行（如“国庆节前保密检查”）"))
    note = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttendanceForm(forms.Form):
    people = PeopleChoice(label=_("参训人员"), queryset=User.objects.none(),
                          widget=forms.SelectMultiple(attrs={"size": 10}))
    hours = forms.DecimalField(label=_("认定学时"), required=False, min_value=0.1, max_value=999, decimal_places=1,
                               help_text=_("留空则按课程学时认定"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, admin_role="").select_related("unit")
            .order_by("unit__sort_order", "id"))


class RequirementForm(forms.Form):
    core = forms.DecimalField(label=_("核心涉密人员（学时/年）"), min_value=0, max_value=999, decimal_places=1)
    important = forms.DecimalField(label=_("重要涉密人员（学时/年）"), min_value=0, max_value=999, decimal_places=1)
    general = forms.DecimalField(label=_("一般涉密人员（学时/年）"), min_value=0, max_value=999, decimal_places=1)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("题干"), widget=forms.Textarea(attrs={"rows": 3}))
    options = forms.CharField(label=_("选项"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("每行一个选项；判断题无需填写（固定为 正确 / 错误）"))
    answer = forms.CharField(label=_("答案"), max_length=8,
                             help_text=_("选项字母，如 B 或 ACD；判断题填 A（正确）或 B（错误）"))
    explanation = forms.CharField(label=_("解析"), widget=forms.Textarea(attrs={"rows": 3}))
    source = forms.CharField(label=_("依据"), max_length=200, required=False)
    topics = _topic_field()


class ExamForm(forms.Form):
    title = forms.CharField(label=_("试卷名称"), max_length=200)
    purpose = forms.ChoiceField(label=_("用途"), choices=ExamPurpose.choices)
    question_count = forms.IntegerField(label=_("题量"), min_value=1, max_value=200, initial=20)
    time_limit_minutes = forms.IntegerField(label=_("考试时限（分钟）"), min_value=1, max_value=600, initial=30)
    pass_mark = forms.IntegerField(label=_("及格分"), min_value=1, max_value=100, initial=80)
    max_attempts = forms.IntegerField(label=_("最多考试次数"), min_value=1, max_value=20, initial=3)
    kinds = forms.MultipleChoiceField(label=_("题型（不选为全部）"), choices=QuestionKind.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    topics = _topic_field(_("主题（不选为全部）"))
