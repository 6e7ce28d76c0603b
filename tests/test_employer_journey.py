"""An employer's duties end to end, with time frozen across working days: the employer uploads a
filing form; the reminder goes out (one message for the batch) and every worker hears of the
right to claim; the employer confirms two of four notices; the sweep reminds again for the
rest after 3 working days and, 3 working days later still, escalates them to the agency, whose
call is recorded. Runs on PostgreSQL in CI (and on the embedded defaults)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from sqlalchemy import select

from miniapp_api.db import unit_of_work
from miniapp_api.employers import sweeps
from miniapp_api.records.models import StopContributionEvent
from notifications.models import Message
from notifications.standins.sms_server import SmsStandIn
from tests.auth_helpers import bearer, employer_login
from tests.employers_helpers import CONTACT_PHONE, employer_with_workers, form_rows, upload_form, xlsx
from tests.objections_helpers import relogin, staff


def _at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00")


def _messages() -> list[tuple[str, str]]:
    with unit_of_work() as session:
        rows = session.execute(select(Message.kind, Message.recipient_kind).order_by(Message.created_at)).all()
        return [(kind, recipient) for kind, recipient in rows if kind != "login_code"]


def test_an_uploaded_batch_is_reminded_acknowledged_in_part_and_the_rest_escalated(
    client: Any, sms_standin: SmsStandIn
) -> None:
    firm = employer_with_workers(4)
    with time_machine.travel(_at("2026-11-16"), tick=True):  # a Monday
        tokens = employer_login(client, sms_standin, firm["credit_code"], CONTACT_PHONE)
        uploaded = upload_form(client, tokens, xlsx(form_rows(firm["workers"])))
        assert uploaded.status_code == 201, uploaded.get_json()
        assert (uploaded.get_json()["rows_imported"], uploaded.get_json()["rows_refused"]) == (4, 0)
        # The filings are the stop-contribution records now.
        with unit_of_work() as session:
            sources = session.scalars(select(StopContributionEvent.source)).all()
            assert sources == ["employer_filing"] * 4
        # One reminder for the batch to the employer's contact; an SMS to each worker.
        assert sorted(_messages()) == sorted(
            [("employer_notice_reminder", "employer_contact")] + [("worker_claim_right", "person")] * 4
        )
        (reminder,) = [r for r in sms_standin.accepted if CONTACT_PHONE in r["phone"] and "张三等4人" in r["params"]]
        assert "2026-11-19" in reminder["params"]
        pending = client.get("/api/v1/employer/duties", headers=bearer(tokens)).get_json()
        assert [duty["due_on"] for duty in pending] == ["2026-11-19"] * 4  # 3 working days: 17, 18, 19
        notice = client.get(pending[0]["notice_url"], headers=bearer(tokens))
        assert notice.status_code == 200 and notice.data.startswith(b"%PDF")
    with time_machine.travel(_at("2026-11-18"), tick=True):
        tokens = employer_login(client, sms_standin, firm["credit_code"], CONTACT_PHONE)
        for duty in pending[:2]:
            done = client.post(f"/api/v1/employer/duties/{duty['id']}/acknowledge", headers=bearer(tokens))
            assert done.status_code == 200, done.get_json()
            assert done.get_json()["late"] is False
        again = client.post(f"/api/v1/employer/duties/{pending[0]['id']}/acknowledge", headers=bearer(tokens))
        assert (again.status_code, again.get_json()["code"]) == (409, "ALREADY_ACKNOWLEDGED")
    with time_machine.travel(_at("2026-11-19", 23), tick=True):
        assert sweeps.sweep() == sweeps.SweepResult()  # the due day itself is still in time
    with time_machine.travel(_at("2026-11-20", 9), tick=True):
        assert sweeps.sweep().re_reminded == 2
        assert sweeps.sweep().re_reminded == 0
    assert _messages()[-1] == ("employer_notice_escalation", "employer_contact")  # one, for both
    with time_machine.travel(_at("2026-11-25", 9), tick=True):
        boss = staff(client, "boss", "supervisor", phone="13700000009")
        assert sweeps.sweep().escalated == 0  # 11-23, 11-24, 11-25: still within the second period
    with time_machine.travel(_at("2026-11-26", 9), tick=True):
        assert sweeps.sweep().escalated == 2
        # One message to the supervisor for the employer's two, not one per worker.
        assert [kind for kind, who in _messages() if who == "staff"] == ["staff_employer_escalated"]
        boss = relogin(client, "boss")
        listed = client.get("/api/v1/staff/employer-duties/escalated", headers=bearer(boss)).get_json()
        assert len(listed) == 2
        report = client.get("/api/v1/staff/employer-compliance", headers=bearer(boss)).get_json()
        assert report == [
            {
                "region_code": "130200",
                "credit_code": firm["credit_code"],
                "employer": "唐山示范机械制造有限公司",
                "separations": 4,
                "acknowledged": 2,
                "acknowledged_late": 0,
                "pending": 2,
                "overdue": 2,
                "escalated": 2,
                "filings_late": 0,
            }
        ]
        exported = client.get("/api/v1/staff/employer-compliance.csv", headers=bearer(boss))
        assert exported.mimetype == "text/csv"
        assert exported.data.decode("utf-8-sig").splitlines()[0].startswith("统筹地区,统一社会信用代码,单位名称")
        called = client.post(
            f"/api/v1/staff/employer-duties/{listed[0]['id']}/calls",
            json={"outcome": "handed_over", "note": "人事部王经理称已当面送达"},
            headers=bearer(boss),
        )
        assert called.status_code == 201, called.get_json()
        assert called.get_json()["done"] is True
        after = client.get("/api/v1/staff/employer-compliance", headers=bearer(boss)).get_json()[0]
        assert (after["acknowledged"], after["acknowledged_late"], after["overdue"]) == (3, 1, 1)
