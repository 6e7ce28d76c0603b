"""A message the service could not deliver becomes an alert for the recipient's region, so a
person telephones or writes instead: a claimant never learns of a decision, an employer of its
duty, only because a phone was off. Login codes are not followed up (the person asks again)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import StaffUser
from miniapp_api.alerts.service import raise_alert
from miniapp_api.pii import mask_phone
from miniapp_api.records.models import Employer, EmployerContact, Person
from notifications.models import Message

KIND = "message_undeliverable"
# What each message told its recipient, in the words staff use on the telephone.
MESSAGE_LABELS = {
    "benefit_continued": "失业保险金续发通知",
    "benefit_paid": "失业保险金发放通知",
    "benefit_resumed": "恢复发放通知",
    "benefit_suspended": "暂停发放通知",
    "claim_approved": "申领审核通过通知",
    "claim_lump_sum_granted": "一次性领取核准通知",
    "claim_rejected": "申领不予核准通知",
    "claim_submitted": "申领已提交通知",
    "employer_filing_overdue": "解除劳动关系备案逾期提醒",
    "employer_notice_escalation": "送达告知书督办通知",
    "employer_notice_reminder": "送达告知书提醒",
    "employer_notice_reminder_undated": "送达告知书提醒",
    "employer_objection_answered": "单位异议答复通知",
    "employer_objection_due_date_set": "单位异议答复期限通知",
    "employer_objection_info_requested": "单位异议补充材料通知",
    "employer_objection_received": "单位异议受理通知",
    "employer_objection_received_undated": "单位异议受理通知",
    "identity_binding_removed": "身份绑定解除通知",
    "login_code": "登录验证码",
    "objection_answered": "异议答复通知",
    "objection_due_date_set": "异议答复期限通知",
    "objection_info_requested": "异议补充材料通知",
    "objection_received": "异议受理通知",
    "objection_received_undated": "异议受理通知",
    "payment_returned": "发放退回通知",
    "refund_approved": "稳岗返还审核通过通知",
    "refund_details_missing": "稳岗返还资料待补齐提醒",
    "refund_eligible": "稳岗返还确认提醒",
    "refund_held": "稳岗返还暂缓拨付通知",
    "refund_hold_lifted": "稳岗返还继续公示通知",
    "refund_paid": "稳岗返还拨付通知",
    "refund_rejected": "稳岗返还审核未通过通知",
    "refund_returned": "稳岗返还退回通知",
    "refund_waived": "稳岗返还视为放弃通知",
    "staff_calendar_horizon": "节假日日历即将用尽提醒",
    "staff_calendar_missing": "节假日安排缺失提醒",
    "staff_employer_escalated": "单位督办提醒",
    "staff_objection_due_soon": "异议即将到期提醒",
    "staff_objection_due_soon_provisional": "异议即将到期提醒",
    "staff_objection_escalated": "异议转主管提醒",
    "staff_objection_overdue": "异议逾期提醒",
    "worker_claim_right": "申领失业保险金权利告知",
}
_AUDIENCE = {"person": "申领人", "employer_contact": "单位联系人", "staff": "工作人员", "wechat_account": "微信用户"}


def raise_for(session: Session, message: Message, reason: str | None) -> None:
    if message.expires_at is not None:
        return
    title = MESSAGE_LABELS.get(message.kind, message.kind)
    whom = _AUDIENCE.get(message.recipient_kind, message.recipient_kind)
    reach = f"，手机 {mask_phone(message.phone)}" if message.phone else ""
    raise_alert(
        session,
        KIND,
        f"message:{message.id}",
        f"“{title}”未能送达{whom}{reach}（{reason or message.status}），请电话或书面告知",
        region_code=_region_of(session, message),
        detail={
            "message_id": message.id,
            "recipient_kind": message.recipient_kind,
            "recipient_id": message.recipient_id,
        },
    )


def _region_of(session: Session, message: Message) -> str | None:
    """The region whose staff follow the recipient up; None (every region) when unknown."""
    if message.recipient_id is None:
        return None
    if message.recipient_kind == "person":
        return session.scalar(select(Person.region_code).where(Person.id == message.recipient_id))
    if message.recipient_kind == "employer_contact":
        return session.scalar(
            select(Employer.region_code)
            .join(EmployerContact, EmployerContact.employer_id == Employer.id)
            .where(EmployerContact.id == message.recipient_id)
        )
    if message.recipient_kind == "staff":
        return session.scalar(select(StaffUser.region_code).where(StaffUser.id == message.recipient_id))
    return None
