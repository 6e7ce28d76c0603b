"""Check characters of ID numbers (GB 11643-1999) and credit codes (GB 32100-2015)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from miniapp_api.identifiers import (
    IdentifierError,
    make_credit_code,
    make_id_number,
    parse_credit_code,
    parse_id_number,
)


def test_the_standards_own_example_id_number_is_valid_and_reads_as_a_woman_born_1949_12_31() -> None:
    parsed = parse_id_number("11010519491231002X")
    assert (parsed.birth_date, parsed.sex, parsed.region_code) == (dt.date(1949, 12, 31), "F", "110105")


def test_a_lowercase_x_check_character_is_accepted_and_stored_upper_case() -> None:
    assert parse_id_number("11010519491231002x").value == "11010519491231002X"


def test_an_odd_seventeenth_digit_means_male() -> None:
    assert parse_id_number(make_id_number("130203", dt.date(1980, 5, 17), 11)).sex == "M"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "ID_NUMBER_CHECKSUM"),
        ("11010519490230002X", "ID_NUMBER_BIRTH_DATE"),
        ("1101051949123100", "ID_NUMBER_FORMAT"),
        ("11010519491231002Y", "ID_NUMBER_FORMAT"),
        ("110105491231002", "ID_NUMBER_OBSOLETE"),
        ("", "ID_NUMBER_FORMAT"),
    ],
)
def test_a_malformed_id_number_is_rejected_with_a_stable_code_and_a_chinese_reason(raw: str, code: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_id_number(raw)
    assert caught.value.code == code
    assert any("\u4e00" <= char <= "\u9fff" for char in caught.value.message)


def test_a_birth_date_after_today_is_rejected() -> None:
    tomorrow = dt.date(2026, 6, 2)
    with pytest.raises(IdentifierError, match="晚于今天"):
        parse_id_number(make_id_number("130203", tomorrow, 12), today=dt.date(2026, 6, 1))


def test_an_unknown_region_code_is_a_warning_not_a_rejection() -> None:
    parsed = parse_id_number(make_id_number("990101", dt.date(1990, 1, 1), 21))
    assert parsed.warnings and "地区码" in parsed.warnings[0]


def test_every_single_digit_substitution_of_an_id_number_is_caught() -> None:
    rng = random.Random(7)
    for _ in range(200):
        birth = dt.date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
        valid = make_id_number("371502", birth, rng.randrange(1000))
        position = rng.randrange(14, 17)  # sequence digits: any change keeps the date valid
        changed = valid[:position] + str((int(valid[position]) + rng.randint(1, 9)) % 10) + valid[position + 1 :]
        with pytest.raises(IdentifierError):
            parse_id_number(changed)


def test_the_standards_own_example_credit_code_is_valid() -> None:
    assert parse_credit_code("91350100M000100Y43").region_code == "350100"


def test_a_credit_code_starting_with_a_letter_is_valid_when_its_check_character_is() -> None:
    code = make_credit_code("152201", "MA0N12345", registrar="N2")
    assert code[0] == "N"
    assert parse_credit_code(code.lower()).value == code


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("91350100M000100Y44", "CREDIT_CODE_CHECKSUM", "校验位"),
        ("91350100M000100Y4", "CREDIT_CODE_FORMAT", "18位"),
        ("91350100M0001O0Y43", "CREDIT_CODE_FORMAT", "O"),
    ],
)
def test_a_malformed_credit_code_is_rejected_and_the_message_says_why(raw: str, code: str, words: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        parse_credit_code(raw)
    assert caught.value.code == code
    assert words in caught.value.message


def test_full_width_digits_are_folded_to_ascii() -> None:
    assert parse_id_number("１１０１０５１９４９１２３１００２ｘ").value == "11010519491231002X"


def test_digits_of_other_scripts_are_refused_not_stored_as_a_second_identity() -> None:
    arabic_indic = "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"
    with pytest.raises(IdentifierError):
        parse_id_number(arabic_indic)
