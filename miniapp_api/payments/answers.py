"""Reading the bank's answer to a bank file (回盘): CSV of reference, result and reason, one row
a reference, UTF-8 or GB18030 as banks write it."""

from __future__ import annotations

import csv
import io

from miniapp_api.errors import ValidationFailed

_PAID = {"成功", "success", "paid"}
_FAILED = {"失败", "failure", "failed"}


def read_answers(content: bytes) -> dict[str, tuple[str, str]]:
    """Each reference's (result, reason); any row the bank's file gets wrong refuses the whole file."""
    try:
        return _parse(content)
    except csv.Error as error:  # e.g. a field over the csv module's 128 KiB limit: not a bank's answer
        raise ValidationFailed(f"回盘文件无法按 CSV 读取（{error}），未做任何处理", code="BAD_CONFIRMATION") from None


def _parse(content: bytes) -> dict[str, tuple[str, str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030", errors="replace")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or [h.strip() for h in header[:2]] != ["业务编号", "结果"]:
        raise ValidationFailed("回盘文件的表头应为：业务编号,结果,原因", code="BAD_CONFIRMATION")
    answers: dict[str, tuple[str, str]] = {}
    rows_of: dict[str, list[int]] = {}
    for number, row in enumerate(reader, start=2):
        if not row or not any(cell.strip() for cell in row):
            continue
        reference, result = row[0].strip(), row[1].strip().lower() if len(row) > 1 else ""
        rows_of.setdefault(reference, []).append(number)
        if result in _PAID:
            answers[reference] = ("paid", "")
        elif result in _FAILED:
            answers[reference] = ("failed", row[2].strip() if len(row) > 2 else "")
        else:
            raise ValidationFailed(f"第{number}行的结果应为“成功”或“失败”", code="BAD_CONFIRMATION")
    # One answer a reference: a second row (the same or, worse, another result) is never settled
    # by which came last.
    repeated = {reference: rows for reference, rows in rows_of.items() if len(rows) > 1}
    if repeated:
        reference, rows = next(iter(repeated.items()))
        raise ValidationFailed(
            f"回盘文件中业务编号{reference}出现了{len(rows)}次（第{'、'.join(map(str, rows))}行），"
            f"共{len(repeated)}个编号重复，未做任何处理，请与银行核对",
            code="DUPLICATE_REFERENCE",
            details={"references": dict(list(repeated.items())[:50])},
        )
    return answers
