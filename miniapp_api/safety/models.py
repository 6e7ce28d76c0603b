from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.db import Base, UtcDateTime, utcnow

_OPEN = text("status = 'open'")


class RecoveryItem(Base):
    """A month paid after the date payment should have stopped: staff recover it (or decide not to)."""

    __tablename__ = "recovery_items"
    __table_args__ = (CheckConstraint("status IN ('open', 'recovered', 'waived')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    benefit_payment_id: Mapped[int] = mapped_column(ForeignKey("benefit_payments.id"), unique=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    period: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    reason: Mapped[str] = mapped_column(String(40))
    basis: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    settled_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    settled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    settlement_note: Mapped[str | None] = mapped_column(Text)


# What staff are asked to look into. None of these stops payment by itself (人社厅发〔2020〕24号
# 第八条: 疑点数据核实后处理): a staff decision does, with its legal reason.
CHECK_KINDS = {
    "suspect_list": "部级比对疑点",
    "shared_bank_account": "多名申领人使用同一银行账户",
    "shared_wechat": "同一微信用户绑定过多个身份",
    "failed_face_checks": "人脸核验多次未通过",
    "identity_squatting": "他人抢先绑定了此人的身份",
    "shared_face": "登记照片与另一身份为同一人脸",
}
CHECK_STATUSES = ("open", "cleared", "stopped")


class SuspectList(Base):
    """One imported list of suspected irregular recipients (the ministry's comparison results)."""

    __tablename__ = "suspect_lists"
    __table_args__ = (UniqueConstraint("sha256", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    # The same file twice for one scope is refused; each region may read the ministry's list for itself.
    sha256: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(6), default="", server_default="")  # region, or "" province-wide
    rows: Mapped[int] = mapped_column(Integer)
    matched: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class CheckItem(Base):
    """A signal about one person for staff to check (核查事项), never an automatic stop."""

    __tablename__ = "check_items"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'cleared', 'stopped')", name="status"),
        CheckConstraint(
            "kind IN ('suspect_list', 'shared_bank_account', 'shared_wechat', 'failed_face_checks',"
            " 'identity_squatting', 'shared_face')",
            name="kind",
        ),
        Index("ix_check_items_open", "region_code", "id", postgresql_where=_OPEN, sqlite_where=_OPEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    # One item per signal and person: a daily sweep or a re-sent list does not open it twice.
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    suspect_list_id: Mapped[int | None] = mapped_column(ForeignKey("suspect_lists.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    # A reviewer may hold payment while checking an item of a kind that does not hold by itself.
    held_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    held_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
