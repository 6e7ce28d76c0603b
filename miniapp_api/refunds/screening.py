"""The screening: every insured enterprise of a region, for a policy year, in one statement.

Each enterprise's conditions are computed with their values (months paid in full, arrears, the
layoff rate and its inputs, the credit lists it is on, its size class) and the refund amount, and
written to `refund_assessments` with the screening that found them. An enterprise that has applied
already keeps what it applied on: a later screening updates only results nobody has acted on.
The same rule for one enterprise, as a person reads it, is rules/refund.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, bindparam, case, func, select, text
from sqlalchemy.orm import Session

from miniapp_api.alerts.service import resolve
from miniapp_api.db import UtcDateTime, utcnow
from miniapp_api.records.service import rules_parameters
from miniapp_api.refunds.models import Assessment, Screening
from miniapp_api.rules.errors import ParameterMissing
from miniapp_api.rules.refund import RefundPolicy, policy_on

# Claims under which benefit was drawn: their claimants count as "newly drawing benefit".
_DRAWN = ("approved", "suspended", "settled", "stopped", "completed")

_NEW_BENEFIT_RECIPIENTS = """
    SELECT c.employer_id, COUNT(DISTINCT c.person_id) AS layoffs
    FROM claims c
    WHERE c.employer_id IS NOT NULL AND c.status IN :drawn
      AND c.application_date >= :last_year AND c.application_date < :year_start
    GROUP BY c.employer_id"""
_SEPARATIONS = """
    SELECT s.employer_id, COUNT(DISTINCT s.person_id) AS layoffs
    FROM stop_contribution_events s
    WHERE s.reason_code IN :reasons AND s.stop_date >= :last_year AND s.stop_date < :year_start
    GROUP BY s.employer_id"""

# The ledger up to the screening day; last year's months give what was paid and the headcount.
# Enterprises insured last year (a ledger month in it) are screened.
_SCREEN = """
WITH ledger AS (
    SELECT l.employer_id,
        SUM(CASE WHEN l.month < :year_start AND l.amount_due > 0 AND l.amount_paid >= l.amount_due
            THEN 1 ELSE 0 END) AS months_paid_in_full,
        SUM(CASE WHEN l.arrears > 0 THEN 1 ELSE 0 END) AS arrears_months,
        SUM(l.arrears) AS arrears_amount,
        SUM(CASE WHEN l.month >= :last_year AND l.month < :year_start THEN l.amount_paid ELSE 0 END)
            AS paid_last_year,
        AVG(CASE WHEN l.month >= :last_year AND l.month < :year_start THEN l.insured_headcount END)
            AS average_headcount
    FROM employer_ledger l JOIN employers e ON e.id = l.employer_id
    WHERE e.region_code = :region AND l.month <= :as_of
    GROUP BY l.employer_id
    HAVING SUM(CASE WHEN l.month >= :last_year AND l.month < :year_start THEN 1 ELSE 0 END) > 0
), laid_off AS ({layoffs}
), listed AS (
    SELECT e.id AS employer_id,
        MAX(CASE WHEN c.list_kind = 'serious_dishonesty' THEN 1 ELSE 0 END) AS dishonest,
        MAX(CASE WHEN c.list_kind = 'abnormal_operations' THEN 1 ELSE 0 END) AS abnormal,
        MAX(CASE WHEN c.list_kind = 'deregistered' THEN 1 ELSE 0 END) AS deregistered,
        MAX(CASE WHEN c.list_kind = 'revoked' THEN 1 ELSE 0 END) AS revoked
    FROM credit_listings c JOIN employers e ON e.credit_code = c.credit_code
    WHERE e.region_code = :region AND c.listed_on <= :as_of AND (c.removed_on IS NULL OR c.removed_on > :as_of)
    GROUP BY e.id
), facts AS (
    SELECT l.*, COALESCE(d.layoffs, 0) AS layoffs,
        COALESCE(s.dishonest, 0) AS dishonest, COALESCE(s.abnormal, 0) AS abnormal,
        COALESCE(s.deregistered, 0) AS deregistered, COALESCE(s.revoked, 0) AS revoked,
        p.size_class, COALESCE(p.public_body, false) AS public_body,
        CASE WHEN a.employer_id IS NULL THEN 0 ELSE 1 END AS has_account,
        CASE WHEN l.average_headcount <= :small_headcount THEN CAST(:small_limit AS NUMERIC)
            ELSE CAST(:limit AS NUMERIC) END AS layoff_rate_limit,
        CASE WHEN l.average_headcount > 0
            THEN ROUND(COALESCE(d.layoffs, 0) * 100.0 / l.average_headcount, 2) END AS layoff_rate,
        CASE p.size_class WHEN 'large' THEN CAST(:large_share AS NUMERIC)
            WHEN 'small_micro' THEN CAST(:small_share AS NUMERIC) END AS share
    FROM ledger l
    LEFT JOIN laid_off d ON d.employer_id = l.employer_id
    LEFT JOIN listed s ON s.employer_id = l.employer_id
    LEFT JOIN employer_profiles p ON p.employer_id = l.employer_id
    LEFT JOIN corporate_accounts a ON a.employer_id = l.employer_id
), judged AS (
    SELECT f.*, RTRIM(
        CASE WHEN :reserve_met THEN '' ELSE 'FUND_RESERVE,' END
        || CASE WHEN f.public_body THEN 'PUBLIC_BODY,' ELSE '' END
        || CASE WHEN f.months_paid_in_full < :months_paid THEN 'MONTHS_PAID,' ELSE '' END
        || CASE WHEN f.arrears_amount > 0 THEN 'ARREARS,' ELSE '' END
        || CASE WHEN f.layoffs > 0 AND (f.layoff_rate IS NULL OR f.layoff_rate > f.layoff_rate_limit)
            THEN 'LAYOFF_RATE,' ELSE '' END
        || CASE WHEN f.dishonest = 1 THEN 'SERIOUS_DISHONESTY,' ELSE '' END
        || CASE WHEN f.abnormal = 1 THEN 'ABNORMAL_OPERATIONS,' ELSE '' END
        || CASE WHEN f.deregistered = 1 THEN 'DEREGISTERED,' ELSE '' END
        || CASE WHEN f.revoked = 1 THEN 'REVOKED,' ELSE '' END, ',') AS refusals
    FROM facts f
)
INSERT INTO refund_assessments (
    employer_id, region_code, policy_year, screening_id, status, eligible, refusals, blockers, size_class,
    months_paid_in_full, arrears_months, arrears_amount, paid_last_year, average_headcount, layoffs,
    layoff_rate, layoff_rate_limit, credit_listings, share_percent, amount, screened_at, applied_at)
