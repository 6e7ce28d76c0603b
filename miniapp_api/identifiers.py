"""Check characters of resident ID numbers (GB 11643-1999) and unified social credit codes
(GB 32100-2015).

python-stdnum is not used on purpose: it rejects valid numbers of both kinds (its region
table is tied to birth years, and it refuses credit codes that start with a letter), so the
arithmetic is done here and an unknown region code is only a warning.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# Province-level prefixes of GB/T 2260; finer codes change too often to reject on.
PROVINCE_CODES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    }
)

_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9Xx]$")


def normalise(raw: str | None) -> str:
    """What a person typed, as ASCII: IMEs often give full-width digits and letters (NFKC
    folds them); digits of other scripts stay non-ASCII and are then refused."""
    return unicodedata.normalize("NFKC", raw or "").strip().upper()


class IdentifierError(ValueError):
    """An identifier that cannot be right; `message` is Chinese, for the person who typed it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdNumber:
    value: str  # normalised: upper-case X
    birth_date: dt.date
    sex: str  # "M" or "F"
    region_code: str
    warnings: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class CreditCode:
    value: str
    region_code: str
    warnings: tuple[str, ...] = field(default=())


def id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate an 18-character resident ID number and read its birth date and sex."""
    value = normalise(raw)
    if len(value) == 15 and value.isascii() and value.isdigit():
        raise IdentifierError("ID_NUMBER_OBSOLETE", "请使用18位居民身份证号码，15位旧号码已停止使用")
    if not _ID_SHAPE.match(value):
        raise IdentifierError("ID_NUMBER_FORMAT", "身份证号码应为18位，前17位为数字，最后一位为数字或X")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdentifierError("ID_NUMBER_BIRTH_DATE", "身份证号码中的出生日期不存在") from None
    today = today or dt.date.today()
    if birth > today:
        raise IdentifierError("ID_NUMBER_BIRTH_DATE", "身份证号码中的出生日期晚于今天")
    if birth.year < 1900:
        raise IdentifierError("ID_NUMBER_BIRTH_DATE", "身份证号码中的出生年份早于1900年")
    if id_check_char(value[:17]) != value[17]:
        raise IdentifierError("ID_NUMBER_CHECKSUM", "身份证号码校验位不正确，请核对后重新输入")
    warnings = () if value[:2] in PROVINCE_CODES else ("身份证号码的地区码不在行政区划代码表中",)
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value, birth, sex, value[:6], warnings)


def credit_code_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(raw: str) -> CreditCode:
    """Validate an 18-character unified social credit code by its check character."""
    value = normalise(raw)
    if len(value) != 18:
        raise IdentifierError("CREDIT_CODE_FORMAT", "统一社会信用代码应为18位")
    bad = sorted({char for char in value if char not in USCC_ALPHABET})
    if bad:
        raise IdentifierError(
            "CREDIT_CODE_FORMAT",
            f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用I、O、S、V、Z）",
        )
    if credit_code_check_char(value[:17]) != value[17]:
        raise IdentifierError("CREDIT_CODE_CHECKSUM", "统一社会信用代码校验位不正确，请核对后重新输入")
    region = value[2:8]
    warnings = () if region[:2] in PROVINCE_CODES else ("统一社会信用代码的登记管理机关行政区划码不在代码表中",)
    return CreditCode(value, region, warnings)


def make_id_number(region_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid ID number; `sequence` is 0–999 and its parity gives the sex (odd = male)."""
    first17 = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def make_credit_code(region_code: str, organisation_code: str, *, registrar: str = "91") -> str:
    """Build a valid credit code from a registrar prefix, a region and a 9-character org code."""
    first17 = f"{registrar}{region_code}{organisation_code}"
    return first17 + credit_code_check_char(first17)


def luhn_check_digit(partial: str) -> str:
    """The Luhn check digit that personal bank cards (UnionPay debit cards) end with."""
    total = 0
    for index, char in enumerate(reversed(partial)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and len(number) >= 2 and luhn_check_digit(number[:-1]) == number[-1]
