"""One use case: estimate a claimant's benefit from the facts they give."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from miniapp_api.benefits.schemas import EstimateIn
from miniapp_api.errors import ValidationFailed, field_label
from miniapp_api.records.service import rules_parameters
from miniapp_api.rules.errors import RulesError
from miniapp_api.rules.estimate import Estimate, estimate
from miniapp_api.rules.facts import ClaimFacts


def estimate_benefit(session: Session, request: dict[str, Any]) -> Estimate:
    parameters = rules_parameters(session, request["region"])
    if parameters is None:
        raise _field_error("region", "没有这个统筹地区", "UNKNOWN_REGION")
    facts = ClaimFacts(**{key: value for key, value in request.items() if key != "region"})
    try:
        return estimate(facts, parameters)
    except RulesError as error:
        if error.field:
            raise _field_error(error.field, error.message, error.code) from None
        raise ValidationFailed(error.message, code=error.code) from None


def _field_error(field: str, message: str, code: str) -> ValidationFailed:
    label = field_label(EstimateIn(), field)
    return ValidationFailed(f"{label}：{message}", code=code, details={"fields": {field: [message]}})
