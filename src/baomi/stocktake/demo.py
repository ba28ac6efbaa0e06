"""The stocktake part of the demo (after the carriers story), through the services:

- three weeks ago 王芳 counted the 秘书股's 文件柜 (机要室 文件柜): every copy the register
  put there was on the shelf, and one more — a copy registered in the 2 号密码柜, put back
  in the wrong cabinet (one discrepancy, “登记在别处”);
- today she has started on the 2 号密码柜 and scanned the first few labels.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from baomi.accounts.models import User
from baomi.carriers.demo import as_of
from baomi.carriers.labels import label_code
from baomi.carriers.models import SHELVED_STATUSES, Copy
from baomi.stocktake import services
from baomi.stocktake.models import Scope

CABINET = "机要室 文件柜"
COMBINATION = "机要室 2 号密码柜"


def load(password: str) -> None:
    wangfang = User.objects.get(username="wangfang")
    now = timezone.localtime()
    then = now - datetime.timedelta(days=21)
    then = then.replace(hour=15, minute=0, second=0, microsecond=0)
    with as_of(then):
        done = services.stocktake_start(actor=wangfang, scope=Scope.LOCATION, location=CABINET,
                                        note="下半年例行盘点")
    expected = list(done.expected.select_related("copy").order_by("copy_id"))
    misplaced = (Copy.objects.filter(location=COMBINATION, status__in=SHELVED_STATUSES)
                 .order_by("carrier_id", "serial").first())
    for k, line in enumerate(expected):
        with as_of(then + datetime.timedelta(seconds=20 * (k + 1))):
            services.stocktake_scan(actor=wangfang, stocktake=done, code=label_code(line.copy_id))
    finish = then + datetime.timedelta(seconds=20 * (len(expected) + 2))
    if misplaced is not None:
        with as_of(finish):
            services.stocktake_scan(actor=wangfang, stocktake=done, code=label_code(misplaced))
    with as_of(finish + datetime.timedelta(minutes=2)):
        services.stocktake_close(actor=wangfang, stocktake=done,
                                 note="多出 1 份（登记在 2 号密码柜），已放回原处")

    start = max(now - datetime.timedelta(minutes=30), now.replace(hour=0, minute=1))
    with as_of(start):
        ongoing = services.stocktake_start(actor=wangfang, scope=Scope.LOCATION, location=COMBINATION)
    for k, line in enumerate(ongoing.expected.order_by("copy_id")[:3]):
        with as_of(start + datetime.timedelta(minutes=1 + k)):
            services.stocktake_scan(actor=wangfang, stocktake=ongoing, code=label_code(line.copy_id))
