"""The figures supervisors look at: objection replies on time by month, and payment runs."""

from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import select

from auth.caller import Caller
from miniapp_api.console.charts import bars
from miniapp_api.console.routes import _me, blp, page
from miniapp_api.db import current_session
from miniapp_api.objections import reports
from miniapp_api.payments.models import PaymentRun


@blp.get("/dashboard")
@page("supervisor", "admin", "auditor", "finance")
def dashboard(caller: Caller) -> Any:
    session = current_session()
    report = reports.report(session, caller, None, None)
    months: dict[str, list[int]] = {}
    for row in report["on_time_by_month"]:
        answered_on_time = months.setdefault(row["month"], [0, 0])
        answered_on_time[0] += row["answered"]
        answered_on_time[1] += row["on_time"]
    labels = sorted(months)
    rates = [round(100 * months[m][1] / months[m][0], 1) if months[m][0] else 0.0 for m in labels]
    runs_query = select(PaymentRun).order_by(PaymentRun.period.desc(), PaymentRun.id.desc()).limit(12)
    if caller.staff_region:
        runs_query = runs_query.where(PaymentRun.region_code == caller.staff_region)
    runs = list(reversed(session.scalars(runs_query).all()))
    run_labels = [f"{run.region_code} {run.period:%Y-%m}" for run in runs]
    return render_template(
        "console/dashboard.html",
        me=_me(caller),
        report=report,
        months=[(m, months[m][0], months[m][1], rate) for m, rate in zip(labels, rates, strict=True)],
        on_time_chart=bars("异议按时答复率（按月）", labels, rates, unit="%", top=100),
        runs=runs,
        runs_chart=bars("发放批次金额（元）", run_labels, [float(run.total_amount) for run in runs]),
    )
