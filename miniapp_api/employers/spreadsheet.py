"""Reading the filing form (《用人单位终止或解除劳动关系人员备案表》) from .xlsx or .csv.

The form's columns are fixed: 编号, 姓名, 性别, 身份证号, 社会保障卡银行账号, 缴费时间, 失业时间,
失业原因, 联系电话. A spreadsheet is refused as a whole, with the reason, when it cannot be read
as that form: wrong or missing columns, merged cells, formulas (their values are not data the
employer typed), more rows than allowed. Trailing empty rows — a sheet formatted down to row
1,048,576 — are skipped without being counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

COLUMNS = ("编号", "姓名", "性别", "身份证号", "社会保障卡银行账号", "缴费时间", "失业时间", "失业原因", "联系电话")
REQUIRED = ("姓名", "身份证号", "失业时间", "失业原因")
# Empty rows between data rows are skipped; a run this long ends the data (the rest of a sheet
# formatted down to its last row is formatting, not filings).
_EMPTY_RUN = 10_000
# The workbook's parts, uncompressed: a 10,000-row form is a few MB; far more is a zip bomb.
_MAX_SHEET_BYTES = 100 * 1024 * 1024


class FormUnreadable(ValueError):
    """The file is not a filing form this service can read; the message says why, in Chinese."""

    def __init__(self, message: str, code: str = "FORM_UNREADABLE") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class FormRow:
    number: int  # the row number the employer sees (the header is row 1)
    cells: dict[str, str]


def read_form(file_name: str, content: bytes, max_rows: int) -> list[FormRow]:
    lower = file_name.lower()
    if lower.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif lower.endswith(".csv"):
        rows = csv_rows(content)
    else:
        raise FormUnreadable("请上传 .xlsx 或 .csv 格式的备案表", "FORM_TYPE")
    return _as_form(rows, max_rows)


def _as_form(rows: Iterator[list[Any]], max_rows: int) -> list[FormRow]:
    header = next(rows, None)
    if header is None:
        raise FormUnreadable("文件是空的", "FORM_EMPTY")
    names = [_text(cell) for cell in header]
    while names and not names[-1]:
        names.pop()
    missing = [column for column in COLUMNS if column not in names]
    unknown = [name for name in names if name and name not in COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        parts = []
        if missing:
            parts.append(f"缺少列：{'、'.join(missing)}")
        if unknown:
            parts.append(f"多余或名称不对的列：{'、'.join(unknown)}")
        if len(set(names)) != len(names):
            parts.append("列名重复")
        raise FormUnreadable(f"表头应为：{'、'.join(COLUMNS)}（{'；'.join(parts)}）", "FORM_COLUMNS")
    result: list[FormRow] = []
    empty_run = 0
    for index, row in enumerate(rows, start=2):
        cells = {name: _text(row[i]) if i < len(row) else "" for i, name in enumerate(names) if name}
        if not any(cells.values()):
            empty_run += 1
            if empty_run >= _EMPTY_RUN:
                break
            continue
        empty_run = 0
        result.append(FormRow(index, cells))
        if len(result) > max_rows:
            raise FormUnreadable(f"一次最多备案{max_rows}人，请分批上传", "FORM_TOO_MANY_ROWS")
    if not result:
        raise FormUnreadable("备案表中没有数据行", "FORM_EMPTY")
    return result


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def csv_rows(content: bytes) -> Iterator[list[Any]]:
    """A CSV file's rows, from UTF-8 (with or without BOM) or GB18030, as Excel saves it in China."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FormUnreadable("CSV 文件编码无法识别，请另存为 UTF-8 编码", "FORM_ENCODING")
    if "\x00" in text:
        raise FormUnreadable("CSV 文件含有无法识别的字符", "FORM_ENCODING")
    try:
        yield from csv.reader(io.StringIO(text, newline=""))
    except csv.Error as error:
        raise FormUnreadable(f"CSV 文件格式有误：{error}", "FORM_CSV") from None


def _xlsx_rows(content: bytes) -> Iterator[list[Any]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise FormUnreadable("文件不是有效的 .xlsx 表格", "FORM_TYPE") from None
    if sum(info.file_size for info in archive.infolist()) > _MAX_SHEET_BYTES:
        raise FormUnreadable("表格内容过大，请删除多余的行和格式后重新上传", "FORM_TOO_LARGE")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (InvalidFileException, KeyError, ValueError, OSError, zipfile.BadZipFile, SyntaxError):
        # SyntaxError: ElementTree's ParseError, for XML inside that is broken or declares entities.
        raise FormUnreadable("文件不是有效的 .xlsx 表格", "FORM_TYPE") from None
    try:
        sheet = workbook.worksheets[0]
        path = getattr(sheet, "_worksheet_path", "xl/worksheets/sheet1.xml")
        # Merged cells are declared in the sheet XML; openpyxl's streaming mode does not report them.
        with archive.open(path) as xml:
            if _declares(xml, b"<mergeCell "):
                raise FormUnreadable("表格中有合并单元格，请取消合并后重新上传", "FORM_MERGED_CELLS")
        for row in sheet.iter_rows():
            values = []
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    raise FormUnreadable(f"单元格 {cell.coordinate} 是公式，请粘贴为数值后重新上传", "FORM_FORMULAS")
                values.append(cell.value)
            yield values
    except FormUnreadable:
        raise
    except (SyntaxError, KeyError, ValueError) as error:  # the sheet's XML, read row by row, is broken
        raise FormUnreadable(
            "表格内容无法读取（文件已损坏或含有不允许的内容），请重新保存后上传", "FORM_TYPE"
        ) from error
    finally:
        workbook.close()


def _declares(stream: Any, marker: bytes) -> bool:
    tail = b""
    while chunk := stream.read(1 << 16):
        if marker in tail + chunk:
            return True
        tail = chunk[-len(marker) :]
    return False