SELECT j.employer_id, :region, :policy_year, :screening_id,
    CASE WHEN j.refusals <> '' THEN 'ineligible'
        WHEN :without_application AND j.share IS NOT NULL AND j.has_account = 1 THEN 'applied'
        ELSE 'eligible' END,
    j.refusals = '',
    j.refusals,
    CASE WHEN j.refusals = '' THEN RTRIM(
        CASE WHEN j.share IS NULL THEN 'SIZE_MISSING,' ELSE '' END
        || CASE WHEN j.has_account = 0 THEN 'ACCOUNT_MISSING,' ELSE '' END, ',') ELSE '' END,
    j.size_class, j.months_paid_in_full, j.arrears_months, j.arrears_amount, j.paid_last_year,
    ROUND(j.average_headcount, 2), j.layoffs, j.layoff_rate, j.layoff_rate_limit,
    RTRIM(CASE WHEN j.dishonest = 1 THEN 'serious_dishonesty,' ELSE '' END
        || CASE WHEN j.abnormal = 1 THEN 'abnormal_operations,' ELSE '' END
        || CASE WHEN j.deregistered = 1 THEN 'deregistered,' ELSE '' END
        || CASE WHEN j.revoked = 1 THEN 'revoked,' ELSE '' END, ','),
    CASE WHEN j.refusals = '' THEN j.share END,
    -- In fen times hundredths of a percent, whole numbers on both databases, rounded half up to
    -- the fen as the rule does (SQLite would otherwise divide whole yuan by 100 and drop the jiao).
    CASE WHEN j.refusals = '' AND j.share IS NOT NULL THEN ROUND(
        (CAST(ROUND(j.paid_last_year * 100) AS BIGINT) * CAST(ROUND(j.share * 100) AS BIGINT) + 5000)
        / 10000 / 100.0, 2) END,
    :now,
    CASE WHEN j.refusals = '' AND :without_application AND j.share IS NOT NULL AND j.has_account = 1 THEN :now END
FROM judged j WHERE true
ON CONFLICT (employer_id, policy_year) DO UPDATE SET
    screening_id = excluded.screening_id, status = excluded.status, eligible = excluded.eligible,
    refusals = excluded.refusals, blockers = excluded.blockers, size_class = excluded.size_class,
    months_paid_in_full = excluded.months_paid_in_full, arrears_months = excluded.arrears_months,
    arrears_amount = excluded.arrears_amount, paid_last_year = excluded.paid_last_year,
    average_headcount = excluded.average_headcount, layoffs = excluded.layoffs,
    layoff_rate = excluded.layoff_rate, layoff_rate_limit = excluded.layoff_rate_limit,
    credit_listings = excluded.credit_listings, share_percent = excluded.share_percent,
    amount = excluded.amount, screened_at = excluded.screened_at, applied_at = excluded.applied_at,
    -- one not yet told (new, or reopened by an upheld objection) is told at the next sweep
    next_step_on = CASE WHEN refund_assessments.told_at IS NULL THEN NULL ELSE refund_assessments.next_step_on END
