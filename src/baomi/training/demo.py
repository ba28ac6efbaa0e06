"""The training part of the demo office (DEMO.md), through the services and relative to
today: the bank imported, this year's 集中保密教育 held with the inspections and attended,
the 《保密法》 special training, everyone but 周静 on their hours, the annual exam passed by
the others with certificates (吴涛 at the second try), 周静's exam in progress, and 郑丽
(not yet cleared) through the 上岗培训 and 上岗考核."""

from __future__ import annotations

import datetime

from baomi.accounts.models import User
from baomi.training import services
from baomi.training.models import Attempt


def _held(today: datetime.date, month: int, day: int) -> datetime.date | None:
    """This year's date if it has passed, else None (nothing is held in the future)."""
    when = datetime.date(today.year, month, day)
    return when if when < today else None


def _answers(attempt: Attempt, wrong: int) -> dict[int, list[int]]:
    answers: dict[int, list[int]] = {}
    for n, item in enumerate(attempt.items.all()):
        if n < wrong:
            others = [i for i in range(len(item.options)) if i not in item.answer]
            answers[item.position] = others[:1] or list(item.answer)[:1]  # all four right: ticking one is wrong
        else:
            answers[item.position] = list(item.answer)
    return answers


def load(password: str) -> None:
    people = {u.username: u for u in User.objects.all()}
    officer = people["lijianhua"]
    today = services.today()
    services.bank_import(actor=officer)

    def course(title: str, kind: str, hours: str, topics: list[str], summary: str) -> object:
        return services.course_create(actor=officer, title=title, kind=kind, hours=hours, topics=topics,
                                      summary=summary)

    def held(c: object, on: datetime.date | None, who: list[str], place: str, trainer: str,
             inspection: str = "") -> None:
        if on is None:
            return
        session = services.session_create(actor=officer, course=c, held_on=on, place=place,  # type: ignore[arg-type]
                                          trainer=trainer, with_inspection=inspection)
        services.attendance_record(actor=officer, session=session, people=[people[w] for w in who])

    cleared = ["chen", "liumin", "wangfang", "lijianhua", "zhaolei", "sunwei", "zhoujing", "wutao"]
    first_half = course(f"{today.year}年上半年集中保密教育", "concentrated", "2", ["law", "rules", "situation"],
                        "通报当前保密形势和典型泄密案例；学习《国家工作人员十条保密守则》；结合五一节前保密检查开展自查。")
    second_half = course(f"{today.year}年下半年集中保密教育", "concentrated", "2", ["rules", "carriers", "internet"],
                         "涉密载体管理和“上网不涉密、涉密不上网”专题；结合国庆节前保密检查开展自查。")
    law = course("《保密法》及配套法规专题培训", "annual", "6", ["law", "internet"],
                 "《保密法》及实施条例、国家秘密与工作秘密的区别、泄密责任追究；国际互联网安全管理有关规定。")
    carriers = course("涉密载体管理与信息安全实务", "annual", "4", ["carriers", "internet"],
                      "收发登记、随阅随退、复制审批、清退销毁；涉密计算机与移动存储介质管理。")
    leaders = course("领导干部和核心涉密人员保密责任专题", "annual", "2", ["leaders", "foreign", "situation"],
                     "新闻采访、出国访问、涉外活动中的保密要求；防渗透、防策反；管理身边工作人员和亲属子女。")
    onboarding = course("新任涉密人员上岗保密培训", "onboarding", "4", ["law", "rules", "personnel"],
                        "保密法律法规和保密工作制度；保密承诺书；涉密人员的权利义务、出国境和离岗离职管理。")

    first = _held(today, 4, 28) or _held(today, 1, 6)
    held(first_half, first, cleared, "委机关三楼会议室", "李建华", "五一节前保密检查")
    # 周静 was on leave for the second concentrated session and missed the special training.
    held(second_half, _held(today, 9, 28), [w for w in cleared if w != "zhoujing"], "委机关三楼会议室", "李建华",
         "国庆节前保密检查")
    held(law, _held(today, 6, 16) or first, [w for w in cleared if w != "zhoujing"], "市委党校报告厅",
         "市国家保密局 王处长")
    held(carriers, _held(today, 8, 20) or first, ["chen", "liumin", "wangfang", "lijianhua", "sunwei"],
         "委机关机要室", "王芳")
    held(leaders, _held(today, 10, 15) or first, ["chen", "wangfang"], "委机关二楼小会议室", "陈国强")
    held(onboarding, today - datetime.timedelta(days=20), ["zhengli"], "保密办", "赵磊")

    annual = services.exam_create(actor=officer, title=f"{today.year}年度保密知识考试", purpose="annual",
                                  question_count=20, time_limit_minutes=60, pass_mark=80, max_attempts=3)
    entry = services.exam_create(actor=officer, title="上岗保密知识考核", purpose="onboarding", question_count=10,
                                 time_limit_minutes=30, pass_mark=80, max_attempts=3, topics=["rules", "personnel"])
    for n, username in enumerate(["chen", "liumin", "wangfang", "lijianhua", "zhaolei", "sunwei"]):
        attempt = services.attempt_start(actor=people[username], exam=annual)
        services.attempt_submit(actor=people[username], attempt=attempt, answers=_answers(attempt, n % 3))
    # 吴涛 fails the first time (70 分) and passes at the second try.
    attempt = services.attempt_start(actor=people["wutao"], exam=annual)
    services.attempt_submit(actor=people["wutao"], attempt=attempt, answers=_answers(attempt, 6))
    attempt = services.attempt_start(actor=people["wutao"], exam=annual)
    services.attempt_submit(actor=people["wutao"], attempt=attempt, answers=_answers(attempt, 1))
    # 郑丽, not yet cleared, passed the 上岗考核 after her 上岗培训.
    attempt = services.attempt_start(actor=people["zhengli"], exam=entry)
    services.attempt_submit(actor=people["zhengli"], attempt=attempt, answers=_answers(attempt, 1))
    # 周静 has started the annual exam and not handed in yet (and is behind on her hours).
    attempt = services.attempt_start(actor=people["zhoujing"], exam=annual)
    services.attempt_answer(actor=people["zhoujing"], attempt=attempt,
                            answers={item.position: list(item.answer) for item in list(attempt.items.all())[:5]})
    services.reminders_issue(on=today)
