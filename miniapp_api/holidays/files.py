"""Reading a year's arrangement from a file: YAML (the notice's details and its lines) or CSV
(one line per holiday range or adjusted working day; the details given beside it). Every
problem names its line, so the person entering it can find it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import yaml

from miniapp_api.rules.calendar_lines import ArrangementLine, LineProblem

MAX_FILE_BYTES = 256 * 1024
META_FIELDS = ("year", "document_no", "title", "published_on", "source")
META_LABELS = {
    "year": "年份",
    "document_no": "通知文号",
    "title": "通知标题",
    "published_on": "发布日期",
    "source": "来源（网址或公报）",
}
_KINDS = {"放假": "holiday", "holiday": "holiday", "上班": "working_day", "working_day": "working_day"}
_CSV_COLUMNS = {
    "类型": "kind",
    "kind": "kind",
    "名称": "name",
    "name": "name",
    "开始日期": "from",
    "from": "from",
    "first_day": "from",
    "结束日期": "to",
    "to": "to",
    "last_day": "to",
}


@dataclass
class ParsedArrangement:
    meta: dict[str, Any] = field(default_factory=dict)
    lines: list[ArrangementLine] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)


def parse(filename: str, content: bytes, given: dict[str, Any]) -> ParsedArrangement:
    """The arrangement in `content`; `given` are details entered beside the file (they must
    agree with the file's own)."""
    parsed = ParsedArrangement()
    if len(content) > MAX_FILE_BYTES:
        parsed.problems.append(LineProblem(0, f"文件超过{MAX_FILE_BYTES // 1024}KB，不像一年的节假日安排"))
        return parsed
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.problems.append(LineProblem(0, "文件应为 UTF-8 编码"))
        return parsed
    if "\x00" in text:
        parsed.problems.append(LineProblem(0, "文件含有空字符（NUL），不是文本文件"))
        return parsed
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix in ("yaml", "yml"):
        _read_yaml(text, parsed)
    elif suffix == "csv":
        _read_csv(text, parsed)
    else:
        parsed.problems.append(LineProblem(0, "文件应为 .yaml/.yml 或 .csv"))
        return parsed
    _merge_meta(parsed, given)
    return parsed


def _read_yaml(text: str, parsed: ParsedArrangement) -> None:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        parsed.problems.append(LineProblem(mark.line + 1 if mark else 0, "YAML 格式有误，无法读取"))
        return
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        parsed.problems.append(LineProblem(1, "YAML 应为键值对：year、document_no、published_on、source、lines"))
        return
    parsed.meta = {key: data[key] for key in META_FIELDS if data.get(key) is not None}
    nodes = {key.value: value for key, value in root.value if isinstance(key, yaml.ScalarNode)}
    items = data.get("lines")
    node = nodes.get("lines")
    if not isinstance(items, list) or not isinstance(node, yaml.SequenceNode):
        line = node.start_mark.line + 1 if node is not None else 1
        parsed.problems.append(LineProblem(line, "缺少 lines：每行一项放假安排或调休上班日"))
        return
    for item, item_node in zip(items, node.value, strict=True):
        line_no = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            parsed.problems.append(LineProblem(line_no, "每行应写明 kind、name 及日期（放假写 from/to，上班写 day）"))
            continue
        _add_line(parsed, line_no, item)


def _read_csv(text: str, parsed: ParsedArrangement) -> None:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        parsed.problems.append(LineProblem(1, "CSV 文件为空"))
        return
    columns = [_CSV_COLUMNS.get(name.strip()) for name in header]
    if not {"kind", "name", "from"} <= set(columns):
        parsed.problems.append(LineProblem(1, "表头应为：类型,名称,开始日期,结束日期"))
        return
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            item = {column: cell.strip() for column, cell in zip(columns, cells, strict=False) if column}
            _add_line(parsed, reader.line_num, item)
    except csv.Error as error:
        parsed.problems.append(LineProblem(reader.line_num, f"CSV 格式有误：{error}"))


def _add_line(parsed: ParsedArrangement, line_no: int, item: dict[Any, Any]) -> None:
    kind = _KINDS.get(str(item.get("kind", "")).strip())
    if kind is None:
        parsed.problems.append(LineProblem(line_no, "类型应为“放假”或“上班”"))
        return
    name = str(item.get("name") or "").strip()
    if not name or len(name) > 20:
        parsed.problems.append(LineProblem(line_no, "名称应为节日名称，如 春节（不超过20字）"))
        return
    # YAML 1.1 reads a bare `on:` key as True; `day:` is the documented key, `on:` still works.
    first = _date(item.get("day") or item.get("on") or item.get(True) or item.get("from"))
    last = _date(item.get("to")) if item.get("to") not in (None, "") else first
    if first is None or last is None:
        parsed.problems.append(LineProblem(line_no, "日期应写作 YYYY-MM-DD，如 2027-02-06"))
        return
    parsed.lines.append(ArrangementLine(line_no, kind, name, first, last))


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _merge_meta(parsed: ParsedArrangement, given: dict[str, Any]) -> None:
    meta = parsed.meta
    for key, value in given.items():
        if value in (None, ""):
            continue
        if key in meta and str(meta[key]) != str(value):
            parsed.problems.append(LineProblem(0, f"{META_LABELS[key]}与文件中的不一致（{meta[key]} / {value}）"))
        meta[key] = value
    year = meta.get("year")
    if isinstance(year, str) and year.strip().isdigit():
        meta["year"] = year = int(year)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        parsed.problems.append(LineProblem(0, "年份应为2000至2100之间的整数"))
    if isinstance(meta.get("published_on"), str | dt.date):
        meta["published_on"] = _date(meta["published_on"])
    for key in ("document_no", "published_on", "source"):
        if not meta.get(key):
            parsed.problems.append(LineProblem(0, f"缺少{META_LABELS[key]}"))
    for key, longest in (("document_no", 60), ("title", 200), ("source", 500)):
        if meta.get(key) is not None:
            meta[key] = str(meta[key]).strip()
            if len(meta[key]) > longest:
                parsed.problems.append(LineProblem(0, f"{META_LABELS[key]}不超过{longest}字"))
    if isinstance(year, int) and not meta.get("title"):
        meta["title"] = f"国务院办公厅关于{year}年部分节假日安排的通知"
