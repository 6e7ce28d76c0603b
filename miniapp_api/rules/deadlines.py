"""Deadlines set by a region's parameters, counted on the official calendar.

- The employer's filing of a termination: within 7 days (失业保险条例第十六条; some regions say
  7 working days) or 15 days (社会保险法第五十条), per region (`termination_filing_limit`).
- The agency's reply to an objection: a number of working days, per region and per category
  (`objection_reply_limit`; no national number). While the agency waits for the claimant to
  supply something, the clock stands still; it runs on from the answer with the working days
  that were left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from miniapp_api.rules.calendar import OfficialCalendar
from miniapp_api.rules.parameters import ParameterVersion, RegionParameters
from miniapp_api.rules.working_days import (
    CIVIL_CODE_COUNTING,
    add_working_days,
    deadline_after_days,
    working_days_between,
)

# What a claimant's objection is against: a field of the e-form (the records), a decision, a
# suspension; and an enterprise's, its job-retention refund (稳岗返还).
CLAIMANT_CATEGORIES = ("record", "decision", "suspension")
OBJECTION_CATEGORIES = (*CLAIMANT_CATEGORIES, "refund")


@dataclass(frozen=True, slots=True)
class Deadline:
    due: dt.date
    rule: str  # "7个工作日" / "15日"
    basis: str
    parameter: ParameterVersion


def filing_deadline(separation_date: dt.date, parameters: RegionParameters, calendar: OfficialCalendar) -> Deadline:
    """The last day the employer may file the termination of `separation_date`."""
    limit = parameters.in_force("termination_filing_limit", separation_date)
    days = int(limit.value["days"])
    basis = f"{limit.citation}；{CIVIL_CODE_COUNTING}"
    if limit.value["working_days"]:
        return Deadline(add_working_days(calendar, separation_date, days), f"{days}个工作日", basis, limit)
    return Deadline(deadline_after_days(calendar, separation_date, days), f"{days}日", basis, limit)


def objection_reply_due(
    filed_on: dt.date, parameters: RegionParameters, calendar: OfficialCalendar, category: str = "record"
) -> Deadline:
    """The last day the agency may answer an objection of `category` filed on `filed_on`."""
    if category not in OBJECTION_CATEGORIES:
        raise ValueError(f"unknown objection category {category!r}")
    limit = parameters.in_force("objection_reply_limit", filed_on)
    days = int(limit.value.get("by_category", {}).get(category, limit.value["working_days"]))
    due = add_working_days(calendar, filed_on, days)
    return Deadline(due, f"{days}个工作日", f"{limit.citation}；{CIVIL_CODE_COUNTING}", limit)


def working_days_left(calendar: OfficialCalendar, paused_on: dt.date, due: dt.date) -> int:
    """Working days still to run when the clock stops on `paused_on`: at least one, so an
    answer that comes back on the last day still leaves the agency a day to reply."""
    return max(working_days_between(calendar, paused_on, due), 1)


def resumed_due(calendar: OfficialCalendar, resumed_on: dt.date, days_left: int) -> dt.date:
    """The new last day when the clock runs on from `resumed_on` with `days_left` working days."""
    return add_working_days(calendar, resumed_on, days_left)
