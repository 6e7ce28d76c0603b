"""Filing an objection: each kind of bad input gets a clear Chinese answer and nothing is
written; images are checked for what they are and stored encrypted outside the database."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import time_machine
from flask import Flask
from sqlalchemy import func, select

from miniapp_api.db import unit_of_work
from miniapp_api.extensions import settings
from miniapp_api.objections.attachments import purge_unattached
from miniapp_api.objections.models import Objection, ObjectionAttachment, ObjectionDeadline, ObjectionEvent
from notifications.models import Message
from notifications.standins.wechat_server import WeChatStandIn
from tests import factories
from tests.auth_helpers import bearer
from tests.claims_helpers import claimant, submit
from tests.objections_helpers import image_bytes, objection, upload


def _nothing_written() -> None:
    with unit_of_work() as session:
        for table in (Objection, ObjectionDeadline, ObjectionEvent):
            assert session.scalar(select(func.count()).select_from(table)) == 0
        assert session.scalar(select(func.count()).select_from(Message).where(Message.kind.like("objection%"))) == 0


def _refused(response: Any, status: int, code: str) -> str:
    assert (response.status_code, response.get_json()["code"]) == (status, code), response.get_json()
    message: str = response.get_json()["message"]
    return message


def test_an_objection_to_a_field_of_the_form_is_received_with_its_due_date(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    filed = objection(client, tokens, field="contribution_months", claimed_value="应为72个月")
    assert filed.status_code == 201, filed.get_json()
    seen = filed.get_json()
    assert seen["category_label"] == "申领表信息有误" and seen["field_label"] == "累计缴费月数"
    assert seen["recorded_value"] == "60个月" and seen["claimed_value"] == "应为72个月"
    assert seen["clock"]["state"] == "running" and seen["clock"]["due_on"]
    mine = client.get("/api/v1/objections", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert [item["objection_no"] for item in mine.get_json()] == [seen["objection_no"]]


def test_an_objection_on_someone_elses_claim_is_not_found(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    with unit_of_work() as session:
        other = factories.decided_claim(session, factories.laid_off(session, name="赵敏"), "rejected").id
    message = _refused(objection(client, tokens, category="decision", claim_id=other), 404, "CLAIM_NOT_FOUND")
    assert "没有找到" in message
    _nothing_written()


def test_a_field_that_does_not_exist_or_cannot_be_disputed_is_refused(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    assert "可提出异议的项目" in _refused(objection(client, tokens, field="salary"), 422, "UNKNOWN_FIELD")
    computed = _refused(objection(client, tokens, field="entitlement_months"), 422, "FIELD_NOT_DISPUTABLE")
    assert "请对其所依据的记录提出异议" in computed
    editable = _refused(objection(client, tokens, field="phone"), 422, "FIELD_NOT_DISPUTABLE")
    assert "直接修改" in editable
    _refused(objection(client, tokens, field=None), 422, "FIELD_REQUIRED")
    _nothing_written()


def test_an_empty_description_is_refused(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    assert "具体内容" in _refused(objection(client, tokens, description="   "), 422, "DESCRIPTION_REQUIRED")
    _nothing_written()


def test_more_than_five_images_are_refused_and_the_uploads_stay_unattached(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    ids = [upload(client, tokens, image_bytes()).get_json()["id"] for _ in range(6)]
    assert "最多上传5张" in _refused(objection(client, tokens, attachment_ids=ids), 422, "TOO_MANY_IMAGES")
    _nothing_written()
    with unit_of_work() as session:
        assert session.scalars(select(ObjectionAttachment.objection_id)).all() == [None] * 6
    assert objection(client, tokens, attachment_ids=ids[:5]).status_code == 201


def test_someone_elses_upload_cannot_be_attached(client: Any, wechat_standin: WeChatStandIn) -> None:
    mine = claimant(client, wechat_standin, verified=False)
    theirs = claimant(client, wechat_standin, verified=False, name="赵敏")
    their_image = upload(client, theirs, image_bytes()).get_json()["id"]
    _refused(objection(client, mine, attachment_ids=[their_image]), 422, "UNKNOWN_ATTACHMENT")
    _nothing_written()


def test_only_real_jpeg_or_png_images_are_accepted(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    _refused(upload(client, tokens, b"%PDF-1.4 not an image", "scan.png"), 422, "IMAGE_TYPE")
    gif = _refused(upload(client, tokens, image_bytes("GIF"), "moving.gif"), 422, "IMAGE_TYPE")
    assert "GIF" in gif
    _refused(upload(client, tokens, b"", "empty.png"), 422, "IMAGE_EMPTY")
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(ObjectionAttachment)) == 0


def test_an_image_over_the_size_limit_is_refused(make_app: Any, wechat_standin: WeChatStandIn) -> None:
    app = make_app(OBJECTION_IMAGE_MAX_BYTES=2048)
    with app.app_context():
        client = app.test_client()
        tokens = claimant(client, wechat_standin, verified=False)
        over = _refused(upload(client, tokens, image_bytes() + b"\0" * 3000), 422, "IMAGE_TOO_LARGE")
        # Far past the limit, the body is refused before it is read.
        _refused(upload(client, tokens, image_bytes() + b"\0" * 100_000), 413, "PAYLOAD_TOO_LARGE")
        with unit_of_work() as session:
            assert session.scalar(select(func.count()).select_from(ObjectionAttachment)) == 0
    assert "不能超过2 KB" in over


def test_an_image_is_kept_encrypted_on_disk_with_its_hash(
    client: Any, wechat_standin: WeChatStandIn, app: Flask
) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    content = image_bytes("JPEG")
    stored = upload(client, tokens, content).get_json()
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    with unit_of_work() as session:
        key = session.scalars(select(ObjectionAttachment.storage_key)).one()
    files = list(Path(settings().OBJECTION_FILES_DIR).rglob(key))
    assert len(files) == 1
    on_disk = files[0].read_bytes()
    assert content not in on_disk and on_disk[:3] != content[:3]


def test_uploads_never_attached_are_deleted_after_a_day(client: Any, wechat_standin: WeChatStandIn, app: Flask) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    upload(client, tokens, image_bytes())
    with unit_of_work() as session:
        key = session.scalars(select(ObjectionAttachment.storage_key)).one()
    directory = Path(settings().OBJECTION_FILES_DIR)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)), unit_of_work():
        assert purge_unattached() == 1
    assert list(directory.rglob(key)) == []


def test_a_second_open_objection_on_the_same_field_is_refused(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, verified=False)
    first = objection(client, tokens).get_json()
    again = objection(client, tokens, description="再次提出")
    message = _refused(again, 409, "OBJECTION_ALREADY_OPEN")
    assert first["objection_no"] in message
    assert again.get_json()["details"]["objection_id"] == first["id"]
    assert objection(client, tokens, field="separation_date").status_code == 201
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Objection)) == 2


def test_a_decision_can_be_disputed_only_once_made(client: Any, wechat_standin: WeChatStandIn) -> None:
    tokens = claimant(client, wechat_standin, reason="resigned")
    rejected = submit(client, tokens).get_json()
    assert rejected["status"] == "rejected"
    filed = objection(client, tokens, category="decision", claim_id=rejected["id"])
    assert filed.status_code == 201, filed.get_json()
    _refused(objection(client, tokens, category="suspension", claim_id=rejected["id"]), 409, "CLAIM_NOT_SUSPENDED")
    _refused(objection(client, tokens, category="decision"), 422, "CLAIM_REQUIRED")


def test_after_a_decision_an_objection_records_the_value_the_form_showed(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    """A claimant whose approved claim drew on 60 months objected to that, and the objection
    recorded "0个月" (the months left for a next claim), not what the form showed."""
    tokens = claimant(client, wechat_standin, months=60)
    assert submit(client, tokens).get_json()["status"] == "approved"
    shown = client.get("/api/v1/claims/prefill", headers=bearer(tokens)).get_json()["fields"]["contribution_months"]
    filed = objection(client, tokens, field="contribution_months", description="少算了单位补缴的月份").get_json()
    assert filed["recorded_value"] == shown["text"] == "60个月"
