"""The receipt reads as an official document: a document number, the law the decision rests on,
and a verification code with a QR code that opens a public page confirming the receipt's number,
date and decision, with no personal data. The employer's notice greets the worker properly."""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import cv2
import numpy as np
import pypdfium2
import time_machine
from pypdf import PdfReader

from miniapp_api.employers.notice import notice_pdf
from miniapp_api.records.models import Employer, Person, Region
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer
from tests.claims_helpers import claimant, submit
from tests.test_claims_after_decision import TODAY

RECEIPT_NO = re.compile(r"失保回〔2026〕130200\d{7}号")


def _receipt(client: Any, tokens: dict[str, Any], claim_id: int) -> bytes:
    answer = client.get(f"/api/v1/claims/{claim_id}/receipt.pdf", headers=bearer(tokens))
    assert answer.status_code == 200, answer.get_json()
    return bytes(answer.data)


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def first_page_png(pdf: bytes, path: Path) -> np.ndarray:
    """Page 1 as a person sees it, kept as a PNG (RECEIPT_PNG_DIR keeps a copy to look at)."""
    page = pypdfium2.PdfDocument(pdf)[0]
    page.render(scale=3).to_pil().save(path)
    if os.environ.get("RECEIPT_PNG_DIR"):
        shutil.copy(path, Path(os.environ["RECEIPT_PNG_DIR"]) / path.name)
    return cv2.imread(str(path))


@time_machine.travel(TODAY, tick=False)
def test_the_qr_code_on_page_one_opens_a_page_confirming_the_receipt_without_personal_data(
    client: Any, wechat_standin: WeChatStandIn, tmp_path: Path
) -> None:
    tokens = claimant(client, wechat_standin, months=70, name="张伟")
    claim = submit(client, tokens).get_json()
    pdf = _receipt(client, tokens, claim["id"])
    text = _text(pdf)
    number = RECEIPT_NO.search(text)
    assert number, text[:300]
    assert "办理依据" in text and "社会保险法第四十五条" in text and "唐山市" in text
    assert "先生/女士" not in text
    image = first_page_png(pdf, tmp_path / "receipt-page1.png")
    url, _points, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert url.startswith("http://127.0.0.1:5000/api/v1/verify/receipts/"), url
    code = url.rsplit("/", 1)[1]
    assert code in text  # printed too, for typing in by hand
    page = client.get(urlsplit(url).path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.data.decode()
    assert number.group(0) in html and "2026年11月10日" in html and "核准：按月发放失业保险金" in html
    for personal in ("张伟", "伟", claim["claim_no"], "1302", "1383"):
        assert personal not in html.replace(number.group(0), "")
    checked = client.get(urlsplit(url).path).get_json()
    assert (checked["genuine"], checked["receipt_no"], checked["issued_on"]) == (True, number.group(0), "2026-11-10")


@time_machine.travel(TODAY, tick=False)
def test_a_receipt_keeps_its_number_and_a_new_decision_gets_a_new_one(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tokens = claimant(client, wechat_standin, months=70)
    claim = submit(client, tokens).get_json()
    first, again = (RECEIPT_NO.search(_text(_receipt(client, tokens, claim["id"]))) for _ in range(2))
    assert first and again and first.group(0) == again.group(0)
    code = re.search(r"验证码：([A-Z0-9-]+)", _text(_receipt(client, tokens, claim["id"])))
    assert code
    from miniapp_api.claims.models import Claim
    from miniapp_api.db import unit_of_work

    with unit_of_work() as session:
        stored = session.get(Claim, claim["id"])
        assert stored is not None
        stored.status = "stopped"
    before_download = client.get(f"/api/v1/verify/receipts/{code.group(1)}").get_json()
    assert before_download["superseded"] is True, before_download  # the claim changed: no new download needed
    later = RECEIPT_NO.search(_text(_receipt(client, tokens, claim["id"])))
    assert later and later.group(0) != first.group(0)
    old = client.get(f"/api/v1/verify/receipts/{code.group(1).lower()}").get_json()
    assert old["superseded"] is True and old["decision"] == "核准：按月发放失业保险金"
    page = client.get(f"/api/v1/verify/receipts/{code.group(1)}", headers={"Accept": "text/html"}).data.decode()
    assert "已被新回执取代" in page and "真实有效" not in page


def test_a_made_up_code_is_not_found_and_says_what_that_means(client: Any) -> None:
    for code in ("AAAA-BBBB-CCCC-DDDD", "x" * 500, "%00"):
        answer = client.get(f"/api/v1/verify/receipts/{code}")
        assert answer.status_code == 404, code
        assert answer.get_json()["code"] == "RECEIPT_NOT_FOUND"
        assert "验证码" in answer.get_json()["message"]
    in_a_browser = client.get("/api/v1/verify/receipts/AAAA-BBBB-CCCC-DDDD", headers={"Accept": "text/html"})
    assert (in_a_browser.status_code, in_a_browser.mimetype) == (404, "text/html")
    assert "没有找到这张回执" in in_a_browser.data.decode()


def test_the_notice_greets_the_worker_as_mr_or_ms_never_both() -> None:
    region = Region(
        code="130200",
        name="唐山市",
        province="河北省",
        agency_name="唐山市经办机构",
        agency_phone="0315-12333",
        agency_address="唐山",
    )
    employer = Employer(name="唐山钢铁有限公司", credit_code="91130200MA0000000X", region_code="130200")
    for sex, greeting in (("M", "王建国先生："), ("F", "王建国女士：")):
        text = _text(notice_pdf(Person(name="王建国", sex=sex), employer, region, "2026-10-31"))
        assert greeting in text and "先生/女士" not in text
