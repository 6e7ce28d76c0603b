"""Importing the provincial system's exports: whole files land, bad files land not at all."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miniapp_api.cli import main
from miniapp_api.db import unit_of_work
from miniapp_api.identifiers import make_id_number
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
from tests.conftest import FIXTURES

GOOD = FIXTURES / "import_ok"
MAN = make_id_number("130203", dt.date(1968, 3, 9), 11)


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


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
    result = _cli(app, "import", str(path), "--operator", "clerk")
    assert result.exit_code == 1
    assert "导入失败，未写入任何数据" in result.output
    assert "第2行 region_code：统筹地区不存在" in result.output


def test_the_import_command_reports_what_it_wrote(app: Flask) -> None:
    result = _cli(app, "import", str(GOOD))
    assert result.exit_code == 0, result.output
    assert "persons.csv: persons 新增 2 行，更新 0 行" in result.output


def test_a_file_whose_name_says_no_kind_is_refused(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = _cli(app, "import", str(path))
    assert result.exit_code == 1
    assert "无法从文件名判断数据类别" in result.output
