"""定密: authorities, the classification guide, the work-secret reference list, decisions,
their changes, notices and reviews. Data only: every change goes through services.py.

Periods are stored as five columns (years, months, 长期, end date, condition) read and
written through `baomi.periods.Period`; database constraints keep at most one of them set,
and exactly one for a state secret.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from baomi.levels import Level
from baomi.marking import Marking
from baomi.periods import Period

# Literal strings so that makemessages finds them; values follow levels.Level.
LEVEL_CHOICES = [
    (int(Level.INTERNAL), _("内部")),
    (int(Level.WORK_SECRET), _("工作秘密")),
    (int(Level.CONFIDENTIAL), _("秘密")),
    (int(Level.SECRET), _("机密")),
    (int(Level.TOP_SECRET), _("绝密")),
]
STATE_LEVEL_CHOICES = LEVEL_CHOICES[2:]
STATE_LEVELS = Q(level__gte=int(Level.CONFIDENTIAL), level__lte=int(Level.TOP_SECRET))

#: The unit's own work-secret mark (CLASS-10) unless a reference entry says otherwise.
DEFAULT_WORK_SECRET_MARK = "内部事项 注意保管"


# ---------------------------------------------------------------- period columns

_PERIOD_SET = {
    "years": Q(period_years__isnull=False),
    "months": Q(period_months__isnull=False),
    "long_term": Q(period_long_term=True),
    "until": Q(period_until__isnull=False),
    "condition": ~Q(period_condition=""),
}


def _only(name: str) -> Q:
    q = _PERIOD_SET[name]
    for other, cond in _PERIOD_SET.items():
        if other != name:
            q &= ~cond
    return q


PERIOD_EXACTLY_ONE = reduce(or_, (_only(n) for n in _PERIOD_SET))
PERIOD_NONE = reduce(lambda a, b: a & b, (~c for c in _PERIOD_SET.values()))
PERIOD_AT_MOST_ONE = PERIOD_NONE | PERIOD_EXACTLY_ONE


def period_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(condition=PERIOD_AT_MOST_ONE, name=f"{prefix}_period_at_most_one"),
        models.CheckConstraint(condition=Q(period_years__isnull=True) | Q(period_years__gte=1),
                               name=f"{prefix}_period_years_positive"),
        models.CheckConstraint(
            condition=Q(period_months__isnull=True) | Q(period_months__gte=1, period_months__lte=11),
            name=f"{prefix}_period_months_range"),
    ]


class PeriodColumns(models.Model):
    """保密期限 as columns; `period` reads and `set_period` writes them as one Period."""

    period_years = models.PositiveSmallIntegerField(_("期限（年）"), null=True, blank=True)
    period_months = models.PositiveSmallIntegerField(_("期限（月）"), null=True, blank=True)
    period_long_term = models.BooleanField(_("长期"), default=False)
    period_until = models.DateField(_("解密日期"), null=True, blank=True)
    period_condition = models.CharField(_("解密条件"), max_length=30, blank=True)

    PERIOD_FIELDS = ["period_years", "period_months", "period_long_term", "period_until", "period_condition"]

    class Meta:
        abstract = True

    @property
    def period(self) -> Period:
        return Period(
            years=self.period_years, months=self.period_months, long_term=self.period_long_term,
            until=self.period_until, condition=self.period_condition or None,
        )

    def set_period(self, period: Period) -> None:
        self.period_years, self.period_months = period.years, period.months
        self.period_long_term, self.period_until = period.long_term, period.until
        self.period_condition = period.condition or ""


# ---------------------------------------------------------------- the guide (保密事项范围)


class Guide(models.Model):
    """One version of the unit's 保密事项范围. Editing never changes existing decisions:
    they keep pointing at the entry they cited, and carry their own level and period."""

    title = models.CharField(_("名称"), max_length=200)
    version = models.PositiveIntegerField(_("版本"), unique=True)
    document_no = models.CharField(_("文号"), max_length=100, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    is_current = models.BooleanField(_("现行"), default=False)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("保密事项范围")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="guide_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）"


class GuideEntry(PeriodColumns):
    """One matter of the guide: code, title, level, default period (or 长期), hints."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="entries")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.CharField(_("编号"), max_length=30)
    title = models.CharField(_("事项名称"), max_length=200)
    level = models.PositiveSmallIntegerField(_("密级"), choices=STATE_LEVEL_CHOICES)
    need_to_know_hint = models.CharField(_("知悉范围建议"), max_length=200, blank=True)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("保密事项")
        ordering = ["guide", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "code"], name="guide_entry_code_unique"),
            models.CheckConstraint(condition=STATE_LEVELS, name="guide_entry_state_level"),
            *period_constraints("guide_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def default_mark(self) -> str:
        return str(Marking(Level(self.level), self.period))

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.replace("，", ",").split(",") if k.strip()]


