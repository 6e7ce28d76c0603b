"""稳岗返还's records arrive through the records import: the monthly ledger, size classes, the credit
lists, dispatch relations and corporate accounts; a file with any bad row imports nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from miniapp_api.db import unit_of_work
from miniapp_api.records.importer import ImportRejected, import_path
from miniapp_api.refunds.models import (
    CorporateAccount,
    CreditListing,
    DispatchRelation,
    EmployerProfile,
    LedgerMonth,
)
from tests.conftest import FIXTURES

GOOD = FIXTURES / "import_ok"
HONGDA = "9113020312345678XL"  # 唐山宏达机械制造有限公司, in the fixtures
LIMIN = "9115220187654321XN"


def _write(directory: Path, name: str, *lines: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _employers() -> None:
    with unit_of_work() as session:
        import_path(session, GOOD / "regions.csv", operator="clerk")
        import_path(session, GOOD / "employers.csv", operator="clerk")


def test_the_refunds_records_land_from_a_directory_of_exports(app: Flask, tmp_path: Path) -> None:
    _employers()
    exports = tmp_path / "exports"
    _write(
        exports,
        "employer_ledger.csv",
        "credit_code,month,amount_due,amount_paid,arrears,insured_headcount",
        f"{HONGDA},2025-01,1000.00,1000.00,0,50",
        f"{HONGDA},2025-02,1000.00,600.00,400.00,49",
    )
    _write(
        exports,
        "employer_sizes.csv",
        "credit_code,size_class,size_source,public_body",
        f"{HONGDA},small_micro,工信部划型,否",
    )
    _write(
        exports,
        "credit_listings.csv",
        "credit_code,list_kind,listed_on,removed_on,source",
        "9137150012345678X3,serious_dishonesty,2025-05-01,,信用中国（某法院）",
    )
    _write(
        exports,
        "dispatch_relations.csv",
        "agency_credit_code,user_credit_code,from_month,to_month",
        f"{LIMIN},{HONGDA},2024-01,",
    )
    _write(
        exports,
        "corporate_accounts.csv",
        "credit_code,bank_name,account_name,account_number",
        f"{HONGDA},中国建设银行唐山分行,唐山宏达机械制造有限公司,13050161540800001234",
    )
    with unit_of_work() as session:
        results = import_path(session, exports, operator="clerk")
    assert sorted(result.kind for result in results) == [
        "corporate_accounts",
        "credit_listings",
        "dispatch_relations",
        "employer_ledger",
        "employer_sizes",
    ]
    with unit_of_work() as session:
        months = session.scalars(select(LedgerMonth).order_by(LedgerMonth.month)).all()
        assert [(m.amount_paid, m.arrears, m.insured_headcount) for m in months] == [
            (Decimal("1000.00"), Decimal("0.00"), 50),
            (Decimal("600.00"), Decimal("400.00"), 49),
        ]
        profile = session.scalars(select(EmployerProfile)).one()
        assert (profile.size_class, profile.public_body) == ("small_micro", False)
        assert session.scalar(select(func.count()).select_from(CreditListing)) == 1
        assert session.scalar(select(func.count()).select_from(DispatchRelation)) == 1
        account = session.scalars(select(CorporateAccount)).one()
        assert account.account_number == "13050161540800001234"
        assert account.source == "records"


def test_a_ledger_file_with_bad_rows_imports_nothing_and_names_each(app: Flask, tmp_path: Path) -> None:
    _employers()
    path = _write(
        tmp_path,
        "employer_ledger.csv",
        "credit_code,month,amount_due,amount_paid,arrears,insured_headcount",
        f"{HONGDA},2025-01,1000.00,1000.00,0,50",
        "91130203MA0XXXXX00,2025-01,1000.00,1000.00,0,50",
        f"{HONGDA},2025-13,1000.00,1000.00,0,50",
        f"{HONGDA},2025-03,-5,1000.00,0,50",
        f"{HONGDA},2025-01,1000.00,1000.00,0,50",
    )
    with pytest.raises(ImportRejected) as caught, unit_of_work() as session:
        import_path(session, path, operator="clerk")
    found = {(error.row, error.column) for error in caught.value.errors}
    assert {(4, "month"), (5, "amount_due"), (6, "")} <= found
    assert any(error.row == 3 for error in caught.value.errors)  # an unknown or malformed credit code
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(LedgerMonth)) == 0


def test_an_account_number_that_is_not_digits_and_a_dispatch_to_itself_are_refused(app: Flask, tmp_path: Path) -> None:
    _employers()
    accounts = _write(
        tmp_path,
        "corporate_accounts.csv",
        "credit_code,bank_name,account_name,account_number",
        f"{HONGDA},中国建设银行唐山分行,唐山宏达机械制造有限公司,1305-ABC",
    )
    dispatch = _write(
        tmp_path,
        "dispatch_relations.csv",
        "agency_credit_code,user_credit_code,from_month,to_month",
        f"{HONGDA},{HONGDA},2024-01,",
    )
    for path, column in ((accounts, "account_number"), (dispatch, "user_credit_code")):
        with pytest.raises(ImportRejected) as caught, unit_of_work() as session:
            import_path(session, path, operator="clerk")
        assert [(error.row, error.column) for error in caught.value.errors] == [(2, column)]
