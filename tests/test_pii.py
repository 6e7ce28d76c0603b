"""Personal data is encrypted at rest, looked up by keyed hash, and masked in text."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import text
from sqlalchemy.orm import Session

from miniapp_api.pii import PiiCipher, mask_bank_account, mask_id_number, mask_phone, mask_text
from miniapp_api.records.service import find_person
from tests import factories


@pytest.fixture
def cipher() -> PiiCipher:
    return PiiCipher(os.urandom(32), os.urandom(32))


def test_a_value_decrypts_to_itself_and_never_encrypts_the_same_way_twice(cipher: PiiCipher) -> None:
    first, second = cipher.encrypt("13800138000", "phone"), cipher.encrypt("13800138000", "phone")
    assert first != second
    assert cipher.decrypt(first, "phone") == "13800138000"


def test_a_ciphertext_moved_to_another_field_does_not_decrypt(cipher: PiiCipher) -> None:
    with pytest.raises(InvalidTag):
        cipher.decrypt(cipher.encrypt("13800138000", "phone"), "id_number")


def test_the_lookup_hash_depends_on_the_key(cipher: PiiCipher) -> None:
    other = PiiCipher(os.urandom(32), os.urandom(32))
    assert cipher.keyed_hash("x", "f") == cipher.keyed_hash("x", "f") != other.keyed_hash("x", "f")


def test_masks_keep_only_what_a_person_needs_to_recognise_their_own_data() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_bank_account("6222021234567890123") == "**** 0123"


def test_free_text_is_masked_but_amounts_and_dates_are_left_alone() -> None:
    line = "身份证 11010519491231002X 手机13800138000 账号 6222021234567890123 金额 1980.00 日期 20261121"
    masked = mask_text(line)
    assert "11010519491231002X" not in masked and "1101**********002X" in masked
    assert "13800138000" not in masked and "138****8000" in masked
    assert "6222021234567890123" not in masked and "***************0123" in masked
    assert "1980.00" in masked and "20261121" in masked


def test_a_person_row_holds_ciphertext_and_is_found_by_keyed_hash(session: Session) -> None:
    factories.person(
        session,
        id_number="11010519491231002X",
        sex="F",
        birth_date=dt.date(1949, 12, 31),
        phone="13800138000",
        bank_name="中国工商银行",
        bank_account="6222021234567890123",
    )
    raw = session.execute(text("SELECT id_number, phone, bank_account, id_number_hash FROM persons")).one()
    stored = b"".join(bytes(value) for value in raw[:3])
    for plain in ("11010519491231002X", "13800138000", "6222021234567890123"):
        assert plain.encode() not in stored
    assert "11010519491231002X" not in raw[3]
    found = find_person(session, "11010519491231002x")
    assert found is not None and found.phone == "13800138000"


@pytest.mark.parametrize(
    ("written", "leaked", "shown"),
    [
        ("138 0013 8000", "0013", "138****8000"),
        ("138-0013-8000", "0013", "138****8000"),
        ("+86 13800138000", "00138000", "138****8000"),
        ("１３８００１３８０００", "00138000", "138****8000"),
        ("6222 0212 3456 7890 123", "3456", "***************0123"),
        ("110105 19491231 002X", "19491231", "1101**********002X"),
        ("身份证号11010519491231002x已绑定", "19491231", "1101**********002x"),
    ],
)
def test_grouped_and_full_width_numbers_are_masked_too(written: str, leaked: str, shown: str) -> None:
    masked = mask_text(f"记录：{written}。")
    assert leaked not in masked
    assert shown in masked


def test_hashes_and_uuids_are_not_mistaken_for_card_numbers() -> None:
    digest = "a" + "123456789012345" + "bcdef"
    assert mask_text(f"sha256={digest}") == f"sha256={digest}"


def test_the_log_masker_leaves_measurements_alone_and_masks_people() -> None:
    """Real log lines: a Celery duration was once turned into `0.**************6232s`."""
    lines = {
        "Task notifications.deliver[807331d0-fb5f-4d9c-8e12-036920ef1bdd] succeeded in 0.007270939000022736s: None":
            "Task notifications.deliver[807331d0-fb5f-4d9c-8e12-036920ef1bdd] succeeded in 0.007270939000022736s: None",
        '"runtime": 0.007270939000022736, "scheduler_last_beat": 1796571958.0, "amount": "3960.00"':
            '"runtime": 0.007270939000022736, "scheduler_last_beat": 1796571958.0, "amount": "3960.00"',
        "bind 110105194912310021 from 13800138000 paid to 6222021234567890123.":
            "bind 1101**********0021 from 138****8000 paid to ***************0123.",
    }  # fmt: skip
    for line, masked in lines.items():
        assert mask_text(line) == masked
