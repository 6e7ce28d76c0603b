"""An identity taken first is recovered by the face it belongs to; wrong names lock the identity,
not only the accounts guessing; and no answer says whether an identity is bound. Each attack
here was observed working before (the real person got 409 and then 403 for good; 15 wrong names
from three accounts locked nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from auth.models import WeChatAccount
from liveness.actions import Action
from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from miniapp_api.faces import service as face_service
from miniapp_api.safety.models import CheckItem
from notifications.models import Message
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer, bind, wechat_login
from tests.liveness_helpers import miranda_with_photo, respond, write_clip

OTHER_BANK = {"source": "other", "bank_name": "中国建设银行", "account_number": "6217000010001234569"}


@pytest.fixture(scope="module")
def turns(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_clip(tmp_path_factory.mktemp("clips") / "turns.mp4", 83, 162)


@pytest.fixture(scope="module")
def still(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_clip(tmp_path_factory.mktemp("clips") / "still.mp4", 1, 40)


@pytest.fixture
def miranda() -> dict[str, Any]:
    return miranda_with_photo()


@pytest.fixture(autouse=True)
def right_then_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(face_service, "pick_actions", lambda: [Action.TURN_RIGHT, Action.TURN_LEFT])


def _prove_by_face(client: Any, tokens: dict[str, Any], who: dict[str, Any], clip: bytes) -> Any:
    issued = client.post(
        "/api/v1/liveness/identity-challenges",
        json={"id_number": who["id_number"], "name": who["name"], "consent": True},
        headers=bearer(tokens),
    )
    assert issued.status_code == 201, issued.get_json()
    return respond(client, tokens, issued.get_json()["challenge_id"], clip)


def test_an_identity_taken_first_is_recovered_by_its_face(
    client: Any, wechat_standin: WeChatStandIn, miranda: dict[str, Any], turns: bytes
) -> None:
    squatter = wechat_login(client, wechat_standin)
    assert bind(client, squatter, miranda["id_number"], miranda["name"]).status_code == 200
    with unit_of_work() as session:
        squatting_account = session.scalar(select(WeChatAccount.id).where(WeChatAccount.person_id == miranda["id"]))
    # Taken on his word alone, the binding sends benefit nowhere but the card.
    redirected = client.put("/api/v1/claims/draft", json={"bank_account": OTHER_BANK}, headers=bearer(squatter))
    assert (redirected.status_code, redirected.get_json()["code"]) == (403, "BINDING_NOT_FACE_VERIFIED")
    assert (
        client.put("/api/v1/claims/draft", json={"phone": "13712345678"}, headers=bearer(squatter)).status_code == 200
    )

    real = wechat_login(client, wechat_standin)
    refused = bind(client, real, miranda["id_number"], miranda["name"])
    wrong = bind(client, wechat_login(client, wechat_standin), miranda["id_number"], "米兰")
    # The right name for a taken identity and a wrong name get the same answer.
    assert refused.status_code == wrong.status_code == 422
    assert refused.get_json()["code"] == wrong.get_json()["code"] == "IDENTITY_UNCONFIRMED"
    assert refused.get_json()["message"] == wrong.get_json()["message"]
    assert "人脸核验" in refused.get_json()["message"]

    answer = _prove_by_face(client, real, miranda, turns)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["passed"] is True
    me = client.get("/api/v1/auth/me", headers=bearer(real)).get_json()
    assert (me["level"], me["person"]["name"]) == ("face_verified", "米*达")
    # The squatter is out, told, and what he prepared is gone.
    assert client.get("/api/v1/auth/me", headers=bearer(squatter)).status_code == 401
    assert client.get("/api/v1/claims/draft", headers=bearer(real)).status_code == 404
    with unit_of_work() as session:
        told = session.scalars(select(Message).where(Message.kind == "identity_binding_removed")).one()
        assert (told.recipient_kind, told.recipient_id) == ("wechat_account", squatting_account)
        assert session.get(WeChatAccount, squatting_account).person_id is None  # type: ignore[union-attr]
        item = session.scalars(select(CheckItem)).one()
        assert (item.kind, item.person_id) == ("identity_squatting", miranda["id"])
        assert item.evidence["squatting_account"] == squatting_account
        assert item.evidence["drafts_discarded"] == 1
        moved = session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.binding_recovered")).one()
        assert moved.detail["from_account"] == squatting_account
    # Proved by face, the binding may now name another account.
    chosen = client.put("/api/v1/claims/draft", json={"bank_account": OTHER_BANK}, headers=bearer(real))
    assert chosen.status_code == 200, chosen.get_json()


def test_wrong_names_from_many_accounts_and_addresses_lock_the_identity(
    client: Any, wechat_standin: WeChatStandIn, miranda: dict[str, Any], turns: bytes
) -> None:
    accounts = [wechat_login(client, wechat_standin) for _ in range(3)]
    for attempt in range(6):  # three accounts, three addresses, two wrong names each
        tokens = accounts[attempt // 2]
        address = {"REMOTE_ADDR": f"203.0.113.{attempt // 2 + 1}"}
        guessed = client.post(
            "/api/v1/auth/identity",
            json={"id_number": miranda["id_number"], "name": f"米兰{attempt}"},
            headers=bearer(tokens),
            environ_base=address,
        )
        assert guessed.get_json()["code"] == "IDENTITY_UNCONFIRMED"
    fourth = wechat_login(client, wechat_standin)
    right = bind(client, fourth, miranda["id_number"], miranda["name"])
    assert (right.status_code, right.get_json()["code"]) == (422, "IDENTITY_UNCONFIRMED")  # was 200
    # The real person still gets in, by face.
    answer = _prove_by_face(client, fourth, miranda, turns)
    assert answer.get_json()["passed"] is True
    me = client.get("/api/v1/auth/me", headers=bearer(fourth)).get_json()
    assert me["person"]["name"] == "米*达"


def test_a_strangers_failed_face_checks_on_an_identity_do_not_lock_its_owner(
    client: Any, wechat_standin: WeChatStandIn, miranda: dict[str, Any], still: bytes
) -> None:
    stranger = wechat_login(client, wechat_standin)
    ask = {"id_number": miranda["id_number"], "name": miranda["name"], "consent": True}
    for _ in range(5):  # a clip that never turns fails the actions asked
        issued = client.post("/api/v1/liveness/identity-challenges", json=ask, headers=bearer(stranger))
        assert respond(client, stranger, issued.get_json()["challenge_id"], still).get_json()["passed"] is False
    locked = client.post("/api/v1/liveness/identity-challenges", json=ask, headers=bearer(stranger))
    assert (locked.status_code, locked.get_json()["code"]) == (429, "LOCKED_OUT")
    owner = wechat_login(client, wechat_standin)
    assert bind(client, owner, miranda["id_number"], miranda["name"]).status_code == 200
    issued = client.post("/api/v1/liveness/challenges", json={"consent": True}, headers=bearer(owner))
    assert issued.status_code == 201, issued.get_json()


def test_a_binding_not_proved_by_face_cannot_redirect_money_through_an_objection(
    client: Any, wechat_standin: WeChatStandIn, miranda: dict[str, Any]
) -> None:
    squatter = wechat_login(client, wechat_standin)
    assert bind(client, squatter, miranda["id_number"], miranda["name"]).status_code == 200
    filed = client.post(
        "/api/v1/objections",
        json={
            "category": "record",
            "field": "ss_card_bank_account",
            "claimed_value": "6217000010001234569 中国建设银行",
            "description": "社保卡账户有误，应为建设银行卡",
        },
        headers=bearer(squatter),
    )
    assert (filed.status_code, filed.get_json()["code"]) == (403, "BINDING_NOT_FACE_VERIFIED")


def test_the_face_route_counts_wrong_names_against_the_account_too(
    client: Any, wechat_standin: WeChatStandIn, miranda: dict[str, Any]
) -> None:
    prober = wechat_login(client, wechat_standin)
    answers = [
        client.post(
            "/api/v1/liveness/identity-challenges",
            json={"id_number": miranda["id_number"], "name": f"米兰{n}", "consent": True},
            headers=bearer(prober),
        ).status_code
        for n in range(6)
    ]
    assert answers == [422] * 5 + [429]


def test_a_right_name_for_a_taken_identity_counts_as_a_wrong_one(
    client: Any, wechat_standin: WeChatStandIn, miranda: dict[str, Any]
) -> None:
    """Once the account's lockout came one request later for a right name: an oracle."""
    assert bind(client, wechat_login(client, wechat_standin), miranda["id_number"], miranda["name"]).status_code == 200

    def tries(name: str, address: str) -> list[int]:
        tokens = wechat_login(client, wechat_standin)
        body = {"id_number": miranda["id_number"], "name": name}
        return [
            client.post(
                "/api/v1/auth/identity", json=body, headers=bearer(tokens), environ_base={"REMOTE_ADDR": address}
            ).status_code
            for _ in range(6)
        ]

    assert tries(miranda["name"], "203.0.113.1") == tries("米兰", "203.0.113.2") == [422] * 5 + [429]
