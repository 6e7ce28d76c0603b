"""The messages a caller may see: a claimant their own, an employer those sent to its
contacts, staff (handler, auditor, admin) those of people in their region (province-wide
accounts: anyone's). Someone else's message is "not found"."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import selectinload

from auth.caller import Caller
from auth.models import StaffUser
from auth.service import require_staff_role
from miniapp_api.audit.service import record as audit
from miniapp_api.db import current_session
from miniapp_api.errors import NotFoundError, ValidationFailed
from miniapp_api.pii import mask_phone
from miniapp_api.records.models import Employer, EmployerContact, Person
from notifications import templates
from notifications.models import Message
from notifications.service import describe, history_for_recipient

STAFF_READERS = ("handler", "auditor", "admin")


def _visible_to(caller: Caller) -> Select[Any]:
    query = select(Message).options(selectinload(Message.events))
    if caller.kind == "claimant":
        return query.where(Message.recipient_kind == "person", Message.recipient_id == caller.person_id)
    if caller.kind == "employer":
        contacts = select(EmployerContact.id).where(EmployerContact.employer_id == caller.employer_id)
        return query.where(Message.recipient_kind == "employer_contact", Message.recipient_id.in_(contacts))
    require_staff_role(caller, *STAFF_READERS)
    return query.where(in_region(caller.staff_region)) if caller.staff_region else query


def in_region(region_code: str) -> ColumnElement[bool]:
    """Messages to a person, an employer's contact or a member of staff of `region_code`."""
    person = exists().where(Person.id == Message.recipient_id, Person.region_code == region_code)
    contact = exists().where(
        EmployerContact.id == Message.recipient_id,
        Employer.id == EmployerContact.employer_id,
        Employer.region_code == region_code,
    )
    staff = exists().where(StaffUser.id == Message.recipient_id, StaffUser.region_code == region_code)
    return or_(
        and_(Message.recipient_kind == "person", person),
        and_(Message.recipient_kind == "employer_contact", contact),
        and_(Message.recipient_kind == "staff", staff),
    )


def my_messages(caller: Caller, limit: int) -> list[dict[str, Any]]:
    if caller.kind == "staff":
        raise ValidationFailed("工作人员请按手机号或 openid 查询（/api/v1/staff/messages）", code="USE_STAFF_LOOKUP")
    query = _visible_to(caller).order_by(Message.created_at.desc()).limit(limit)
    return [{**describe(message), "text": owners_text(message)} for message in current_session().scalars(query)]


def one_message(caller: Caller, message_id: str) -> dict[str, Any]:
    found = current_session().scalar(_visible_to(caller).where(Message.id == message_id))
    if found is None:
        raise NotFoundError("消息不存在", code="MESSAGE_NOT_FOUND")
    return {**describe(found), "text": owners_text(found) if caller.kind != "staff" else None}


# Never shown again once sent: whoever reads the message list later is not the phone's owner.
_SECRET_KINDS = {"login_code": "登录验证码短信（验证码不在此显示）"}


def owners_text(message: Message) -> str:
    """The text as its recipient read it, for the recipient's own list; a secret it carried is not
    shown again."""
    if message.kind in _SECRET_KINDS:
        return _SECRET_KINDS[message.kind]
    template = templates.get(message.kind, message.template_version)
    return templates.render(template, json.loads(message.personalisation)).sms_text


def staff_lookup(caller: Caller, phone: str | None, openid: str | None, limit: int) -> list[dict[str, Any]]:
    require_staff_role(caller, *STAFF_READERS)
    if not phone and not openid:
        raise ValidationFailed("请提供手机号（phone）或 openid", code="RECIPIENT_REQUIRED")
    scope = in_region(caller.staff_region) if caller.staff_region else None
    found = history_for_recipient(current_session(), phone=phone, openid=openid, limit=limit, where=scope)
    # Looking up someone's messages is a read of personal data: on the record, whom and how many.
    audit(
        "messages.looked_up",
        actor=caller.audit_actor,
        detail={"phone": mask_phone(phone) if phone else None, "openid": bool(openid), "found": len(found)},
    )
    return found
