"""An employer with a contact and insured workers, and the filing forms it uploads."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from werkzeug.test import EnvironBuilder

from miniapp_api.db import unit_of_work
from miniapp_api.employers.spreadsheet import COLUMNS
from miniapp_api.records.demo import seed_regions
from miniapp_api.records.models import Region
from tests import factories
from tests.auth_helpers import bearer

CONTACT_PHONE = "13800000001"
NAMES = ("张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十")


def employer_with_workers(count: int, *, region_code: str = "130200") -> dict[str, Any]:
    """An employer that has paid for `count` workers since 2018 (still paying: not yet filed)."""
    with unit_of_work() as session:
        if session.get(Region, "130200") is None:
            seed_regions(session)
        firm = factories.employer(session, region_code=region_code, name="唐山示范机械制造有限公司")
        factories.contact(session, firm, phone=CONTACT_PHONE)
        workers = []
        for index in range(count):
            person = factories.person(session, name=NAMES[index % len(NAMES)], region_code=region_code)
            factories.contribution(session, person, firm, dt.date(2018, 3, 1), None)
            workers.append({"id": person.id, "name": person.name, "id_number": person.id_number, "sex": person.sex})
        return {"id": firm.id, "credit_code": firm.credit_code, "workers": workers}


def form_rows(
    workers: list[dict[str, Any]], separated_on: str = "2026-11-13", reason: str = "经济性裁员"
) -> list[list[str]]:
    return [
        [
            str(index),
            worker["name"],
            "男" if worker["sex"] == "M" else "女",
            worker["id_number"],
            "6212260000138001383",
            "2018-03",
            separated_on,
            reason,
            "",
        ]
        for index, worker in enumerate(workers, start=1)
    ]


def xlsx(rows: list[list[Any]], header: tuple[str, ...] = COLUMNS, *, merge: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[Any]], header: tuple[str, ...] = COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def upload_form(client: Any, tokens: dict[str, Any], content: bytes, name: str = "备案表.xlsx", **query: Any) -> Any:
    suffix = "?good_rows_only=true" if query.get("good_rows_only") else ""
    return post_file(client, f"/api/v1/employer/filings/form{suffix}", tokens, content, name)


def post_file(client: Any, path: str, tokens: dict[str, Any], content: bytes, name: str) -> Any:
    """POST one file in the multipart field `file`, as the mini-program and staff pages do."""
    builder = EnvironBuilder(
        path=path,
        method="POST",
        data={"file": (io.BytesIO(content), name)},
        headers=bearer(tokens),
        content_type="multipart/form-data",
    )
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        # The test client spools a large body to a temporary file and leaves it open.
        environ["wsgi.input"].close()
        builder.close()
