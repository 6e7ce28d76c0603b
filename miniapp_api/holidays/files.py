"""Reading a year's arrangement from a file: YAML (the notice's details and its lines) or CSV
(one line per holiday range or adjusted working day; the details given beside it). Every
problem names its line, so the person entering it can find it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
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
# Festival names as the notices write them: 春节, 中秋节、国庆节, 抗战胜利70周年纪念日.
_FESTIVAL_NAME = re.compile(r"[\u4e00-\u9fff0-9A-Za-z、·]{1,20}")
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


class _TextDatesLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as written, so a day that does not exist (2027-02-30) is
    named on its line instead of failing inside the parser."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
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
        parsed.problems.append(LineProblem(0, "文件应为 UTF-8 编码（Excel 请“另存为 CSV UTF-8”）"))
        return parsed
    if "\x00" in text:
        parsed.problems.append(LineProblem(0, "文件含有空字符（NUL），不是文本文件"))
        return parsed
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix in ("yaml", "yml"):
        readable = _read_yaml(text, parsed)
    elif suffix == "csv":
        readable = _read_csv(text, parsed)
        if not given.get("year"):
            parsed.problems.append(LineProblem(0, "CSV 文件须另给年份、通知文号、发布日期和来源（选项或表单字段）"))
            return parsed
    else:
        parsed.problems.append(LineProblem(0, "文件应为 .yaml/.yml 或 .csv"))
        return parsed
    if readable:  # a file that cannot be read is not also missing its details
        _merge_meta(parsed, given)
    return parsed


# A year's file is flat: the notice's details and a list of one-level mappings.
_MAX_YAML_DEPTH = 3


def _plain_yaml_problem(text: str) -> LineProblem | None:
    """Refuse, before anything is built, what a plain file never needs: anchors and aliases
    (a 500-byte file of nested aliases expands to gigabytes), explicit tags, deep nesting."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return LineProblem(line, "不能使用 YAML 锚点或别名（& 与 *），请逐行写出")
        # A scalar's `implicit` is a pair (plain, quoted); a list's or a mapping's, one flag.
        implicit = getattr(event, "implicit", True)
        if getattr(event, "tag", None) and not (implicit[0] if isinstance(implicit, tuple) else implicit):
            return LineProblem(line, "不能使用 YAML 类型标记（!!…）")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > _MAX_YAML_DEPTH:
                return LineProblem(line, "层级过深：每行只需写明 kind、name 和日期")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _read_yaml(text: str, parsed: ParsedArrangement) -> bool:
    """False when the file cannot be read at all."""
    try:
        refused = _plain_yaml_problem(text)
        if refused:
            parsed.problems.append(refused)
            return False
        root = yaml.compose(text, Loader=_TextDatesLoader)
        data = yaml.load(text, Loader=_TextDatesLoader)  # noqa: S506 - a safe loader, dates left as text
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        parsed.problems.append(LineProblem(mark.line + 1 if mark else 0, "YAML 格式有误，无法读取"))
        return False
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        parsed.problems.append(LineProblem(1, "YAML 应为键值对：year、document_no、published_on、source、lines"))
        return False
    parsed.meta = {key: data[key] for key in META_FIELDS if data.get(key) is not None}
    nodes = {key.value: value for key, value in root.value if isinstance(key, yaml.ScalarNode)}
    items = data.get("lines")
    node = nodes.get("lines")
    if not isinstance(items, list) or not isinstance(node, yaml.SequenceNode):
        line = node.start_mark.line + 1 if node is not None else 1
        parsed.problems.append(LineProblem(line, "缺少 lines：每行一项放假安排或调休上班日"))
        return True
    for item, item_node in zip(items, node.value, strict=True):
        line_no = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            parsed.problems.append(LineProblem(line_no, "每行应写明 kind、name 及日期（放假写 from/to，上班写 day）"))
            continue
        _add_line(parsed, line_no, item)
    return True


def _read_csv(text: str, parsed: ParsedArrangement) -> bool:
    """False when the file cannot be read at all."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        parsed.problems.append(LineProblem(1, "CSV 文件为空"))
        return False
    columns = [_CSV_COLUMNS.get(name.strip()) for name in header]
    if not {"kind", "name", "from"} <= set(columns):
        parsed.problems.append(LineProblem(1, "表头应为：类型,名称,开始日期,结束日期"))
        return False
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            item = {column: cell.strip() for column, cell in zip(columns, cells, strict=False) if column}
            _add_line(parsed, reader.line_num, item)
    except csv.Error as error:
        parsed.problems.append(LineProblem(reader.line_num, f"CSV 格式有误：{error}"))
        return False
    return True


def _add_line(parsed: ParsedArrangement, line_no: int, item: dict[Any, Any]) -> None:
    kind = _KINDS.get(str(item.get("kind", "")).strip())
    if kind is None:
        parsed.problems.append(LineProblem(line_no, "类型应为“放假”或“上班”"))
        return
    name = str(item.get("name") or "").strip()
    if not _FESTIVAL_NAME.fullmatch(name):
        parsed.problems.append(LineProblem(line_no, "名称应为节日名称，如 春节（汉字，不超过20字）"))
        return
    # YAML 1.1 reads a bare `on:` key as True; `day:` is the documented key, `on:` still works.
    written = [item.get("day") or item.get("on") or item.get(True) or item.get("from")]
    if item.get("to") not in (None, ""):
        written.append(item["to"])
    days = [_date(value) for value in written]
    for value, day in zip(written, days, strict=True):
        if day is None:
            parsed.problems.append(LineProblem(line_no, _bad_date(value)))
            return
    first, last = days[0], days[-1]
    assert first is not None
    assert last is not None
    parsed.lines.append(ArrangementLine(line_no, kind, name, first, last))


def _bad_date(value: Any) -> str:
    if value in (None, ""):
        return "缺少日期：放假写 from（和 to），上班写 day"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value).strip()):
        return f"{str(value).strip()}不是有效的日期"
    return "日期应写作 YYYY-MM-DD，如 2027-02-06"


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
    if type(year) is not int or not 2000 <= year <= 2100:
        meta.pop("year", None)
        parsed.problems.append(LineProblem(0, "年份应为2000至2100之间的整数"))
    published = meta.get("published_on")
    meta["published_on"] = _date(published) if isinstance(published, str | dt.date) else None
    if published is not None and meta["published_on"] is None:
        parsed.problems.append(LineProblem(0, "发布日期应写作 YYYY-MM-DD，如 2026-11-20"))
    for key in ("document_no", "title", "source"):
        if meta.get(key) is not None and not isinstance(meta[key], str | int):
            parsed.problems.append(LineProblem(0, f"{META_LABELS[key]}应为一段文字"))
            meta.pop(key)
    for key in ("document_no", "published_on", "source"):
        told_wrong = key == "published_on" and published is not None  # named above already
        if not meta.get(key) and not told_wrong:
            parsed.problems.append(LineProblem(0, f"缺少{META_LABELS[key]}"))
    for key, longest in (("document_no", 60), ("title", 200), ("source", 500)):
        if meta.get(key) is not None:
            meta[key] = str(meta[key]).strip()
            if len(meta[key]) > longest:
                parsed.problems.append(LineProblem(0, f"{META_LABELS[key]}不超过{longest}字"))
    source = str(meta.get("source") or "")
    if "://" in source and not source.startswith(("https://", "http://")):
        parsed.problems.append(LineProblem(0, "来源应为 http(s):// 网址或公报期号"))
    if isinstance(meta.get("year"), int) and not meta.get("title"):
        meta["title"] = f"国务院办公厅关于{meta['year']}年部分节假日安排的通知"
