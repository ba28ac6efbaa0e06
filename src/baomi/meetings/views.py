"""涉密会议 pages. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from baomi import policy
from baomi.accounts.models import User
from baomi.carriers.models import Copy, CopyStatus
from baomi.errors import BaomiError, Invalid, NotFound
from baomi.meetings import forms, selectors, services
from baomi.meetings.models import MeetingStatus, PhoneDeposit


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_meetings(user: User) -> None:
    if not policy.uses_meetings(user):
        raise NotFound(_("对象不存在"))


def _int(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name, "") or 0)
    except ValueError:
        raise Invalid(_("参数无效")) from None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_meetings(user)
    return render(request, "meetings/index.html", {
        "meetings": selectors.meetings_visible_to(user)[:100],
        "office": "secrecy_officer" in policy.business_roles(user),
    })


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_meetings(user)
    form = forms.MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_plan(actor=user, **form.cleaned_data)
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已登记会议，请确定参会名单后报批"))
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return render(request, "meetings/plan.html", {"form": form})


@login_required
def venues(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_meetings(user)
    office = "secrecy_officer" in policy.business_roles(user)
    form = forms.VenueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_register(actor=user, **form.cleaned_data)
        except BaomiError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已登记会场"))
            return redirect("meetings:venues")
    return render(request, "meetings/venues.html", {"venues": selectors.venues(), "form": form, "office": office})


@login_required
def detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    user = _user(request)
    meeting = selectors.meeting_for(user, meeting_id)
    runner = policy.reason_may_run_meeting(user, meeting) is None
    handles_materials = runner or meeting.clerk_id == user.pk
    shelf = Copy.objects.filter(policy.copies_visible_to(user), status=CopyStatus.IN_CUSTODY, custodian=user,
                                level__lte=meeting.level).select_related("carrier").order_by("carrier_id", "serial")
    copies = (shelf[:200]
              if handles_materials and meeting.status == MeetingStatus.IN_PROGRESS else [])
    people = (User.objects.filter(is_active=True, admin_role="").select_related("unit").order_by("id")
              if runner and meeting.status == MeetingStatus.PLANNED else [])
    return render(request, "meetings/detail.html", {
        "meeting": meeting, "attendees": selectors.attendees_of(meeting), "materials": selectors.materials_of(meeting),
        "papers": meeting.papers.filter(policy.carriers_visible_to(user)).order_by("register_no"),
        "runner": runner, "handles_materials": handles_materials, "copies": copies, "people": people,
        "rules": services.ENTRY_RULES, "phones": PhoneDeposit.choices, "S": MeetingStatus,
    })


@login_required
@require_POST
def action(request: HttpRequest, meeting_id: int, action: str) -> HttpResponse:
    user = _user(request)
    meeting = selectors.meeting_for(user, meeting_id)
    post = request.POST
    try:
        if action == "attendee":
            person = User.objects.filter(pk=_int(request, "person"), is_active=True, admin_role="").first()
            if person is None:
                raise Invalid(_("请选择人员"))
            services.attendee_add(actor=user, meeting=meeting, person=person)
            messages.success(request, _("已加入参会名单"))
        elif action == "paper":
            services.paper_add(actor=user, meeting=meeting, register_no=post.get("register_no", ""))
            messages.success(request, _("已列入会议材料"))
        elif action == "external":
            services.attendee_add_external(
                actor=user, meeting=meeting, name=post.get("name", ""), unit_name=post.get("unit", ""),
                letter=post.get("letter", ""), cleared_level=_int(request, "level"))
            messages.success(request, _("已加入参会名单"))
        elif action == "remove":
            services.attendee_remove(actor=user, attendee=selectors.attendee_for(user, _int(request, "attendee")))
        elif action == "submit":
            services.meeting_submit(actor=user, meeting=meeting)
            messages.success(request, _("已报批"))
        elif action == "start":
            services.meeting_start(actor=user, meeting=meeting, no_wireless_mics=bool(post.get("no_wireless_mics")),
                                   rules_announced=bool(post.get("rules_announced")))
            messages.success(request, _("会议已开始"))
        elif action == "check-in":
            attendee = selectors.attendee_for(user, _int(request, "attendee"))
            services.attendee_check_in(actor=user, meeting=meeting, attendee=attendee, phone=post.get("phone", ""),
                                       rules_acknowledged=bool(post.get("acknowledged")))
            messages.success(request, _("已签到"))
        elif action == "issue":
            copy = Copy.objects.filter(policy.copies_visible_to(user), pk=_int(request, "copy")).first()
            if copy is None:
                raise NotFound(_("对象不存在"))
            services.material_issue(actor=user, meeting=meeting, copy=copy,
                                    attendee=selectors.attendee_for(user, _int(request, "attendee")))
            messages.success(request, _("已发放"))
        elif action == "collect":
            services.material_collect(actor=user, material=selectors.material_for(user, _int(request, "material")))
            messages.success(request, _("已收回"))
        elif action == "minutes":
            services.minutes_register(actor=user, meeting=meeting, title=post.get("title", ""),
                                      mark=post.get("mark", ""), storage=post.get("storage", "combination"))
            messages.success(request, _("会议记录已登记为涉密载体"))
        elif action == "close":
            services.meeting_close(actor=user, meeting=meeting)
            messages.success(request, _("会议已结束"))
        elif action == "cancel":
            services.meeting_cancel(actor=user, meeting=meeting, reason=post.get("reason", ""))
            messages.success(request, _("会议已取消"))
        else:
            raise Invalid(_("未知操作"))
    except BaomiError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    return redirect("meetings:detail", meeting_id=meeting.pk)
