"""Importing the provincial system's exports: whole files land, bad files land not at all."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapp_api.db import unit_of_work
from miniapp_api.identifiers import make_id_number
from miniapp_api.records import fields as f
from miniapp_api.records.importer import ImportRejected, import_path
from miniapp_api.records.models import (
    ContributionPeriod,
    EmployerContact,
    ImportBatch,
    Person,
    PersonEvent,
    RegionParameter,
    StopContributionEvent,
)
from miniapp_api.records.service import find_person
from tests.cli_helpers import run_cli
from tests.conftest import FIXTURES

GOOD = FIXTURES / "import_ok"
MAN = make_id_number("130203", dt.date(1968, 3, 9), 11)


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _persons_csv(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "persons.csv"
    header = "id_number,name,sex,birth_date,retirement_category,phone,region_code,ss_card_number,bank_name,bank_account"
    path.write_text("\n".join((header, *lines)) + "\n", encoding="utf-8")
    return path


def test_a_directory_of_exports_lands_whole_with_one_batch_per_file(app: Flask) -> None:
    with unit_of_work() as session:
        results = import_path(session, GOOD, operator="records-clerk")
    assert [r.kind for r in results] == [
        "regions", "region_parameters", "employers", "employer_contacts",
        "persons", "contributions", "stop_events", "person_events",
    ]  # fmt: skip
    with unit_of_work() as session:
        assert _count(session, Person) == 2
        assert _count(session, ContributionPeriod) == 2
        assert _count(session, RegionParameter) == 3
        assert _count(session, EmployerContact) == 1
        assert _count(session, PersonEvent) == 1
        stop = session.scalars(select(StopContributionEvent)).one()
        assert (stop.reason_code, stop.source) == ("economic_layoff", "records_feed")
        man = find_person(session, MAN)
        assert man is not None
        assert (man.name, man.phone, man.bank_account) == ("王建国", "13800138000", "6212261234567890123")
        batches = session.scalars(select(ImportBatch)).all()
        assert len(batches) == 8
        assert {b.operator for b in batches} == {"records-clerk"}
        assert all(len(b.sha256) == 64 for b in batches)


def test_importing_the_same_exports_again_updates_rather_than_duplicates(app: Flask) -> None:
    for _ in range(2):
        with unit_of_work() as session:
            results = import_path(session, GOOD, operator="clerk")
    assert sum(r.inserted for r in results) == 0
    assert sum(r.updated for r in results) == 14
    with unit_of_work() as session:
        assert _count(session, Person) == 2


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_row(app: Flask, tmp_path: Path) -> None:
    with unit_of_work() as session:
        import_path(session, GOOD / "regions.csv", operator="clerk")
    woman = make_id_number("130203", dt.date(1990, 7, 1), 20)
    path = _persons_csv(
        tmp_path,
        f"{MAN},王建国,男,1968-03-09,male_60,13800138000,130200,,,",
        f"{MAN[:-1]}{'0' if MAN[-1] != '0' else '1'},李四,男,1968-03-09,male_60,,130200,,,",
        f"{woman},张敏,女,1990-07-01,female_50,,999999,,,",
        f"{woman},张敏,女,1990-07-02,female_50,,130200,,,",
        f"{MAN},王建国,男,1968-03-09,male_60,,130200,,,",
        f"{woman},张敏,男,1990-07-01,female_50,,130200,,,",
        f"{woman},张敏,女,1990-07-01,female_50,12345,130200,,,",
    )
    with pytest.raises(ImportRejected) as caught, unit_of_work() as session:
        import_path(session, path, operator="clerk")
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {
        (3, "id_number"),
        (4, "region_code"),
        (5, "birth_date"),
        (6, ""),
        (7, "sex"),
        (8, "phone"),
    }
    messages = {str(e) for e in caught.value.errors}
    assert "第3行 id_number：身份证号码校验位不正确，请核对后重新输入" in messages
    assert "第6行：与第2行重复" in messages
    with unit_of_work() as session:
        assert _count(session, Person) == 0
        assert _count(session, ImportBatch) == 1  # only the regions file


def test_an_event_dated_in_the_future_is_refused(app: Flask, tmp_path: Path) -> None:
    shutil.copytree(GOOD, tmp_path / "exports")
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    (tmp_path / "exports" / "stop_events.csv").write_text(
        f"id_number,credit_code,stop_date,reason\n{MAN},9113020312345678XL,{future},经济性裁员\n", encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as caught, unit_of_work() as session:
        import_path(session, tmp_path / "exports", operator="clerk")
    assert [str(e) for e in caught.value.errors] == ["第2行 stop_date：日期不能晚于今天"]
    with unit_of_work() as session:
        assert _count(session, Person) == 0  # the directory is one transaction


def test_an_unknown_separation_reason_is_refused_with_the_vocabulary_named(app: Flask, tmp_path: Path) -> None:
    shutil.copytree(GOOD, tmp_path / "exports")
    (tmp_path / "exports" / "stop_events.csv").write_text(
        f"id_number,credit_code,stop_date,reason\n{MAN},9113020312345678XL,2026-08-31,不想干了\n", encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as caught, unit_of_work() as session:
        import_path(session, tmp_path / "exports", operator="clerk")
    assert caught.value.errors[0].column == "reason"
    assert "失业原因" in caught.value.errors[0].message


def test_a_parameter_with_a_malformed_value_is_refused(app: Flask, tmp_path: Path) -> None:
    with unit_of_work() as session:
        import_path(session, GOOD / "regions.csv", operator="clerk")
    path = tmp_path / "region_parameters.json"
    path.write_text(
        '[{"region_code": "152200", "kind": "benefit_rate", "effective_from": "2022-01-01", "citation": "x",'
        ' "value": {"basis": "minimum_wage", "bands": [{"from_month": 2, "percent": "90"}]}}]',
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught, unit_of_work() as session:
        import_path(session, path, operator="clerk")
    assert caught.value.errors[0].row == 1
    assert "第1个月开始" in caught.value.errors[0].message


def test_the_import_command_exits_non_zero_and_lists_errors_in_chinese(app: Flask, tmp_path: Path) -> None:
    path = _persons_csv(tmp_path, f"{MAN},王建国,男,1968-03-09,male_60,,130200,,,")
    result = run_cli(app, "import", str(path), "--operator", "clerk")
    assert result.exit_code == 1
    assert "导入失败，未写入任何数据" in result.output
    assert "第2行 region_code：统筹地区不存在" in result.output


def test_the_import_command_reports_what_it_wrote(app: Flask) -> None:
    result = run_cli(app, "import", str(GOOD))
    assert result.exit_code == 0, result.output
    assert "persons.csv: persons 新增 2 行，更新 0 行" in result.output


def test_a_file_whose_name_says_no_kind_is_refused(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = run_cli(app, "import", str(path))
    assert result.exit_code == 1
    assert "无法从文件名判断数据类别" in result.output


HEADER = "id_number,name,sex,birth_date,retirement_category,phone,region_code,ss_card_number,bank_name,bank_account"


def _rejected(tmp_path: Path, name: str, text: str) -> list[str]:
    with unit_of_work() as session:
        import_path(session, GOOD / "regions.csv", operator="clerk")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as caught, unit_of_work() as session:
        import_path(session, path, operator="clerk")
    with unit_of_work() as session:
        assert _count(session, Person) == 0
    return [str(e) for e in caught.value.errors]


def test_row_numbers_are_the_lines_a_spreadsheet_shows_even_after_blank_lines(app: Flask, tmp_path: Path) -> None:
    text = f"{HEADER}\n\n\n{MAN},王建国,男,1968-03-10,male_60,,130200,,,\n"
    assert _rejected(tmp_path, "persons.csv", text) == ["第4行 birth_date：出生日期与身份证号码不一致"]


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        (HEADER.replace(",phone", ""), "表头缺少列：phone"),
        (HEADER + ",salary", "表头有不认识的列：salary"),
        (HEADER.replace("bank_account", "bank_name"), "表头列名重复：bank_name"),
    ],
)
def test_a_header_that_does_not_match_the_columns_is_refused_once_not_row_by_row(
    app: Flask, tmp_path: Path, header: str, complaint: str
) -> None:
    errors = _rejected(tmp_path, "persons.csv", f"{header}\n{MAN},王建国,男,1968-03-09,male_60,,130200,,,\n")
    assert any(complaint in error for error in errors), errors


def test_a_row_shorter_than_the_header_is_refused(app: Flask, tmp_path: Path) -> None:
    assert _rejected(tmp_path, "persons.csv", f"{HEADER}\n{MAN},王建国,男\n") == ["第2行：列数少于表头"]


def test_a_control_character_in_a_text_field_is_refused(app: Flask, tmp_path: Path) -> None:
    errors = _rejected(tmp_path, "persons.csv", f"{HEADER}\n{MAN},王\x00建国,男,1968-03-09,male_60,,130200,,,\n")
    assert errors == ["第2行 name：含有不可见的控制字符"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (f"{MAN},王建国,男,1968-03-09,female_55,,130200,,,", "第2行 retirement_category：退休类别与性别不一致"),
        (f"{MAN},王建国,男,1968-03-09,male_60,,130200,,中国银行,", "第2行 bank_account：开户银行与银行账号应同时填写"),
        (f"{MAN},王建国,男,1968-03-09,male_60,,130200,,,62222", "第2行 bank_account：银行账号应为12至19位数字"),
    ],
)
def test_person_rows_must_agree_with_themselves(app: Flask, tmp_path: Path, row: str, expected: str) -> None:
    assert _rejected(tmp_path, "persons.csv", f"{HEADER}\n{row}\n") == [expected]


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        ("2020-05,2020-04", "第2行 end_month：结束月份早于开始月份"),
        ("2020-13,", "第2行 start_month：应为年月（YYYY-MM）"),
        (f"{dt.date.today().year + 1}-01,", "第2行 start_month：月份不能晚于本月"),
    ],
)
def test_contribution_months_must_be_real_past_and_in_order(
    app: Flask, tmp_path: Path, months: str, expected: str
) -> None:
    shutil.copytree(GOOD, tmp_path / "exports")
    (tmp_path / "exports" / "contributions.csv").write_text(
        f"id_number,credit_code,region_code,start_month,end_month\n{MAN},9113020312345678XL,130200,{months}\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as caught, unit_of_work() as session:
        import_path(session, tmp_path / "exports", operator="clerk")
    assert [str(e) for e in caught.value.errors] == [expected]


@pytest.mark.parametrize(
    "content",
    ['[{"id_number": ' + "9" * 5000 + "}]", "[" * 50_000 + "]" * 50_000, '{"id_number": "x"}', "not json"],
    ids=["huge integer", "deep nesting", "object not array", "not json"],
)
def test_a_json_file_that_cannot_be_read_is_refused_with_a_chinese_reason(
    app: Flask, tmp_path: Path, content: str
) -> None:
    errors = _rejected(tmp_path, "persons.json", content)
    assert len(errors) == 1
    assert errors[0].startswith("文件：")


def test_every_file_of_a_kind_in_a_directory_is_imported(app: Flask, tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    shutil.copytree(GOOD, exports)
    persons = (exports / "persons.csv").read_text(encoding="utf-8-sig").splitlines()
    (exports / "persons.csv").unlink()
    (exports / "persons.part1.csv").write_text("\n".join(persons[:2]) + "\n", encoding="utf-8")
    (exports / "persons.part2.csv").write_text("\n".join([persons[0], persons[2]]) + "\n", encoding="utf-8")
    with unit_of_work() as session:
        results = import_path(session, exports, operator="clerk")
    assert [r.file_name for r in results if r.kind == "persons"] == ["persons.part1.csv", "persons.part2.csv"]
    with unit_of_work() as session:
        assert _count(session, Person) == 2


def test_a_directory_with_a_file_of_unknown_kind_is_refused_whole(app: Flask, tmp_path: Path) -> None:
    shutil.copytree(GOOD, tmp_path / "exports")
    (tmp_path / "exports" / "person.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught, unit_of_work() as session:
        import_path(session, tmp_path / "exports", operator="clerk")
    assert "person.csv" in str(caught.value.errors[0])
    with unit_of_work() as session:
        assert _count(session, Person) == 0


def test_an_import_while_another_runs_is_refused(app: Flask) -> None:
    from miniapp_api.extensions import redis_store

    held = redis_store().lock("records-import", timeout_s=30)
    assert held.acquire()
    try:
        result = run_cli(app, "import", str(GOOD), "--wait", "0.2")
    finally:
        held.release()
    assert result.exit_code == 1
    assert "另一个导入正在进行" in result.output


def test_the_import_command_masks_personal_data_in_its_error_list(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "persons.csv"
    path.write_text(f"{MAN},王建国\n{MAN},王建国\n", encoding="utf-8")  # no header: row 1 is taken as one
    result = run_cli(app, "import", str(path))
    assert result.exit_code == 1
    assert MAN not in result.output


def test_a_name_that_could_run_as_a_spreadsheet_formula_is_refused(app: Flask, tmp_path: Path) -> None:
    """Names reach the bank file and the medical-insurance list; one once imported as
    =HYPERLINK(…) would have gone out with a quote mark added to it."""
    path = _persons_csv(
        tmp_path,
        f'{MAN},"=HYPERLINK(""http://evil.example"",""核对"")",男,1968-03-09,male_60,,130200,,,',
        f"{make_id_number('130203', dt.date(1975, 1, 20), 12)},@SUM(1+9),女,1975-01-20,female_50,,130200,,,",
    )
    with pytest.raises(ImportRejected) as caught, unit_of_work() as session:
        import_path(session, path, operator="clerk")
    names = [(error.row, error.column) for error in caught.value.errors if error.column == "name"]
    assert names == [(2, "name"), (3, "name")]
    assert "汉字、字母和间隔号" in caught.value.errors[0].message
    for fine in ("王建国", "阿依古丽·买买提", "Smith John", "𠀾明"):
        assert f.PersonName().deserialize(fine) == fine