WHERE refund_assessments.status IN ('eligible', 'ineligible')
"""


def screening_day(policy_year: int, today: dt.date) -> dt.date:
    """The day a screening reads the parameters and lists on: today within the policy year, else
    the year's last day (a past year screened again) or first (a year not begun)."""
    return min(max(today, dt.date(policy_year, 1, 1)), dt.date(policy_year, 12, 31))


def region_policy(session: Session, region_code: str, as_of: dt.date) -> RefundPolicy:
    parameters = rules_parameters(session, region_code)
    if parameters is None:
        raise ParameterMissing(f"统筹地区{region_code}不存在")
    return policy_on(parameters, as_of)


def screen(session: Session, region_code: str, policy_year: int, *, today: dt.date, started_by: str) -> Screening:
    """Screen the region's insured enterprises for `policy_year`; ParameterMissing when the region
    lacks a refund parameter (nothing is written then)."""
    as_of = screening_day(policy_year, today)
    policy = region_policy(session, region_code, as_of)
    screening = Screening(
        region_code=region_code,
        policy_year=policy_year,
        as_of=as_of,
        parameters=_used(policy),
        started_by=started_by,
    )
    session.add(screening)
    session.flush()
    session.execute(_statement(policy), _values(policy, region_code, policy_year, as_of, screening.id))
    enterprises, eligible, total = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Assessment.eligible, 1), else_=0)), 0),
            func.coalesce(func.sum(Assessment.amount), Decimal("0.00")),
        ).where(Assessment.screening_id == screening.id)
    ).one()
    screening.enterprises, screening.eligible, screening.total_amount = int(enterprises), int(eligible), total
    screening.finished_at = utcnow()
    # Upheld objections waited for this: compared again on the records as they now stand.
    resolve(
        session,
        "refund_rescreen_due",
        f"已于第{screening.id}次比对重新比对",
        key_prefix=f"refund-rescreen:{region_code}:{policy_year}:",
    )
    return screening


def _statement(policy: RefundPolicy) -> Any:
    by_recipients = policy.layoffs_counted_as == "new_benefit_recipients"
    statement = text(_SCREEN.replace("{layoffs}", _NEW_BENEFIT_RECIPIENTS if by_recipients else _SEPARATIONS))
    typed = [bindparam(name, type_=Date()) for name in ("year_start", "last_year", "as_of")]
    typed.append(bindparam("now", type_=UtcDateTime()))
    typed.append(bindparam("drawn" if by_recipients else "reasons", expanding=True))
    return statement.bindparams(*typed)


def _values(policy: RefundPolicy, region: str, year: int, as_of: dt.date, screening_id: int) -> dict[str, Any]:
    values: dict[str, Any] = {
        "region": region,
        "policy_year": year,
        "screening_id": screening_id,
        "year_start": dt.date(year, 1, 1),
        "last_year": dt.date(year - 1, 1, 1),
        "as_of": as_of,
        "small_headcount": policy.small_employer_headcount,
        # Decimals as text, cast in SQL: exact on PostgreSQL, and SQLite takes no Decimal.
        "small_limit": str(policy.small_employer_layoff_rate_percent),
        "limit": str(policy.layoff_rate_percent),
        "large_share": str(policy.large_percent),
        "small_share": str(policy.small_micro_percent),
        "reserve_met": policy.fund_reserve_met,
        "months_paid": policy.months_paid_in_full,
        "without_application": policy.without_application,
        "now": utcnow(),
    }
    if policy.layoffs_counted_as == "new_benefit_recipients":
        values["drawn"] = list(_DRAWN)
    else:
        values["reasons"] = list(policy.layoff_reasons)
    return values


def _used(policy: RefundPolicy) -> dict[str, Any]:
    return {
        "share": {"large_percent": str(policy.large_percent), "small_micro_percent": str(policy.small_micro_percent)},
        "months_paid_in_full": policy.months_paid_in_full,
        "layoffs_counted_as": policy.layoffs_counted_as,
        "layoff_reasons": list(policy.layoff_reasons),
        "layoff_rate_percent": str(policy.layoff_rate_percent),
        "small_employer_headcount": policy.small_employer_headcount,
        "small_employer_layoff_rate_percent": str(policy.small_employer_layoff_rate_percent),
        "fund_reserve_met": policy.fund_reserve_met,
        "notice_working_days": policy.notice_working_days,
        "confirmation_days": policy.confirmation_days,
        "reminders": policy.reminders,
        "without_application": policy.without_application,
        "citations": policy.citations,
    }