# ---------------------------------------------------------------- work secrets (工作秘密)


class WorkSecretCategory(models.TextChoices):
    """CLASS-09: the four categories of work secrets."""

    DOCUMENTS = "documents", _("文件文稿类")
    GOVERNMENT = "government", _("政务工作类")
    SPECIAL = "special", _("专项业务类")
    INTERNAL = "internal", _("内部管理类")


#: The seed's examples per category (S23), shown as hints.
CATEGORY_HINTS: dict[str, str] = {
    WorkSecretCategory.DOCUMENTS: "不宜公开的通知、决定、纪要、请示、报告、函件、领导讲话、工作研究、内部信息等",
    WorkSecretCategory.GOVERNMENT: "工作预案、领导政务活动方案、公务接待方案",
    WorkSecretCategory.SPECIAL: "尚在酝酿中的人事调整方案、案件调查资料、专项行动方案",
    WorkSecretCategory.INTERNAL: "特殊岗位职责、纪律、奖惩等规定",
}


class WorkSecretReference(PeriodColumns):
    """An entry of the unit's 《工作秘密确定参考范围》 (CLASS-11): a designation must cite one."""

    category = models.CharField(_("类别"), max_length=20, choices=WorkSecretCategory.choices)
    code = models.CharField(_("编号"), max_length=30, unique=True)
    title = models.CharField(_("事项"), max_length=200)
    mark_label = models.CharField(_("标志"), max_length=30, default=DEFAULT_WORK_SECRET_MARK)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工作秘密确定参考范围")
        ordering = ["category", "code"]
        constraints = [
            *period_constraints("worksecretref"),
            models.CheckConstraint(condition=Q(period_long_term=False), name="worksecretref_no_long_term"),
            models.CheckConstraint(condition=~Q(mark_label=""), name="worksecretref_has_mark"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


# ---------------------------------------------------------------- authorities (定密责任人)


class Authority(models.Model):
    """定密责任人: the unit head by law, others designated in writing, each with the highest
    level they may decide and the matters (guide codes, free text) and unit they cover."""

    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="authorities")
    is_unit_head = models.BooleanField(_("法定定密责任人（机关单位负责人）"), default=False)
    max_level = models.PositiveSmallIntegerField(_("最高定密权限"), choices=STATE_LEVEL_CHOICES)
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("负责单位（空为全单位）"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    scope_codes = models.JSONField(_("定密事项范围（保密事项编号）"), default=list, blank=True)
    scope_text = models.CharField(_("定密事项范围（说明）"), max_length=300, blank=True)
    basis_number = models.CharField(_("书面指定文号"), max_length=100, blank=True)
    basis_date = models.DateField(_("指定日期"), null=True, blank=True)
    designated_by = models.ForeignKey("accounts.User", verbose_name=_("指定人"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoke_reason = models.CharField(_("撤销理由"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("定密责任人")
        ordering = ["-is_unit_head", "created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_level__gte=int(Level.CONFIDENTIAL),
                                               max_level__lte=int(Level.TOP_SECRET)),
                                   name="authority_state_level"),
            models.UniqueConstraint(fields=["person"], condition=Q(revoked_at__isnull=True),
                                    name="authority_one_active_per_person"),
            models.UniqueConstraint(fields=["is_unit_head"], condition=Q(is_unit_head=True, revoked_at__isnull=True),
                                    name="authority_one_unit_head"),
            # Designation is in writing (定密管理规定): a number and the designating unit head.
            models.CheckConstraint(
                condition=Q(is_unit_head=True) | (~Q(basis_number="") & Q(designated_by__isnull=False)),
                name="authority_designated_in_writing"),
        ]

    def __str__(self) -> str:
        return f"{self.person.full_name}（≤{Level(self.max_level).zh}）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def max_level_enum(self) -> Level:
        return Level(self.max_level)

    def covers_code(self, code: str) -> bool:
        """Guide entry codes in scope; a code covers its sub-entries (3 covers 3.1)."""
        if self.is_unit_head or not self.scope_codes:
            return True
        return any(code == c or code.startswith(f"{c}.") for c in self.scope_codes)


# ---------------------------------------------------------------- decisions (定密)


class SecretType(models.TextChoices):
    """CLASS-01: every protected item has a secret type."""

    STATE = "state", _("国家秘密")
    WORK = "work", _("工作秘密")
    COMMERCIAL = "commercial", _("商业秘密")
    PRIVACY = "privacy", _("个人隐私")


class CommercialKind(models.TextChoices):
    """CLASS-15: a commercial secret is technical or business information."""

    NONE = "", _("—")
    TECHNICAL = "technical", _("技术信息")
    BUSINESS = "business", _("经营信息")


class CommercialScope(models.TextChoices):
    """CLASS-16: the eight scopes of company secrets; "other" only on the unit head's declaration."""

    NONE = "", _("—")
    DECISIONS = "decisions", _("重大决策中的保密事项")
    STRATEGY = "strategy", _("尚未付诸实施的经营战略、方向、规划、项目及决策")
    CONTRACTS = "contracts", _("合同、协议、意向书及可行性报告、主要会议记录")
    CLIENTS = "clients", _("客户档案资料")
    UNRELEASED = "unreleased", _("尚未进入市场或尚未公开的各类信息")
    RULES = "rules", _("内部管理制度")
    ECONOMIC = "economic", _("与公司经济行为有关的各种信息")
    OTHER = "other", _("单位负责人申明需要保密的其它事项")


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审核")
    IN_FORCE = "in_force", _("有效")
    LIFTED = "lifted", _("已解除")
    EXPIRED = "expired", _("已自行解密")
    REJECTED = "rejected", _("未批准")


ENDED = (DecisionStatus.LIFTED, DecisionStatus.EXPIRED)


class Decision(PeriodColumns):
    """One 定密: a matter (or, once carriers exist, a carrier) with its type, level, period,
    need-to-know, basis, proposer (承办人) and approving authority (定密责任人)."""

    title = models.CharField(_("事项名称"), max_length=200)
    # Link for a future carrier (载体): its model name and id; empty for a matter.
    carrier_type = models.CharField(_("载体类型"), max_length=40, blank=True)
    carrier_id = models.CharField(_("载体编号"), max_length=64, blank=True)
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("产生单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    secret_type = models.CharField(_("秘密类型"), max_length=12, choices=SecretType.choices)
    commercial_kind = models.CharField(_("商业秘密类别"), max_length=12, choices=CommercialKind.choices,
                                       blank=True, default="")
    commercial_scope = models.CharField(_("商业秘密范围"), max_length=12, choices=CommercialScope.choices,
                                        blank=True, default="")
    level = models.PositiveSmallIntegerField(_("密级"), choices=LEVEL_CHOICES)
    mark_label = models.CharField(_("标志（工作秘密等）"), max_length=30, blank=True)
    expires_on = models.DateField(_("保密期限届满日"), null=True, blank=True, db_index=True)
    guide_entry = models.ForeignKey(GuideEntry, verbose_name=_("定密依据（保密事项）"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="decisions")
    work_reference = models.ForeignKey(WorkSecretReference, verbose_name=_("工作秘密参考范围"), null=True,
                                       blank=True, on_delete=models.PROTECT, related_name="decisions")
    reasons = models.TextField(_("定密理由"), blank=True)
    proposer = models.ForeignKey("accounts.User", verbose_name=_("承办人"), on_delete=models.PROTECT,
                                 related_name="+")
    authority = models.ForeignKey(Authority, verbose_name=_("定密责任人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="decisions")
    decided_by = models.ForeignKey("accounts.User", verbose_name=_("审核批准人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField(_("定密日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=DecisionStatus.choices,
                              default=DecisionStatus.IN_FORCE, db_index=True)
    ended_on = models.DateField(_("解密日期"), null=True, blank=True)
    provisional = models.BooleanField(_("先行拟定（保密事项范围未涵盖）"), default=False)
    report_deadline = models.DateField(_("报送期限"), null=True, blank=True)
    reported_on = models.DateField(_("已报送日期"), null=True, blank=True)
    report_reference = models.CharField(_("报送文号"), max_length=100, blank=True)
    derived = models.BooleanField(_("派生定密"), default=False)
    sources = models.ManyToManyField("self", verbose_name=_("派生来源"), symmetrical=False, blank=True,
                                     related_name="derivatives")
    previous_mark = models.CharField(_("原标志"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("定密决定")
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["carrier_type", "carrier_id"], name="decision_carrier_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(secret_type__in=SecretType.values), name="decision_secret_type"),
            models.CheckConstraint(condition=Q(status__in=DecisionStatus.values), name="decision_status"),
            # CLASS-08: a work secret is not one of the three levels, and vice versa.
            models.CheckConstraint(
                condition=(Q(secret_type=SecretType.STATE) & STATE_LEVELS)
                | Q(secret_type=SecretType.WORK, level=int(Level.WORK_SECRET))
                | Q(secret_type__in=[SecretType.COMMERCIAL, SecretType.PRIVACY], level=int(Level.INTERNAL)),
                name="decision_level_matches_type"),
            *period_constraints("decision"),
            # CLASS-06: a state secret states its period (years/months/长期/end date/condition).
            models.CheckConstraint(condition=~Q(secret_type=SecretType.STATE) | PERIOD_EXACTLY_ONE,
                                   name="decision_state_secret_has_period"),
            models.CheckConstraint(condition=Q(period_long_term=False) | Q(secret_type=SecretType.STATE),
                                   name="decision_long_term_state_only"),
            # CLASS-10/11: a work secret cites the reference list and carries the unit's mark, never ★.
            models.CheckConstraint(
                condition=~Q(secret_type=SecretType.WORK) | (Q(work_reference__isnull=False) & ~Q(mark_label="")),
                name="decision_work_secret_reference"),
            models.CheckConstraint(condition=Q(commercial_kind="") | Q(secret_type=SecretType.COMMERCIAL),
                                   name="decision_commercial_kind"),
            models.CheckConstraint(
                condition=(Q(secret_type=SecretType.COMMERCIAL) & ~Q(commercial_scope=""))
                | (~Q(secret_type=SecretType.COMMERCIAL) & Q(commercial_scope="")),
                name="decision_commercial_scope"),
            models.CheckConstraint(
                condition=Q(provisional=False)
                | Q(secret_type=SecretType.STATE, guide_entry__isnull=True, report_deadline__isnull=False),
                name="decision_provisional_has_deadline"),
            models.CheckConstraint(condition=Q(derived=True) | Q(authority__isnull=False),
                                   name="decision_has_authority"),
            models.CheckConstraint(condition=~Q(status__in=[s.value for s in ENDED]) | Q(ended_on__isnull=False),
                                   name="decision_ended_has_date"),
            models.CheckConstraint(condition=Q(status=DecisionStatus.PROPOSED) | Q(status=DecisionStatus.REJECTED)
                                   | Q(decided_on__isnull=False, decided_by__isnull=False),
                                   name="decision_decided_has_date"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def code(self) -> str:
        """A reference that says nothing about the matter (safe in logs and notices)."""
        return f"DM{self.pk:06d}" if self.pk else "DM-"

    @property
    def level_enum(self) -> Level:
        return Level(self.level)

    @property
    def is_state_secret(self) -> bool:
        return self.secret_type == SecretType.STATE

    @property
    def marking(self) -> Marking:
        if self.is_state_secret:
            return Marking(Level(self.level), self.period)
        return Marking(Level(self.level), work_secret_label=self.mark_label or Level(self.level).zh)

    @property
    def mark(self) -> str:
        """The canonical mark to put on the document; 解密 once lifted or expired."""
        return "解密" if self.status in ENDED else str(self.marking)

    @property
    def current_mark(self) -> str:
        return str(self.marking)

    @property
    def in_force(self) -> bool:
        return self.status == DecisionStatus.IN_FORCE


class NeedToKnow(models.Model):
    """知悉范围: one person, one unit (with the units below it) or one business role."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="need_to_know")
    person = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=30, blank=True)

    class Meta:
        verbose_name = _("知悉范围")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, unit__isnull=True, role="")
                | Q(person__isnull=True, unit__isnull=False, role="")
                | (Q(person__isnull=True, unit__isnull=True) & ~Q(role="")),
                name="need_to_know_exactly_one"),
            models.UniqueConstraint(fields=["decision", "person"], condition=Q(person__isnull=False),
                                    name="need_to_know_person_once"),
            models.UniqueConstraint(fields=["decision", "unit"], condition=Q(unit__isnull=False),
                                    name="need_to_know_unit_once"),
            models.UniqueConstraint(fields=["decision", "role"], condition=~Q(role=""),
                                    name="need_to_know_role_once"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id}: {self.person_id or self.unit_id or self.role}"


# ---------------------------------------------------------------- changes, notices, reviews


class ChangeKind(models.TextChoices):
    RAISE = "raise", _("提高密级")
    LOWER = "lower", _("降低密级")
    EXTEND = "extend", _("延长保密期限")
    SHORTEN = "shorten", _("缩短保密期限")
    LIFT = "lift", _("解除（解密）")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("审批中")
    APPLIED = "applied", _("已生效")
    REJECTED = "rejected", _("未批准")


class Change(PeriodColumns):
    """A requested 变更 or 解除, decided through the approval engine; the period columns hold
    the new period of an extension or shortening."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("类型"), max_length=10, choices=ChangeKind.choices)
    old_level = models.PositiveSmallIntegerField(_("原密级"), choices=LEVEL_CHOICES)
    new_level = models.PositiveSmallIntegerField(_("新密级"), choices=LEVEL_CHOICES, null=True, blank=True)
    old_mark = models.CharField(_("原标志"), max_length=60)
    new_mark = models.CharField(_("新标志"), max_length=60)
    justification = models.TextField(_("书面理由"))
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    approval = models.ForeignKey("approvals.ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("定密变更")
        ordering = ["-created_at", "-id"]
        constraints = [
            *period_constraints("change"),
            models.CheckConstraint(condition=~Q(kind__in=["raise", "lower"]) | Q(new_level__isnull=False),
                                   name="change_level_change_has_level"),
            models.CheckConstraint(condition=~Q(kind__in=["extend", "shorten"]) | PERIOD_EXACTLY_ONE,
                                   name="change_period_change_has_period"),
            models.CheckConstraint(condition=~Q(justification=""), name="change_has_justification"),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} {self.kind}"


class NoticeKind(models.TextChoices):
    CHANGE = "change", _("变更通知")
    LIFT = "lift", _("解密通知")
    EXPIRE = "expire", _("自行解密通知")
    REMIND_EXPIRY = "remind_expiry", _("保密期限即将届满")
    REMIND_REPORT = "remind_report", _("先行定密报送期限临近")


class Notice(models.Model):
    """A notice to one person: a change to a decision in their need-to-know (to acknowledge),
    or a reminder to the authority."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="notices")
    change = models.ForeignKey(Change, null=True, blank=True, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("类型"), max_length=20, choices=NoticeKind.choices)
    person = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    mark_before = models.CharField(_("原标志"), max_length=60, blank=True)
    mark_after = models.CharField(_("新标志"), max_length=60, blank=True)
    due_on = models.DateField(_("期限"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("定密通知")
        ordering = ["acknowledged_at", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["change", "person"], condition=Q(change__isnull=False),
                                    name="notice_once_per_change"),
            models.UniqueConstraint(fields=["decision", "person", "kind"], condition=Q(kind="expire"),
                                    name="notice_once_per_expiry"),
            models.UniqueConstraint(fields=["decision", "person", "kind", "due_on"],
                                    condition=Q(kind__in=["remind_expiry", "remind_report"]),
                                    name="notice_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.decision_id} → {self.person_id}"


class ReviewOutcome(models.TextChoices):
    KEEP = "keep", _("维持")
    CHANGE = "change", _("变更")
    LIFT = "lift", _("解除")


class Review(models.Model):
    """The annual review (复审) of one decision in force (CLASS-07)."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("年度"))
    outcome = models.CharField(_("结论"), max_length=10, choices=ReviewOutcome.choices)
    note = models.TextField(_("说明"), blank=True)
    change = models.ForeignKey(Change, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("定密复审")
        ordering = ["-year", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["decision", "year"], name="review_once_a_year")]

    def __str__(self) -> str:
        return f"{self.decision_id} {self.year} {self.outcome}"
