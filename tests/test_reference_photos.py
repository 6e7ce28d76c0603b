"""Reference photos come into the records by ID number, one usable face each, encrypted."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from flask import Flask
from sqlalchemy import select, text

from miniapp_api.db import unit_of_work
from miniapp_api.records.models import PersonPhoto
from miniapp_api.safety.models import CheckItem
from tests import factories
from tests.cli_helpers import run_cli

FACES = Path(__file__).parent / "fixtures" / "faces"


def a_person() -> str:
    with unit_of_work() as session:
        return factories.person(session, name="米兰达").id_number


def test_photos_named_by_id_number_are_stored_encrypted_with_their_encoding(app: Flask, tmp_path: Path) -> None:
    id_number = a_person()
    shutil.copy(FACES / "miranda_1.png", tmp_path / f"{id_number}.png")
    result = run_cli(app, "import-photos", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "新增 1 张" in result.output
    with unit_of_work() as session:
        photo = session.scalars(select(PersonPhoto)).one()
        assert photo.content == (FACES / "miranda_1.png").read_bytes()
        assert photo.encoding is not None and len(photo.encoding) == 128 * 8
        raw = bytes(session.execute(text("SELECT content FROM person_photos")).scalar_one())
        assert raw[1:200] != photo.content[:199] and b"PNG" not in raw[:64]


def test_a_bad_photo_refuses_the_whole_directory_naming_each_problem(app: Flask, tmp_path: Path) -> None:
    good, crowd = a_person(), factories.make_id_number("130203", dt.date(1990, 1, 1), 5)
    shutil.copy(FACES / "miranda_1.png", tmp_path / f"{good}.png")
    shutil.copy(FACES / "two_people.jpg", tmp_path / "not-an-id.jpg")
    shutil.copy(FACES / "obama_1.jpg", tmp_path / f"{crowd}.jpg")
    result = run_cli(app, "import-photos", str(tmp_path))
    assert result.exit_code == 1
    assert "文件名应为身份证号码" in result.output
    assert "没有这个身份证号码的参保记录" in result.output
    assert crowd not in result.output  # ID numbers are masked in the report
    with unit_of_work() as session:
        assert session.scalars(select(PersonPhoto)).all() == []


def test_one_face_imported_for_several_identities_opens_a_check_item_for_each(app: Flask, tmp_path: Path) -> None:
    """The same photo under four ID numbers (one imported earlier), and a stranger."""
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(FACES / "obama_1.jpg", first / f"{a_person()}.jpg")
    assert run_cli(app, "import-photos", str(first)).exit_code == 0
    later = tmp_path / "later"
    later.mkdir()
    for _ in range(3):
        shutil.copy(FACES / "obama_1.jpg", later / f"{a_person()}.jpg")
    shutil.copy(FACES / "leslie_1.jpg", later / f"{a_person()}.jpg")
    result = run_cli(app, "import-photos", str(later))
    assert result.exit_code == 0, result.output
    with unit_of_work() as session:
        items = session.scalars(select(CheckItem).where(CheckItem.kind == "shared_face")).all()
        sharing = {item.person_id for item in items}
    assert len(sharing) == 4  # the four with the one photo, not the stranger
    assert len(items) == 12  # six pairs, an item for each of the two
    assert all(item.evidence["distance"] < 0.4 and "*" in item.evidence["other_person"] for item in items)
