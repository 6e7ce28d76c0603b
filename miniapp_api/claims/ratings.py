"""服务评价（好差评）: a claimant rates how a decided claim or an answered objection was handled;
staff read the ratings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.caller import Caller
from miniapp_api.audit.service import record as audit
from miniapp_api.claims import timeline
from miniapp_api.claims.models import ServiceRating
from miniapp_api.claims.progress import own_claim
from miniapp_api.claims.status import DECIDED_STATUSES
from miniapp_api.errors import ConflictError
from miniapp_api.pii import mask_text


def rate_claim(session: Session, caller: Caller, claim_id: int, score: int, comment: str | None) -> ServiceRating:
    claim = own_claim(session, caller, claim_id, for_update=True)
    if claim.status not in DECIDED_STATUSES:
        raise ConflictError("申领办结（核准或不予核准）后才能评价", code="NOT_YET_DECIDED")
    rating = save_rating(
        session,
        subject=("claim", claim.id),
        person_id=claim.person_id,
        region_code=claim.region_code,
        score=score,
        comment=comment,
        already="这笔申领已经评价过了",
    )
    timeline.append(claim, "rated", timeline.actor_of(caller), score=score)
    audit("claim.rated", actor=caller.audit_actor, subject=("claim", claim.id), detail={"score": score})
    return rating


def save_rating(
    session: Session,
    *,
    subject: tuple[str, int],
    person_id: int,
    region_code: str,
    score: int,
    comment: str | None,
    already: str,
) -> ServiceRating:
    """One rating per rated thing (a decided claim, an answered objection); a second is refused."""
    rating = ServiceRating(
        subject_kind=subject[0],
        subject_id=subject[1],
        person_id=person_id,
        region_code=region_code,
        score=score,
        comment=mask_text(comment) if comment else None,  # free text may hold a phone or ID number
    )
    try:
        with session.begin_nested():
            session.add(rating)
            session.flush()
    except IntegrityError:
        raise ConflictError(already, code="ALREADY_RATED") from None
    return rating


def rating_summary(session: Session, caller: Caller, region: str | None, limit: int) -> dict[str, Any]:
    scope = [ServiceRating.region_code == region] if region else []
    if caller.staff_region:
        scope.append(ServiceRating.region_code == caller.staff_region)
    counts = dict(
        session.execute(select(ServiceRating.score, func.count()).where(*scope).group_by(ServiceRating.score)).all()
    )
    total = sum(counts.values())
    average = sum(score * count for score, count in counts.items()) / total if total else None
    recent = session.scalars(
        select(ServiceRating)
        .where(*scope)
        .order_by(ServiceRating.created_at.desc(), ServiceRating.id.desc())
        .limit(limit)
    )
    return {
        "count": total,
        "average": round(average, 2) if average is not None else None,
        "by_score": {str(score): counts.get(score, 0) for score in range(1, 6)},
        "recent": [
            {
                "subject_kind": r.subject_kind,
                "subject_id": r.subject_id,
                "region_code": r.region_code,
                "score": r.score,
                "comment": r.comment,
                "created_at": r.created_at,
            }
            for r in recent
        ],
    }
