"""Once a year is approved, every clock waiting on it is dated in one pass (idempotent: what is
dated no longer waits), and the sweeps then send what the real dates call for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from miniapp_api.clock import china_today
from miniapp_api.db import unit_of_work
from miniapp_api.employers import undated
from miniapp_api.employers.sweeps import sweep as sweep_duties
from miniapp_api.extensions import settings
from miniapp_api.holidays import alerts
from miniapp_api.objections import clock
from miniapp_api.objections.sweeps import sweep as sweep_objections


@dataclass
class DatingResult:
    objections: int = 0
    employer_duties: int = 0


def date_waiting(today: dt.date | None = None) -> DatingResult:
    today = today or china_today()
    result = DatingResult()
    with unit_of_work() as session:
        result.objections = clock.date_waiting(session)
        result.employer_duties = undated.date_waiting(session, today)
    sweep_objections(today)
    sweep_duties(today)
    horizon_check(today)  # closes the horizon alert when the new year moved it far enough
    return result


def horizon_check(today: dt.date | None = None) -> alerts.HorizonResult:
    with unit_of_work() as session:
        return alerts.check_horizon(session, today or china_today(), settings().CALENDAR_HORIZON_ALERT_DAYS)
