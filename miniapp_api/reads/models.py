"""The read versions: one counter per owner of cached answers."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from miniapp_api.db import Base

# Whose answers a version covers: a person's (claimant pages), an employer's (its duties), and
# the reference data everyone's answers are made of (regions, parameters, employers, calendar).
SCOPES = ("person", "employer", "reference")
REFERENCE_OWNER = 0


class ReadVersion(Base):
    """Bumped by triggers in every transaction that changes what the owner's answers show."""

    __tablename__ = "read_versions"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    owner_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
