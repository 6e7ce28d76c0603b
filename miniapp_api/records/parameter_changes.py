"""Regional parameters changed by the agency: one administrator proposes a new dated version with
its document, another (an administrator or supervisor) puts it in force. Never retroactive: a
version takes effect today or later, so no decision already made changes under anyone's feet;
a past value is corrected through the records import, which is audited like this.

A regional member of staff works on their own region only; province-wide staff on any."""

from __future__ import annotations

import datetime as dt
from typing import Any

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.audit.service import record_regardless
from miniapp_api.clock import china_today
from miniapp_api.db import MAX_ID, utcnow
from miniapp_api.errors import ConflictError, Forbidden, NotFoundError, ValidationFailed, plain_messages
from miniapp_api.records.models import ParameterChange, Region, RegionParameter
from miniapp_api.records.parameters import validate_parameter_value
from miniapp_api.rules.parameters import PARAMETER_LABELS

PROPOSE_ROLES = ("admin",)
DECIDE_ROLES = ("admin", "supervisor")
STATUS_LABELS = {"pending": "待审核", "approved": "已生效", "rejected": "已退回"}


def region_in_scope(session: Session, caller: Caller, region_code: str) -> Region:
    region = session.get(Region, region_code)
    if region is None or (caller.staff_region and caller.staff_region != region_code):
        raise NotFoundError(f"您的辖区内没有统筹地区 {region_code}", code="REGION_NOT_FOUND")
    return region


def history(session: Session, region_code: str) -> dict[str, list[RegionParameter]]:
    """Every version of every kind, newest first, keyed by kind in the labels' order."""
    rows = session.scalars(
        select(RegionParameter)
        .where(RegionParameter.region_code == region_code)
        .order_by(RegionParameter.kind, RegionParameter.effective_from.desc())
    )
    by_kind: dict[str, list[RegionParameter]] = {kind: [] for kind in PARAMETER_LABELS}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    return by_kind


def changes(session: Session, region_code: str, limit: int = 50) -> list[ParameterChange]:
    return list(
        session.scalars(
            select(ParameterChange)
            .where(ParameterChange.region_code == region_code)
            .order_by(ParameterChange.id.desc())
            .limit(limit)
        )
    )


def propose(session: Session, caller: Caller, region_code: str, form: dict[str, Any]) -> ParameterChange:
    _require(caller, PROPOSE_ROLES, "提出参数调整需要系统管理员岗位")
    region_in_scope(session, caller, region_code)
    kind = form.get("kind") or ""
    if kind not in PARAMETER_LABELS:
        raise ValidationFailed("请选择要调整的参数", code="UNKNOWN_PARAMETER")
    effective_from = _date(form.get("effective_from"))
    if effective_from < china_today():
        raise ValidationFailed("生效日期不能早于今天：已作出的决定不因参数调整而改变", code="RETROACTIVE_CHANGE")
    citation, reason = (form.get("citation") or "").strip(), (form.get("reason") or "").strip()
    if len(citation) < 4:
        raise ValidationFailed("请填写依据的文件名称和文号", code="CITATION_REQUIRED")
    if not reason:
        raise ValidationFailed("请说明调整原因", code="REASON_REQUIRED")
    try:
        value = validate_parameter_value(kind, form.get("value"))
    except RecursionError:
        raise ValidationFailed("参数值嵌套过深", code="BAD_PARAMETER_VALUE") from None
    except ma.ValidationError as error:
        raise ValidationFailed(
            f"参数值不符合要求：{plain_messages(error.messages)}", code="BAD_PARAMETER_VALUE"
        ) from None
    if session.scalar(
        select(ParameterChange.id).where(
            ParameterChange.region_code == region_code,
            ParameterChange.kind == kind,
            ParameterChange.status == "pending",
        )
    ):
        raise ConflictError("这项参数已有一个待审核的调整，请先审核或退回", code="CHANGE_PENDING")
    change = ParameterChange(
        region_code=region_code,
        kind=kind,
        effective_from=effective_from,
        value=value,
        citation=citation[:500],
        reason=reason[:500],
        status="pending",
        proposed_by=caller.staff_user_id,
    )
    session.add(change)
    session.flush()
    audit(
        "region_parameter.proposed",
        actor=caller.audit_actor,
        subject=("region_parameter_change", change.id),
        detail={"region": region_code, "kind": kind, "effective_from": effective_from.isoformat(), "value": value},
    )
    return change


def approve(session: Session, caller: Caller, change_id: int, note: str) -> RegionParameter:
    change = _pending(session, caller, change_id, "region_parameter.approve")
    if change.effective_from < china_today():
        raise ConflictError("生效日期已过，不能再批准；请退回后重新提出", code="RETROACTIVE_CHANGE")
    row = session.scalar(
        select(RegionParameter).where(
            RegionParameter.region_code == change.region_code,
            RegionParameter.kind == change.kind,
            RegionParameter.effective_from == change.effective_from,
        )
    )
    before = {"value": row.value, "citation": row.citation} if row else None
    if row is None:
        row = RegionParameter(region_code=change.region_code, kind=change.kind, effective_from=change.effective_from)
        session.add(row)
    row.value, row.citation = change.value, change.citation
    _decide(change, caller, "approved", note)
    session.flush()
    audit(
        "region_parameter.approved",
        actor=caller.audit_actor,
        subject=("region_parameter", row.id),
        detail={
            "change": change.id,
            "region": change.region_code,
            "kind": change.kind,
            "effective_from": change.effective_from.isoformat(),
            "before": before,
            "after": {"value": change.value, "citation": change.citation},
        },
    )
    return row


def reject(session: Session, caller: Caller, change_id: int, note: str) -> ParameterChange:
    if not note.strip():
        raise ValidationFailed("请写明退回原因", code="NOTE_REQUIRED")
    change = _pending(session, caller, change_id, "region_parameter.reject")
    _decide(change, caller, "rejected", note)
    audit("region_parameter.rejected", actor=caller.audit_actor, subject=("region_parameter_change", change.id))
    return change


def _pending(session: Session, caller: Caller, change_id: int, action: str) -> ParameterChange:
    _require(caller, DECIDE_ROLES, "审核参数调整需要系统管理员或主管岗位")
    change = session.get(ParameterChange, change_id, with_for_update=True) if 0 < change_id <= MAX_ID else None
    if change is None or (caller.staff_region and change.region_code != caller.staff_region):
        raise NotFoundError("没有这项参数调整", code="CHANGE_NOT_FOUND")
    if change.status != "pending":
        raise ConflictError(f"这项调整{STATUS_LABELS[change.status]}，不能再审核", code="CHANGE_DECIDED")
    if change.proposed_by == caller.staff_user_id:
        record_regardless(
            action, actor=caller.audit_actor, subject=("region_parameter_change", change.id), outcome="refused",
            detail={"reason": "maker_cannot_approve"},
        )  # fmt: skip
        raise Forbidden("提出人不能审核自己提出的参数调整，请由另一位管理员或主管审核", code="MAKER_CANNOT_APPROVE")
    return change


def _decide(change: ParameterChange, caller: Caller, status: str, note: str) -> None:
    change.status, change.decided_by, change.decided_at = status, caller.staff_user_id, utcnow()
    change.decision_note = note.strip()[:500] or None


def _require(caller: Caller, roles: tuple[str, ...], message: str) -> None:
    if not set(roles) & set(caller.roles or ()):
        raise Forbidden(message, code="ROLE_REQUIRED")


def _date(text: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text or ""))
    except ValueError:
        raise ValidationFailed("请填写生效日期（年-月-日）", code="BAD_DATE") from None
