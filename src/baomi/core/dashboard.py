"""The home page's cards: what is waiting for this person, counted through the same
selectors the module pages use, so a count never includes what the reader may not see."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from baomi.accounts.models import User


@dataclass(frozen=True)
class Card:
    title: str
    count: int
    url_name: str
    urgent: bool = False


def cards_for(person: User) -> list[Card]:
    if person.admin_role or not person.is_active:
        return []  # the three administrators read no classified content
    from baomi import policy
    from baomi.approvals.selectors import inbox_for
    from baomi.carriers.models import OUT_STATUSES
    from baomi.carriers.selectors import due_for_hand_back, outstanding_for, overdue_copies
    from baomi.classification.selectors import due_for_review, notices_for
    from baomi.personnel.selectors import dashboard_card as personnel_card
    from baomi.training.selectors import dashboard_card as training_card

    overdue = overdue_copies(person).count()
    return [
        Card(_("待我审批"), inbox_for(person).count(), "approvals:inbox"),
        Card(_("逾期未还的载体"), overdue, "carriers:list", urgent=overdue > 0),
        # Copies handed to this person to read or borrow, as on the carriers page (a keeper's
        # shelf is the register, not something they owe).
        Card(_("我借阅或传阅中的载体"), outstanding_for(person).filter(status__in=OUT_STATUSES).count(),
             "carriers:list"),
        # 清退 is the keepers' work, as on the carriers page (counting it for a reader would also
        # walk every copy they may see: 80 ms on a million carriers).
        *([Card(_("本月待清退"), due_for_hand_back(person).count(), "carriers:list")]
          if policy.is_carrier_keeper(person) else []),
        Card(_("待确认的定密通知"), notices_for(person, outstanding=True).count(), "classification:notices"),
        Card(_("30 天内到期或待报告的定密"), due_for_review(person, timezone.localdate()).count(),
             "classification:review"),
        Card(*training_card(person)),  # office: people behind this year; others: their own training to-dos
        Card(*personnel_card(person)),  # office: the register's overdue items; others: commitments, reports
    ]
