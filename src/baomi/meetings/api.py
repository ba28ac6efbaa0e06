"""涉密会议 over the API. Thin handlers: parse, call one service or selector, serialise. What the
caller may not see answers 404."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from baomi import policy
from baomi.accounts.models import User
from baomi.carriers.models import Copy
from baomi.core.paging import api_window
from baomi.errors import NotFound
from baomi.meetings import selectors, services
from baomi.meetings.models import Attendee, Material, Meeting, Venue

router = Router(tags=["meetings"])


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _person(person_id: int) -> User:
    person = User.objects.filter(pk=person_id, is_active=True, admin_role="").first()
    if person is None:
        raise NotFound(_("对象不存在"))
    return person


class VenueOut(Schema):
    id: int
    name: str
    max_level: int | None
    shielded: bool
    checked_on: datetime.date | None


class VenueIn(Schema):
    name: str
    max_level: int | None = None
    shielded: bool = False
    checked_on: datetime.date | None = None
    note: str = ""


class AttendeeOut(Schema):
    id: int
    person_id: int | None
    name: str
    external_unit: str
    introduction_letter: str
    external_level: int | None
    checked_in_at: datetime.datetime | None
    phone: str
    rules_acknowledged: bool


class MaterialOut(Schema):
    id: int
    copy_id: int
    label: str
    attendee_id: int
    issued_at: datetime.datetime
    returned_at: datetime.datetime | None

    @staticmethod
    def resolve_label(obj: Material) -> str:
        return obj.copy.label


class MeetingOut(Schema):
    id: int
    title: str
    level: int
    venue_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    unit_id: int
    organiser_id: int
    clerk_id: int | None
    no_record: bool
    recording_approved: bool
    status: str
    approval_id: int | None
    minutes_id: int | None
    paper_ids: list[int] = []

    @staticmethod
    def resolve_paper_ids(obj: Meeting) -> list[int]:
        return list(obj.papers.values_list("pk", flat=True))


class MeetingDetailOut(MeetingOut):
    attendees: list[AttendeeOut]
    materials: list[MaterialOut]

    @staticmethod
    def resolve_attendees(obj: Meeting) -> list[Attendee]:
        return list(selectors.attendees_of(obj))

    @staticmethod
    def resolve_materials(obj: Meeting) -> list[Material]:
        return list(selectors.materials_of(obj))


class MeetingIn(Schema):
    title: str
    level: int
    venue_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    clerk_id: int | None = None
    no_record: bool = False
    recording_approved: bool = False


class AttendeeIn(Schema):
    person_id: int | None = None
    external_name: str = ""
    external_unit: str = ""
    introduction_letter: str = ""
    external_level: int | None = None


class PaperIn(Schema):
    register_no: str


class StartIn(Schema):
    no_wireless_mics: bool
    rules_announced: bool


class CheckInIn(Schema):
    person_id: int | None = None
    attendee_id: int | None = None
    phone: str
    rules_acknowledged: bool


class IssueIn(Schema):
    copy_id: int
    attendee_id: int


class MinutesIn(Schema):
    title: str = ""
    mark: str
    storage: str = "combination"
    location: str = ""


class CancelIn(Schema):
    reason: str


@router.get("/venues", response=list[VenueOut], summary="会场登记簿")
def list_venues(request: HttpRequest) -> list[Venue]:
    if not policy.uses_meetings(_actor(request)):
        raise NotFound(_("对象不存在"))
    return list(selectors.venues())


@router.post("/venues", response={201: VenueOut}, summary="登记会场（保密办）")
def register_venue(request: HttpRequest, body: VenueIn) -> Status:
    return Status(201, services.venue_register(actor=_actor(request), **body.dict()))


@router.get("/", response=list[MeetingOut], summary="涉密会议（组织或参加的；保密办可见全部）")
def list_meetings(request: HttpRequest, limit: int = 100, offset: int = 0) -> list[Meeting]:
    limit, offset = api_window(limit, offset)
    return list(selectors.meetings_visible_to(_actor(request))[offset:offset + limit])


@router.post("/", response={201: MeetingOut}, summary="筹备涉密会议")
def plan(request: HttpRequest, body: MeetingIn) -> Status:
    venue = selectors.venues().filter(pk=body.venue_id).first()
    if venue is None:
        raise NotFound(_("对象不存在"))
    data = body.dict()
    data.pop("venue_id")
    clerk_id = data.pop("clerk_id")
    clerk = _person(clerk_id) if clerk_id else None
    return Status(201, services.meeting_plan(actor=_actor(request), venue=venue, clerk=clerk, **data))


@router.get("/{meeting_id}", response=MeetingDetailOut, summary="会议详情：参会名单、签到、材料")
def get_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return selectors.meeting_for(_actor(request), meeting_id)


@router.post("/{meeting_id}/attendees", response={201: AttendeeOut}, summary="增加参会人员（本单位或外单位）")
def add_attendee(request: HttpRequest, meeting_id: int, body: AttendeeIn) -> Status:
    actor = _actor(request)
    meeting = selectors.meeting_for(actor, meeting_id)
    if body.person_id is not None:
        return Status(201, services.attendee_add(actor=actor, meeting=meeting, person=_person(body.person_id)))
    return Status(201, services.attendee_add_external(
        actor=actor, meeting=meeting, name=body.external_name, unit_name=body.external_unit,
        letter=body.introduction_letter, cleared_level=body.external_level or 0))


@router.post("/{meeting_id}/papers", response=MeetingOut, summary="列入会议材料（按登记号；与会人员须在其知悉范围内）")
def add_paper(request: HttpRequest, meeting_id: int, body: PaperIn) -> Meeting:
    actor = _actor(request)
    services.paper_add(actor=actor, meeting=selectors.meeting_for(actor, meeting_id), register_no=body.register_no)
    return selectors.meeting_for(actor, meeting_id)


@router.post("/{meeting_id}/submit", response=MeetingOut, summary="报批（参会名单与会场）")
def submit(request: HttpRequest, meeting_id: int) -> Meeting:
    actor = _actor(request)
    meeting = selectors.meeting_for(actor, meeting_id)
    services.meeting_submit(actor=actor, meeting=meeting)
    return selectors.meeting_for(actor, meeting_id)


@router.post("/{meeting_id}/start", response=MeetingOut, summary="会议开始（确认无线话筒、宣布保密纪律）")
def start(request: HttpRequest, meeting_id: int, body: StartIn) -> Meeting:
    actor = _actor(request)
    return services.meeting_start(actor=actor, meeting=selectors.meeting_for(actor, meeting_id), **body.dict())


@router.post("/{meeting_id}/check-in", response=AttendeeOut, summary="签到（确认保密纪律、手机存放）")
def check_in(request: HttpRequest, meeting_id: int, body: CheckInIn) -> Attendee:
    actor = _actor(request)
    meeting = selectors.meeting_for(actor, meeting_id)
    attendee = meeting.attendees.filter(pk=body.attendee_id).first() if body.attendee_id else None
    if body.attendee_id and attendee is None:
        raise NotFound(_("对象不存在"))
    person = _person(body.person_id) if body.person_id else None
    return services.attendee_check_in(actor=actor, meeting=meeting, person=person, attendee=attendee,
                                      phone=body.phone, rules_acknowledged=body.rules_acknowledged)


@router.post("/{meeting_id}/materials", response={201: MaterialOut}, summary="发放会议材料（按份号）")
def issue(request: HttpRequest, meeting_id: int, body: IssueIn) -> Status:
    actor = _actor(request)
    meeting = selectors.meeting_for(actor, meeting_id)
    copy = Copy.objects.filter(policy.copies_visible_to(actor), pk=body.copy_id).select_related("carrier").first()
    attendee = meeting.attendees.select_related("person").filter(pk=body.attendee_id).first()
    if copy is None or attendee is None:
        raise NotFound(_("对象不存在"))
    return Status(201, services.material_issue(actor=actor, meeting=meeting, copy=copy, attendee=attendee))


@router.post("/{meeting_id}/materials/{material_id}/collect", response=MaterialOut, summary="收回会议材料")
def collect(request: HttpRequest, meeting_id: int, material_id: int) -> Material:
    actor = _actor(request)
    material = selectors.material_for(actor, material_id)
    if material.meeting_id != meeting_id:
        raise NotFound(_("对象不存在"))
    return services.material_collect(actor=actor, material=material)


@router.post("/{meeting_id}/minutes", response=MeetingOut, summary="登记会议记录（作为涉密载体）")
def minutes(request: HttpRequest, meeting_id: int, body: MinutesIn) -> Meeting:
    actor = _actor(request)
    services.minutes_register(actor=actor, meeting=selectors.meeting_for(actor, meeting_id), **body.dict())
    return selectors.meeting_for(actor, meeting_id)


@router.post("/{meeting_id}/close", response=MeetingOut, summary="结束会议（材料须全部收回）")
def close(request: HttpRequest, meeting_id: int) -> Meeting:
    actor = _actor(request)
    return services.meeting_close(actor=actor, meeting=selectors.meeting_for(actor, meeting_id))


@router.post("/{meeting_id}/cancel", response=MeetingOut, summary="取消会议")
def cancel(request: HttpRequest, meeting_id: int, body: CancelIn) -> Meeting:
    actor = _actor(request)
    return services.meeting_cancel(actor=actor, meeting=selectors.meeting_for(actor, meeting_id),
                                   reason=body.reason)
