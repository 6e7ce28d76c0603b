"""Who is calling, as every endpoint and service function sees it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Level(enum.IntEnum):
    """How sure we are that a claimant is who they say: each level includes the ones below."""

    WECHAT = 1  # logged in with WeChat
    BOUND = 2  # real-name bound to a person in the records
    FACE_VERIFIED = 3  # passed a face check for that person within the last minutes

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Caller:
    session_id: int
    kind: str  # "claimant" | "employer" | "staff"
    level: Level | None = None  # claimants only
    wechat_account_id: int | None = None
    person_id: int | None = None
    employer_id: int | None = None
    employer_contact_id: int | None = None
    staff_user_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    # A staff member's pooling region; None for province-wide accounts, which see every region.
    staff_region: str | None = None
    # The read versions of the caller's own answers and of the reference data, read with the
    # caller (reads/): an answer cached under them is what the records say now.
    read_version: str = ""

    @property
    def audit_actor(self) -> tuple[str, int | None]:
        subject = {
            "claimant": self.wechat_account_id,
            "employer": self.employer_contact_id,
            "staff": self.staff_user_id,
        }[self.kind]
        return (self.kind, subject)
