"""Every kind of caller the API knows, each logged in, with records of their own and someone else's."""

from __future__ import annotations

from typing import Any

from miniapp_api.db import unit_of_work
from notifications.service import Recipient, send
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bound_claimant, employer_login, staff_login, wechat_login
from tests.notify_helpers import APPROVED

STAFF_ROLES = ("handler", "reviewer", "supervisor", "finance", "auditor", "admin")
# Staff of another region than the records' (130200): every staff route is tried by them too.
ELSEWHERE_REGION = "152200"
ELSEWHERE = tuple(f"{role}@elsewhere" for role in STAFF_ROLES)
CALLERS = (
    "anonymous",
    "claimant_unbound",
    "claimant",
    "employer",
    "handler",
    "reviewer",
    "supervisor",
    "finance",
    "auditor",
    "admin",
    *ELSEWHERE,
)


def caller_world(client: Any, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn) -> dict[str, Any]:
    """Two claimants, two employers, staff of each role, and a message to each of them; the
    tokens of every kind of caller (CALLERS) but the anonymous one."""
    with unit_of_work() as session:
        mine = factories.person(session, name="王建国", phone="13900000001")
        theirs = factories.person(session, name="赵敏", phone="13900000002")
        my_employer, their_employer = factories.employer(session), factories.employer(session)
        my_contact = factories.contact(session, my_employer, phone="13800000001")
        their_contact = factories.contact(session, their_employer, phone="13800000002")
        people = {
            key: (row.id, row.id_number, row.name, row.phone) for key, row in (("mine", mine), ("theirs", theirs))
        }
        contacts = {"mine": (my_contact.id, my_contact.phone), "theirs": (their_contact.id, their_contact.phone)}
        credit_code = my_employer.credit_code
        decided = {"own_claim": factories.decided_claim(session, mine),
                   "other_claim": factories.decided_claim(session, theirs)}  # fmt: skip
        claims = {key: claim.id for key, claim in decided.items()}
        claims["own_objection"] = factories.open_objection(session, mine).id
        claims["other_objection"] = factories.open_objection(session, theirs).id
        claim_numbers = {key: claim.claim_no for key, claim in decided.items()}
    messages = {}
    with unit_of_work():
        for key, (person_id, _number, _name, phone) in people.items():
            messages[("claimant", key)] = send(
                "claim_approved", Recipient("person", person_id, phone=phone), APPROVED
            ).id
        for key, (contact_id, phone) in contacts.items():
            personalisation = {
                "employer_name": "某单位", "worker_name": "某人", "checked_on": "2026-11-20", "notice_url": "https://x"
            }  # fmt: skip
            messages[("employer", key)] = send(
                "employer_notice_escalation", Recipient("employer_contact", contact_id, phone=phone), personalisation
            ).id
    tokens = {
        "claimant_unbound": wechat_login(client, wechat_standin),
        "claimant": bound_claimant(client, wechat_standin, people["mine"][1], people["mine"][2]),
        "employer": employer_login(client, sms_standin, credit_code, contacts["mine"][1]),
    }
    with unit_of_work() as session:
        factories.region(session, ELSEWHERE_REGION, name="兴安盟")
    for role in STAFF_ROLES:
        tokens[role] = staff_login(client, f"{role}.one", role)
        tokens[f"{role}@elsewhere"] = staff_login(client, f"{role}.elsewhere", role, region=ELSEWHERE_REGION)
    return {"client": client, "tokens": tokens, "messages": messages, "claims": claims, "claim_numbers": claim_numbers}
