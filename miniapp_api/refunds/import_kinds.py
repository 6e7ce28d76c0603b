"""The job-retention refund's records (稳岗返还) as `miniapp import` kinds: the employer's monthly
ledger, its size class, the credit lists, dispatch relations and corporate accounts."""

from __future__ import annotations

from typing import Any

from miniapp_api.pii import cipher
from miniapp_api.records import import_rows as rows
from miniapp_api.records.import_context import Context, Kind, needs, upsert
from miniapp_api.refunds.models import (
    CorporateAccount,
    CreditListing,
    DispatchRelation,
    EmployerProfile,
    LedgerMonth,
)


def _write_ledger(ctx: Context, data: dict[str, Any]) -> bool:
    key = {"employer_id": ctx.employers[data.pop("credit_code")], "month": data.pop("month")}
    return upsert(ctx.session, LedgerMonth, key, data)


def _write_size(ctx: Context, data: dict[str, Any]) -> bool:
    key = {"employer_id": ctx.employers[data.pop("credit_code")]}
    return upsert(ctx.session, EmployerProfile, key, data)


def _write_listing(ctx: Context, data: dict[str, Any]) -> bool:
    key = {name: data[name] for name in ("credit_code", "list_kind", "listed_on")}
    return upsert(ctx.session, CreditListing, key, {"removed_on": data["removed_on"], "source": data["source"]})


def _write_dispatch(ctx: Context, data: dict[str, Any]) -> bool:
    key = {
        "agency_id": ctx.employers[data["agency_credit_code"]],
        "user_employer_id": ctx.employers[data["user_credit_code"]],
        "from_month": data["from_month"],
    }
    return upsert(ctx.session, DispatchRelation, key, {"to_month": data["to_month"]})


def _write_account(ctx: Context, data: dict[str, Any]) -> bool:
    number = data["account_number"]
    values = {
        "bank_name": data["bank_name"],
        "account_name": data["account_name"],
        "account_number": number,
        "account_hash": cipher().keyed_hash(number, "corporate_account.number"),
        "source": "records",
    }
    return upsert(ctx.session, CorporateAccount, {"employer_id": ctx.employers[data["credit_code"]]}, values)


def _dispatch_needs(ctx: Context, data: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (column, "用人单位不存在，请先导入 employers")
        for column in ("agency_credit_code", "user_credit_code")
        if data[column] not in ctx.employers
    ]


# After the employers they name, in dependency order.
REFUND_KINDS = (
    Kind(
        "employer_ledger",
        rows.LedgerRow,
        lambda d: (d["credit_code"], d["month"]),
        lambda c, d: needs(c, d, "credit_code"),
        _write_ledger,
    ),
    Kind(
        "employer_sizes",
        rows.EmployerSizeRow,
        lambda d: (d["credit_code"],),
        lambda c, d: needs(c, d, "credit_code"),
        _write_size,
    ),
    # The lists name enterprises wherever they are insured, or not at all: no reference to check.
    Kind(
        "credit_listings",
        rows.CreditListingRow,
        lambda d: (d["credit_code"], d["list_kind"], d["listed_on"]),
        lambda c, d: [],
        _write_listing,
    ),
    Kind(
        "dispatch_relations",
        rows.DispatchRow,
        lambda d: (d["agency_credit_code"], d["user_credit_code"], d["from_month"]),
        _dispatch_needs,
        _write_dispatch,
    ),
    Kind(
        "corporate_accounts",
        rows.CorporateAccountRow,
        lambda d: (d["credit_code"],),
        lambda c, d: needs(c, d, "credit_code"),
        _write_account,
    ),
)
