"""marshmallow fields for the identifiers and dates people type, with Chinese messages.

Used by the import rows and by the API schemas alike, so a bad ID number gets the same
answer whichever door it came through.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import marshmallow as ma

from miniapp_api.clock import china_today
from miniapp_api.extensions import settings
from miniapp_api.identifiers import IdentifierError, luhn_valid, normalise, parse_credit_code, parse_id_number

_PHONE = re.compile(r"^1[3-9][0-9]{9}$")
_BANK_ACCOUNT = re.compile(r"^[0-9]{12,19}$")
_BANK_CARD = re.compile(r"^[0-9]{16,19}$")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
_REGION = re.compile(r"^[0-9]{6}$")
# Control characters (C0, DEL, C1) and every format character (Unicode category Cf: bidi
# overrides that show a figure reversed, zero-width and soft hyphens that split a number so
# masking misses it, tags), and the blank-looking characters that are neither: combining joiners,
# variation selectors, Hangul and Braille fillers, line and paragraph separators.
_CONTROL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u034f\u115f\u1160\u17b4\u17b5\u2028\u2029\u2800\u3164\ufe00-\ufe0f\uffa0"
    r"\U000e0100-\U000e01ef]"
)
_LINE_BREAK = re.compile(r"[\r\n]")


def _invisible(text: str) -> bool:
    return bool(_CONTROL.search(text)) or any(unicodedata.category(ch) == "Cf" for ch in text)


REQUIRED = {"required": "缺少必填项", "null": "不能为空"}


def without_controls(text: str) -> str:
    """Text from outside (a bank's file) with its control and invisible characters removed."""
    return "".join(ch for ch in _CONTROL.sub("", text) if unicodedata.category(ch) != "Cf")


def is_mobile(value: str) -> bool:
    return bool(_PHONE.match(value))


class _Text(ma.fields.String):
    default_error_messages = {**REQUIRED, "invalid": "应为文本"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if isinstance(text, str) and _LINE_BREAK.search(text):
            raise ma.ValidationError("请写在一段之内，不要换行")
        if isinstance(text, str) and _invisible(text):
            raise ma.ValidationError("含有不可见的控制字符")
        return text.strip() if isinstance(text, str) else text


class _Code(_Text):
    """Digits and letters a person types, folded to ASCII (full-width input is common)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normalise(str(super()._deserialize(value, attr, data, **kwargs)))


class Text(_Text):
    """A non-empty, stripped string."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text: str = super()._deserialize(value, attr, data, **kwargs)
        if not text:
            raise ma.ValidationError("不能为空")
        return text


# A person's name as on the ID card: Chinese characters (the extension planes too, for rare ones),
# the middle dot of minority and foreign names, and Latin letters with spaces. A name goes into
# the bank file and the medical-insurance list: nothing in it may read as a formula.
_PERSON_NAME = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z]"
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134fA-Za-z·・ ]{0,49}"
)


class PersonName(Text):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if not _PERSON_NAME.fullmatch(name):
            raise ma.ValidationError("姓名只能由汉字、字母和间隔号（·）组成，不含数字和符号")
        return name


# A bank's or branch's name as banks write it: 中国工商银行股份有限公司唐山分行, 唐山银行（路北支行）.
# Nothing else: a name is a cell of the bank file, and a formula there runs in the bank's Excel.
_BANK_NAME = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fffA-Za-z0-9（）()·]{1,49}")


class BankName(Text):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        name = super()._deserialize(value, attr, data, **kwargs)
        if not _BANK_NAME.fullmatch(name):
            raise ma.ValidationError("开户银行应为银行或支行的中文名称，如“中国建设银行唐山分行”（2至50字，不含符号）")
        return name


class IdNumber(_Code):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return parse_id_number(str(super()._deserialize(value, attr, data, **kwargs))).value
        except IdentifierError as error:
            raise ma.ValidationError(error.message) from None


class CreditCode(_Code):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return parse_credit_code(str(super()._deserialize(value, attr, data, **kwargs))).value
        except IdentifierError as error:
            raise ma.ValidationError(error.message) from None


class MobilePhone(_Code):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        phone = str(super()._deserialize(value, attr, data, **kwargs)).replace(" ", "").replace("-", "")
        if not _PHONE.match(phone):
            raise ma.ValidationError("手机号码应为以1开头的11位数字")
        return phone


class BankAccount(_Code):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        account = str(super()._deserialize(value, attr, data, **kwargs)).replace(" ", "")
        if not _BANK_ACCOUNT.match(account):
            raise ma.ValidationError("银行账号应为12至19位数字")
        return account


class BankCardNumber(_Code):
    """A personal bank card (16–19 digits ending in a Luhn check digit), as benefit is paid to."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        number = str(super()._deserialize(value, attr, data, **kwargs)).replace(" ", "").replace("-", "")
        if not _BANK_CARD.match(number):
            raise ma.ValidationError("银行卡号应为16至19位数字")
        if not luhn_valid(number):
            raise ma.ValidationError("银行卡号校验位不正确，请核对后重新输入")
        return number


class RegionCode(_Code):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = str(super()._deserialize(value, attr, data, **kwargs))
        if not _REGION.match(code):
            raise ma.ValidationError("行政区划代码应为6位数字")
        return code


class Moment(ma.fields.AwareDateTime):
    """A moment with its time zone, in the years 2000–2099."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        moment: dt.datetime = super()._deserialize(value, attr, data, **kwargs)
        if not 2000 <= moment.year <= 2099:  # by its own calendar: a far one overflows turned into UTC
            raise ma.ValidationError("时间应在2000年至2099年之间，并带时区，如 2026-12-01T00:00:00+08:00")
        return moment


class Day(ma.fields.Date):
    """A calendar date written YYYY-MM-DD, between 1900 and 2100."""

    default_error_messages = {
        **REQUIRED,
        "invalid": "应为日期（YYYY-MM-DD）",
        "format": "应为日期（YYYY-MM-DD）",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        day: dt.date = super()._deserialize(value, attr, data, **kwargs)
        if not 1900 <= day.year <= 2100:
            raise ma.ValidationError("日期应在1900年至2100年之间")
        return day


class PastDate(Day):
    """A calendar date that is not in the future (events the records report have happened)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        day: dt.date = super()._deserialize(value, attr, data, **kwargs)
        if day > china_today():
            raise ma.ValidationError("日期不能晚于今天")
        return day


class Month(ma.fields.Field):  # type: ignore[type-arg]
    """A month written YYYY-MM, loaded as its first day; not after the current month."""

    default_error_messages = {**REQUIRED, "invalid": "应为年月（YYYY-MM）"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        match = _MONTH.match(normalise(str(value)))
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
            raise self.make_error("invalid")
        month = dt.date(int(match.group(1)), int(match.group(2)), 1)
        if month > china_today().replace(day=1):
            raise ma.ValidationError("月份不能晚于本月")
        return month

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else f"{value:%Y-%m}"


class PaymentMonth(Month):
    """A month benefit is paid for: from the service's first month (SERVICE_FIRST_MONTH) to this one."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        month = super()._deserialize(value, attr, data, **kwargs)
        first = dt.date.fromisoformat(f"{settings().SERVICE_FIRST_MONTH}-01")
        if month < first:
            raise ma.ValidationError(f"月份不能早于本服务开始发放的{first:%Y年%m月}")
        return month
