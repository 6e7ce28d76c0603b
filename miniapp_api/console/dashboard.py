"""The figures supervisors look at: objection replies on time (by month and category), employers'
notice duties by region, claims decided per day and the share the rules decided alone, and the
payment runs. Each chart has its figures in a table beside it."""

from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import select

from auth.caller import Caller
from miniapp_api.claims import reports as claim_reports
from miniapp_api.console.charts import bars
from miniapp_api.console.routes import _me, blp, page
from miniapp_api.db import current_session
from miniapp_api.employers import compliance
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
    per_day = claim_reports.decided_per_day(session, caller)
    regions = compliance.by_region(session, caller)
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
        per_day=per_day,
        decided_chart=bars(
            "近30天每日审核决定件数", [f"{row['day']:%m-%d}" for row in per_day],
            [row["decided"] for row in per_day], label_every=5,
        ),
        automatic_chart=bars(
            "近30天系统自动决定的比例", [f"{row['day']:%m-%d}" for row in per_day],
            [row["automatic_percent"] for row in per_day], unit="%", top=100, label_every=5,
        ),
        regions=regions,
        compliance_chart=bars(
            "各地区单位逾期未确认送达告知书的件数", [row["region_code"] for row in regions],
            [row["overdue"] for row in regions],
        ),
    )  # fmt: skip
