"""Every endpoint × every kind of caller × their own and someone else's records.

The table below must name every route the app has: a new endpoint fails this test until its
row says who may call it. Someone else's record is "not found" (404), never a 403 that would
confirm it exists, and no refusal carries the record's data.

Every staff role is tried twice: as a province-wide account (the table's column) and as an
account of another region than the records' (`role@elsewhere`): what the table allows the
province-wide role on a given record, the other region's gets as "not found"; lists answer,
with nothing of the records' region in them; REGIONAL names what differs beyond that.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from miniapp_api.audit.models import AuditEvent
from miniapp_api.db import unit_of_work
from notifications.standins.sms_server import SmsStandIn
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer
from tests.callers_helpers import CALLERS, ELSEWHERE, caller_world

PUBLIC = dict.fromkeys(CALLERS, 200)
ANY_LOGIN = {**dict.fromkeys(CALLERS, 200), "anonymous": 401}
CLAIMANT_ONLY = {**dict.fromkeys(CALLERS, 403), "anonymous": 401, "claimant": 200}
STAFF_ONLY = {**dict.fromkeys(CALLERS, 403), "anonymous": 401}
CLAIM_READERS = {**STAFF_ONLY, "reviewer": 200, "auditor": 200, "admin": 200}
OBJECTION_READERS = {**CLAIM_READERS, "handler": 200, "supervisor": 200}
# Any WeChat user of the mini-program; an employer signed in by SMS code has none (403).
WECHAT_USERS = {**dict.fromkeys(CALLERS, 403), "anonymous": 401, "claimant": 200, "claimant_unbound": 200}
EMPLOYER_ONLY = {**dict.fromkeys(CALLERS, 403), "anonymous": 401, "employer": 200}
STAFF_CALLERS = ("handler", "reviewer", "supervisor", "finance", "auditor", "admin")
ALL_STAFF = {**STAFF_ONLY, **dict.fromkeys(STAFF_CALLERS, 200)}

# (method, route as in url_map, concrete path, body) → expected status per caller.
# "{own}" / "{other}" in a path are the caller's own record and someone else's.
MATRIX: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("GET", "/healthz", "/healthz", None, PUBLIC),
    ("GET", "/openapi.json", "/openapi.json", None, PUBLIC),
    ("GET", "/docs", "/docs", None, PUBLIC),
    ("GET", "/docs/assets/<path:filename>", "/docs/assets/swagger-ui.css", None, PUBLIC),
    # The mobile pages: files anyone may load; what they show comes from the API, checked above.
    ("GET", "/m/", "/m/", None, PUBLIC),
    ("GET", "/m/<path:asset>", "/m/app.js", None, PUBLIC),
    # Development only (404 in production): the stand-ins' wx.login code and a phone's texts.
    ("POST", "/m/dev/wx-login", "/m/dev/wx-login", {}, PUBLIC),
    ("GET", "/m/dev/inbox", "/m/dev/inbox?phone=13900000009", None, PUBLIC),
    # The page's stand-in for WeChat's own sheets: only a signed-in WeChat user has a popup to answer.
    ("POST", "/m/dev/subscribe", "/m/dev/subscribe", {"results": {"claim-progress-subscribe": "reject"}},
     {**dict.fromkeys(CALLERS, 404), "anonymous": 401, "claimant_unbound": 200, "claimant": 200}),
    ("POST", "/m/dev/phone-code", "/m/dev/phone-code", {"phone": "13900000009"}, PUBLIC),
    ("POST", "/m/dev/facial-outcome", "/m/dev/facial-outcome", {"verify_ret": 10000}, PUBLIC),
    ("GET", "/api/v1/regions", "/api/v1/regions", None, PUBLIC),
    ("GET", "/api/v1/regions/<string:code>/parameters", "/api/v1/regions/130200/parameters", None, PUBLIC),
    ("POST", "/api/v1/identifiers/id-number/check", "/api/v1/identifiers/id-number/check",
     {"id_number": "11010519491231002X"}, PUBLIC),
    ("POST", "/api/v1/identifiers/credit-code/check", "/api/v1/identifiers/credit-code/check",
     {"credit_code": "91350100M000100Y43"}, PUBLIC),
    ("GET", "/api/v1/benefits/separation-reasons", "/api/v1/benefits/separation-reasons", None, PUBLIC),
    ("POST", "/api/v1/benefits/estimate", "/api/v1/benefits/estimate",
     {"region": "999999", "birth_date": "1980-01-01", "sex": "male", "contribution_months": 20,
      "separation_date": "2026-01-31", "separation_reason": "contract_expired"}, dict.fromkeys(CALLERS, 422)),
    # Provider callbacks authenticate with their shared token, not a bearer token.
    ("POST", "/api/v1/notifications/receipts/<string:provider>", "/api/v1/notifications/receipts/aliyun",
     [], dict.fromkeys(CALLERS, 401)),
    # WeChat's pushes authenticate with WeChat's signature, not a bearer token.
    ("GET", "/api/v1/wechat/push", "/api/v1/wechat/push", None, dict.fromkeys(CALLERS, 422)),
    ("POST", "/api/v1/wechat/push", "/api/v1/wechat/push", {}, dict.fromkeys(CALLERS, 422)),
    # Any WeChat user of the mini-program, bound to a person or not.
    ("GET", "/api/v1/wechat/subscriptions", "/api/v1/wechat/subscriptions", None, WECHAT_USERS),
    ("POST", "/api/v1/wechat/subscriptions", "/api/v1/wechat/subscriptions",
     {"results": {"claim-progress-subscribe": "reject"}}, WECHAT_USERS),
    ("POST", "/api/v1/auth/wechat/login", "/api/v1/auth/wechat/login", {"code": "not-issued"},
     dict.fromkeys(CALLERS, 401)),
    ("POST", "/api/v1/auth/identity", "/api/v1/auth/identity", {"id_number": "11010519491231002X", "name": "某"},
     {"anonymous": 401, "claimant_unbound": 422, "claimant": 422, "employer": 403, "handler": 403,
      "reviewer": 403, "supervisor": 403, "finance": 403, "auditor": 403, "admin": 403}),
    # A fresh phone per caller: codes to one phone are limited to one a minute.
    ("POST", "/api/v1/auth/employer/code", "/api/v1/auth/employer/code",
     lambda caller: {"credit_code": "91350100M000100Y43", "phone": f"137{CALLERS.index(caller):08d}"},
     dict.fromkeys(CALLERS, 202)),
    # Fresh names too: five failures lock a phone or a username.
    ("POST", "/api/v1/auth/employer/login", "/api/v1/auth/employer/login",
     lambda caller: {"credit_code": "91350100M000100Y43", "phone": f"136{CALLERS.index(caller):08d}",
                     "code": "123456"}, dict.fromkeys(CALLERS, 401)),
    ("POST", "/api/v1/auth/staff/login", "/api/v1/auth/staff/login",
     lambda caller: {"username": f"nobody{CALLERS.index(caller)}", "password": "x", "code": "000000"},
     dict.fromkeys(CALLERS, 401)),
    ("POST", "/api/v1/auth/employer/wechat", "/api/v1/auth/employer/wechat", {"code": "not-issued"},
     {**EMPLOYER_ONLY, "employer": 401}),  # a code WeChat never issued
    ("POST", "/api/v1/auth/employer/wechat/login", "/api/v1/auth/employer/wechat/login",
     {"code": "not-issued", "credit_code": "91350100M000100Y43"}, dict.fromkeys(CALLERS, 401)),
    ("POST", "/api/v1/auth/employer/wechat/phone-login", "/api/v1/auth/employer/wechat/phone-login",
     {"code": "not-issued", "phone_code": "x", "credit_code": "91350100M000100Y43"}, dict.fromkeys(CALLERS, 401)),
    ("POST", "/api/v1/auth/staff/wechat", "/api/v1/auth/staff/wechat", {"code": "not-issued"},
     {**ALL_STAFF, **dict.fromkeys(STAFF_CALLERS, 401), **{f"{r}@elsewhere": 401 for r in STAFF_CALLERS}}),
    ("POST", "/api/v1/auth/refresh", "/api/v1/auth/refresh", {"refresh_token": "rt_not-a-real-token"},
     dict.fromkeys(CALLERS, 401)),
    ("GET", "/api/v1/auth/me", "/api/v1/auth/me", None, ANY_LOGIN),
    ("GET", "/api/v1/messages", "/api/v1/messages", None,
     {"anonymous": 401, "claimant_unbound": 403, "claimant": 200, "employer": 200, "handler": 403,
      "reviewer": 403, "supervisor": 403, "finance": 403, "auditor": 403, "admin": 403}),
    ("GET", "/api/v1/messages/<string:message_id>", "/api/v1/messages/{own}", None,
     {"anonymous": 401, "claimant_unbound": 403, "claimant": 200, "employer": 200, "handler": 200,
      "reviewer": 403, "supervisor": 403, "finance": 403, "auditor": 200, "admin": 200}),
    ("GET", "/api/v1/messages/<string:message_id>", "/api/v1/messages/{other}", None,
     {"anonymous": 401, "claimant_unbound": 403, "claimant": 404, "employer": 404, "handler": 200,
      "reviewer": 403, "supervisor": 403, "finance": 403, "auditor": 200, "admin": 200}),
    ("GET", "/api/v1/staff/messages", "/api/v1/staff/messages?phone=13900000001", None,
     {"anonymous": 401, "claimant_unbound": 403, "claimant": 403, "employer": 403, "handler": 200,
      "reviewer": 403, "supervisor": 403, "finance": 403, "auditor": 200, "admin": 200}),
    # The matrix's claimant has no reference photo in the records: the counter service instead.
    ("POST", "/api/v1/liveness/challenges", "/api/v1/liveness/challenges", {"consent": True},
     {"anonymous": 401, "claimant_unbound": 403, "claimant": 409, "employer": 403, "handler": 403,
      "reviewer": 403, "supervisor": 403, "finance": 403, "auditor": 403, "admin": 403}),
    # Recovering a taken identity starts before binding: any WeChat account may ask (the
    # matrix's claimants give a wrong name, answered as the binding answers it).
    ("POST", "/api/v1/liveness/identity-challenges", "/api/v1/liveness/identity-challenges",
     {"id_number": "11010519491231002X", "name": "某", "consent": True},
     {**STAFF_ONLY, "claimant_unbound": 422, "claimant": 422, "employer": 403}),
    ("POST", "/api/v1/liveness/challenges/<string:challenge_id>/response",
     "/api/v1/liveness/challenges/0123456789abcdef0123456789abcdef/response", None,
     {"anonymous": 401, "claimant_unbound": 404, "claimant": 404, "employer": 403, "handler": 403,
      "reviewer": 403, "supervisor": 403, "finance": 403, "auditor": 403, "admin": 403}),
    ("POST", "/api/v1/liveness/challenges/<string:challenge_id>/wechat-result",
     "/api/v1/liveness/challenges/0123456789abcdef0123456789abcdef/wechat-result", None,
     {**STAFF_ONLY, "claimant_unbound": 404, "claimant": 404, "employer": 403}),
    ("POST", "/api/v1/liveness/decline", "/api/v1/liveness/decline", None,
     {"anonymous": 401, "claimant_unbound": 403, "claimant": 200, "employer": 403, "handler": 403,
      "reviewer": 403, "supervisor": 403, "finance": 403, "auditor": 403, "admin": 403}),
    ("GET", "/api/v1/claims/prefill", "/api/v1/claims/prefill", None, CLAIMANT_ONLY),
    ("GET", "/api/v1/claims/draft", "/api/v1/claims/draft", None, {**CLAIMANT_ONLY, "claimant": 404}),
    ("PUT", "/api/v1/claims/draft", "/api/v1/claims/draft", {"contact_address": "某地"}, CLAIMANT_ONLY),
    ("DELETE", "/api/v1/claims/draft", "/api/v1/claims/draft", None, {**CLAIMANT_ONLY, "claimant": 204}),
    ("GET", "/api/v1/claims", "/api/v1/claims", None, CLAIMANT_ONLY),
    # The matrix's claimant is bound but not face-verified.
    ("POST", "/api/v1/claims", "/api/v1/claims", {}, {**CLAIMANT_ONLY, "claimant": 403}),
    ("GET", "/api/v1/claims/<int:claim_id>", "/api/v1/claims/{own_claim}", None, CLAIMANT_ONLY),
    ("GET", "/api/v1/claims/<int:claim_id>", "/api/v1/claims/{other_claim}", None, {**CLAIMANT_ONLY, "claimant": 404}),
    ("GET", "/api/v1/claims/<int:claim_id>/events", "/api/v1/claims/{own_claim}/events", None, CLAIMANT_ONLY),
    ("GET", "/api/v1/claims/<int:claim_id>/events", "/api/v1/claims/{other_claim}/events", None,
     {**CLAIMANT_ONLY, "claimant": 404}),
    ("GET", "/api/v1/claims/<int:claim_id>/receipt.pdf", "/api/v1/claims/{own_claim}/receipt.pdf", None,
     CLAIMANT_ONLY),
    ("GET", "/api/v1/claims/<int:claim_id>/receipt.pdf", "/api/v1/claims/{other_claim}/receipt.pdf", None,
     {**CLAIMANT_ONLY, "claimant": 404}),
    ("POST", "/api/v1/claims/<int:claim_id>/lump-sum", "/api/v1/claims/{own_claim}/lump-sum",
     {"business_credit_code": "91350100M000100Y43"}, {**CLAIMANT_ONLY, "claimant": 403}),
    ("POST", "/api/v1/claims/<int:claim_id>/rating", "/api/v1/claims/{other_claim}/rating", {"score": 5},
     {**CLAIMANT_ONLY, "claimant": 404}),
    ("POST", "/api/v1/claims/<int:claim_id>/rating", "/api/v1/claims/{own_claim}/rating", {"score": 5},
     {**CLAIMANT_ONLY, "claimant": 201}),
    ("GET", "/api/v1/staff/claims", "/api/v1/staff/claims", None, CLAIM_READERS),
    ("GET", "/api/v1/staff/claims/<int:claim_id>", "/api/v1/staff/claims/{other_claim}", None, CLAIM_READERS),
    # A decided claim: the reviewer may decide, but not twice.
    ("POST", "/api/v1/staff/claims/<int:claim_id>/approve", "/api/v1/staff/claims/{other_claim}/approve",
     {"note": "核实"}, {**STAFF_ONLY, "reviewer": 409}),
    ("POST", "/api/v1/staff/claims/<int:claim_id>/reject", "/api/v1/staff/claims/{other_claim}/reject",
     {"reason_codes": ["REEMPLOYED"], "note": "核实"}, {**STAFF_ONLY, "reviewer": 409}),
    ("GET", "/api/v1/staff/ratings", "/api/v1/staff/ratings", None, OBJECTION_READERS),
    ("GET", "/api/v1/objections", "/api/v1/objections", None, CLAIMANT_ONLY),
    ("POST", "/api/v1/objections", "/api/v1/objections", {}, {**CLAIMANT_ONLY, "claimant": 422}),
    ("POST", "/api/v1/objections/images", "/api/v1/objections/images", None, {**CLAIMANT_ONLY, "claimant": 422}),
    ("GET", "/api/v1/objections/<int:objection_id>", "/api/v1/objections/{own_objection}", None, CLAIMANT_ONLY),
    ("GET", "/api/v1/objections/<int:objection_id>", "/api/v1/objections/{other_objection}", None,
     {**CLAIMANT_ONLY, "claimant": 404}),
    ("POST", "/api/v1/objections/<int:objection_id>/supplement", "/api/v1/objections/{other_objection}/supplement",
     {"text": "补充"}, {**CLAIMANT_ONLY, "claimant": 404}),
    ("POST", "/api/v1/objections/<int:objection_id>/supplement", "/api/v1/objections/{own_objection}/supplement",
     {"text": "补充"}, {**CLAIMANT_ONLY, "claimant": 409}),
    ("POST", "/api/v1/objections/<int:objection_id>/rating", "/api/v1/objections/{other_objection}/rating",
     {"score": 5}, {**CLAIMANT_ONLY, "claimant": 404}),
    ("POST", "/api/v1/objections/<int:objection_id>/rating", "/api/v1/objections/{own_objection}/rating",
     {"score": 5}, {**CLAIMANT_ONLY, "claimant": 409}),
    ("GET", "/api/v1/staff/objections", "/api/v1/staff/objections", None, OBJECTION_READERS),
    ("GET", "/api/v1/staff/objections/report", "/api/v1/staff/objections/report", None, OBJECTION_READERS),
    ("GET", "/api/v1/staff/objections/<int:objection_id>", "/api/v1/staff/objections/{other_objection}", None,
     OBJECTION_READERS),
    ("GET", "/api/v1/staff/objections/<int:objection_id>/images/<int:attachment_id>",
     "/api/v1/staff/objections/{other_objection}/images/999999", None,
     {**STAFF_ONLY, "handler": 404, "reviewer": 404, "supervisor": 404}),
    # In this order: the handler takes the objection, asks for more, and cannot then answer it.
    ("POST", "/api/v1/staff/objections/<int:objection_id>/assign", "/api/v1/staff/objections/{other_objection}/assign",
     {}, {**STAFF_ONLY, "handler": 200}),
    ("POST", "/api/v1/staff/objections/<int:objection_id>/request-info",
     "/api/v1/staff/objections/{other_objection}/request-info", {"request": "请补充解除协议"},
     {**STAFF_ONLY, "handler": 200}),
    ("POST", "/api/v1/staff/objections/<int:objection_id>/accept", "/api/v1/staff/objections/{other_objection}/accept",
     {"answer": "成立"}, {**STAFF_ONLY, "handler": 409}),
    ("POST", "/api/v1/staff/objections/<int:objection_id>/reject", "/api/v1/staff/objections/{other_objection}/reject",
     {"reason_code": "RECORD_VERIFIED", "answer": "无误"}, {**STAFF_ONLY, "handler": 409}),
    ("GET", "/api/v1/staff/corrections", "/api/v1/staff/corrections", None, {**OBJECTION_READERS, "handler": 403}),
    ("POST", "/api/v1/staff/corrections/<int:correction_id>/approve", "/api/v1/staff/corrections/999999/approve",
     {"note": "同意"}, {**STAFF_ONLY, "reviewer": 404}),
    ("POST", "/api/v1/staff/corrections/<int:correction_id>/decline", "/api/v1/staff/corrections/999999/decline",
     {"note": "不同意"}, {**STAFF_ONLY, "reviewer": 404}),
    ("POST", "/api/v1/employer/filings", "/api/v1/employer/filings", {}, {**EMPLOYER_ONLY, "employer": 422}),
    ("POST", "/api/v1/employer/filings/form", "/api/v1/employer/filings/form", None,
     {**EMPLOYER_ONLY, "employer": 422}),
    ("GET", "/api/v1/employer/duties", "/api/v1/employer/duties", None, EMPLOYER_ONLY),
    ("POST", "/api/v1/employer/duties/<int:duty_id>/acknowledge", "/api/v1/employer/duties/999999/acknowledge", None,
     {**EMPLOYER_ONLY, "employer": 404}),
    ("GET", "/api/v1/employer/duties/<int:duty_id>/notice.pdf", "/api/v1/employer/duties/999999/notice.pdf", None,
     {**EMPLOYER_ONLY, "employer": 404}),
    # The SMS link works without logging in; a forged one is "not found" for everyone.
    ("GET", "/api/v1/notices/<string:token>", "/api/v1/notices/forged.token", None, dict.fromkeys(CALLERS, 404)),
    ("GET", "/api/v1/verify/receipts/<string:code>", "/api/v1/verify/receipts/AAAA-BBBB-CCCC-DDDD", None,
     dict.fromkeys(CALLERS, 404)),
    ("GET", "/api/v1/notices/<string:token>/notice.pdf", "/api/v1/notices/forged.token/notice.pdf", None,
     dict.fromkeys(CALLERS, 404)),
    ("POST", "/api/v1/notices/<string:token>/acknowledge", "/api/v1/notices/forged.token/acknowledge", None,
     dict.fromkeys(CALLERS, 404)),
    ("GET", "/api/v1/staff/employer-compliance", "/api/v1/staff/employer-compliance", None, OBJECTION_READERS),
    ("GET", "/api/v1/staff/employer-compliance.csv", "/api/v1/staff/employer-compliance.csv", None,
     OBJECTION_READERS),
    ("GET", "/api/v1/staff/employer-duties/escalated", "/api/v1/staff/employer-duties/escalated", None,
     {**STAFF_ONLY, "handler": 200, "supervisor": 200, "admin": 200}),
    ("POST", "/api/v1/staff/employer-duties/<int:duty_id>/calls", "/api/v1/staff/employer-duties/999999/calls",
     {"outcome": "no_answer", "note": "无人接听"}, {**STAFF_ONLY, "handler": 404, "supervisor": 404}),
    ("GET", "/api/v1/staff/audit", "/api/v1/staff/audit", None, {**STAFF_ONLY, "auditor": 200, "admin": 200}),
    # A province-wide account names the region it runs; a regional one runs its own.
    ("POST", "/api/v1/finance/payment-runs", "/api/v1/finance/payment-runs", {"period": "2026-01"},
     {**STAFF_ONLY, "finance": 422}),
    ("GET", "/api/v1/finance/payment-runs/<int:run_id>", "/api/v1/finance/payment-runs/999999", None,
     {**STAFF_ONLY, "finance": 404, "auditor": 404}),
    ("GET", "/api/v1/finance/payment-runs/<int:run_id>/bank-file.csv",
     "/api/v1/finance/payment-runs/999999/bank-file.csv", None, {**STAFF_ONLY, "finance": 404}),
    ("GET", "/api/v1/finance/payment-runs/<int:run_id>/medical-remittance.csv",
     "/api/v1/finance/payment-runs/999999/medical-remittance.csv", None, {**STAFF_ONLY, "finance": 404}),
    ("POST", "/api/v1/finance/payment-runs/<int:run_id>/confirmation",
     "/api/v1/finance/payment-runs/999999/confirmation", None, {**STAFF_ONLY, "finance": 422}),
    # 稳岗返还: an enterprise's own refunds (someone else's id: 404); the region's staff review them.
    ("GET", "/api/v1/employer/refunds", "/api/v1/employer/refunds", None, EMPLOYER_ONLY),
    ("GET", "/api/v1/employer/refunds/<int:refund_id>", "/api/v1/employer/refunds/999999", None,
     {**EMPLOYER_ONLY, "employer": 404}),
    ("PUT", "/api/v1/employer/refunds/<int:refund_id>/account", "/api/v1/employer/refunds/999999/account",
     {"bank_name": "中国工商银行", "account_name": "某单位", "account_number": "1611000109000012345"},
     {**EMPLOYER_ONLY, "employer": 404}),
    ("POST", "/api/v1/employer/refunds/<int:refund_id>/confirm", "/api/v1/employer/refunds/999999/confirm", None,
     {**EMPLOYER_ONLY, "employer": 404}),
    ("POST", "/api/v1/employer/refunds/<int:refund_id>/objections", "/api/v1/employer/refunds/999999/objections",
     {"condition": "MONTHS_PAID", "description": "台账漏记了月份"}, {**EMPLOYER_ONLY, "employer": 404}),
    ("POST", "/api/v1/employer/refunds/<int:refund_id>/objections/<int:objection_id>/supplement",
     "/api/v1/employer/refunds/999999/objections/1/supplement", {"text": "补充"}, {**EMPLOYER_ONLY, "employer": 404}),
    # The records' region has no refund parameters set (422 PARAMETER_MISSING); another region's staff: 403.
    ("POST", "/api/v1/staff/refunds/screenings", "/api/v1/staff/refunds/screenings",
     {"policy_year": 2026, "region": "130200"},
     {**STAFF_ONLY, **dict.fromkeys(("reviewer", "supervisor", "admin"), 422)}),
    ("GET", "/api/v1/staff/refunds", "/api/v1/staff/refunds?policy_year=2026&region=130200", None,
     {**STAFF_ONLY, **dict.fromkeys(("handler", "reviewer", "supervisor", "auditor", "admin"), 200)}),
    ("GET", "/api/v1/staff/refunds/<int:refund_id>", "/api/v1/staff/refunds/999999", None,
     {**STAFF_ONLY, **dict.fromkeys(("handler", "reviewer", "supervisor", "auditor", "admin"), 404)}),
    ("POST", "/api/v1/staff/refunds/<int:refund_id>/decision", "/api/v1/staff/refunds/999999/decision",
     {"decision": "approve"},
     {**STAFF_ONLY, **dict.fromkeys(("reviewer", "supervisor", "admin"), 404)}),
    ("POST", "/api/v1/staff/refunds/notices", "/api/v1/staff/refunds/notices",
     {"policy_year": 2026, "region": "130200"},
     {**STAFF_ONLY, **dict.fromkeys(("reviewer", "supervisor", "admin"), 422)}),
    ("POST", "/api/v1/staff/refunds/<int:refund_id>/hold", "/api/v1/staff/refunds/999999/hold", {"reason": "来电反映"},
     {**STAFF_ONLY, **dict.fromkeys(("reviewer", "supervisor", "admin"), 404)}),
    # Paying refunds is the finance role's alone (409: nothing is payable yet).
    ("POST", "/api/v1/finance/refund-batches", "/api/v1/finance/refund-batches",
     {"policy_year": 2026, "region": "130200"}, {**STAFF_ONLY, "finance": 409}),
    ("GET", "/api/v1/finance/refund-batches/<int:batch_id>", "/api/v1/finance/refund-batches/999999", None,
     {**STAFF_ONLY, "finance": 404, "auditor": 404}),
    ("GET", "/api/v1/finance/refund-batches/<int:batch_id>/bank-file.csv",
     "/api/v1/finance/refund-batches/999999/bank-file.csv", None, {**STAFF_ONLY, "finance": 404}),
    ("POST", "/api/v1/finance/refund-batches/<int:batch_id>/confirmation",
     "/api/v1/finance/refund-batches/999999/confirmation", None, {**STAFF_ONLY, "finance": 422}),
    # The public notice: anyone (none here: 404).
    ("GET", "/refund-notices/<int:notice_id>", "/refund-notices/999999", None, dict.fromkeys(CALLERS, 404)),
    ("GET", "/refund-notices/<int:notice_id>.csv", "/refund-notices/999999.csv", None, dict.fromkeys(CALLERS, 404)),
    ("GET", "/api/v1/staff/recoveries", "/api/v1/staff/recoveries", None,
     {**STAFF_ONLY, "reviewer": 200, "supervisor": 200, "finance": 200, "auditor": 200, "admin": 200}),
    ("POST", "/api/v1/staff/recoveries/<int:item_id>/settlement", "/api/v1/staff/recoveries/999999/settlement",
     {"outcome": "recovered", "note": "已退回基金专户"}, {**STAFF_ONLY, "finance": 404, "supervisor": 403}),
    ("GET", "/api/v1/staff/checks", "/api/v1/staff/checks", None, {**OBJECTION_READERS}),
    ("GET", "/api/v1/staff/checks/<int:item_id>", "/api/v1/staff/checks/999999", None,
     {**STAFF_ONLY, "handler": 404, "reviewer": 404, "supervisor": 404, "auditor": 404, "admin": 404}),
    ("POST", "/api/v1/staff/checks/<int:item_id>/decision", "/api/v1/staff/checks/999999/decision",
     {"outcome": "cleared", "note": "核实无误"}, {**STAFF_ONLY, "reviewer": 404, "supervisor": 404}),
    ("POST", "/api/v1/staff/checks/<int:item_id>/hold", "/api/v1/staff/checks/999999/hold",
     {"note": "核实期间暂停"}, {**STAFF_ONLY, "reviewer": 404, "supervisor": 404}),
    ("POST", "/api/v1/staff/suspect-lists", "/api/v1/staff/suspect-lists", None,
     {**STAFF_ONLY, "reviewer": 422, "supervisor": 422}),
    # The calendar is national: every member of staff reads it; admins enter, a second admin or a supervisor decides.
    ("GET", "/api/v1/staff/calendar", "/api/v1/staff/calendar", None, ALL_STAFF),
    ("POST", "/api/v1/staff/calendar/years", "/api/v1/staff/calendar/years", None, {**STAFF_ONLY, "admin": 422}),
    ("GET", "/api/v1/staff/calendar/years/<int:record_id>", "/api/v1/staff/calendar/years/999999", None,
     {**STAFF_ONLY, **dict.fromkeys(STAFF_CALLERS, 404)}),
    ("POST", "/api/v1/staff/calendar/years/<int:record_id>/approve", "/api/v1/staff/calendar/years/999999/approve",
     {}, {**STAFF_ONLY, "supervisor": 404, "admin": 404}),
    ("POST", "/api/v1/staff/calendar/years/<int:record_id>/reject", "/api/v1/staff/calendar/years/999999/reject",
     {"note": "与通知不符"}, {**STAFF_ONLY, "supervisor": 404, "admin": 404}),
    ("GET", "/api/v1/staff/alerts", "/api/v1/staff/alerts", None, ALL_STAFF),
    # Last: logging out ends the caller's session.
    ("POST", "/api/v1/auth/logout", "/api/v1/auth/logout", None, {**ANY_LOGIN, **dict.fromkeys(CALLERS[1:], 204)}),
]  # fmt: skip


# What an account of another region gets where it differs from "not found" on the records'
# region and the province-wide role's answer elsewhere.
REGIONAL: dict[tuple[str, str], dict[str, int]] = {
    ("POST", "/api/v1/finance/payment-runs"): {"finance": 201},
    # Another region's objection is not found before asking whether a supervisor may take it.
    ("POST", "/api/v1/staff/objections/<int:objection_id>/assign"): {"supervisor": 404},
    ("GET", "/api/v1/staff/audit"): {"auditor": 403, "admin": 403},
    ("POST", "/api/v1/staff/calendar/years/<int:record_id>/approve"): {"supervisor": 403, "admin": 403},
    ("POST", "/api/v1/staff/calendar/years/<int:record_id>/reject"): {"supervisor": 403, "admin": 403},
    # Asking for the records' region by name: refused (OTHER_REGION).
    ("POST", "/api/v1/staff/refunds/screenings"): dict.fromkeys(("reviewer", "supervisor", "admin"), 403),
    ("GET", "/api/v1/staff/refunds"): dict.fromkeys(("handler", "reviewer", "supervisor", "auditor", "admin"), 403),
    ("POST", "/api/v1/staff/refunds/notices"): dict.fromkeys(("reviewer", "supervisor", "admin"), 403),
    ("POST", "/api/v1/finance/refund-batches"): {"finance": 403},
}


def region_marks(world: dict[str, Any]) -> list[str]:
    """What would show a record of the region 130200: claim numbers, names (plain or masked), phones."""
    marks = [*world["claim_numbers"].values(), *world["messages"].values()]
    return [*marks, "王建国", "王*国", "赵敏", "赵*", "13900000001", "13900000002"]


def expected_for(caller: str, method: str, rule: str, path: str, expected: dict[str, int]) -> int:
    if caller not in ELSEWHERE:
        return expected[caller]
    role = caller.split("@")[0]
    regional = REGIONAL.get((method, rule), {})
    if role in regional:
        return regional[role]
    answer = expected[role]
    on_a_record = "{" in path  # a record of the region 130200
    return 404 if on_a_record and answer not in (401, 403) else answer


@pytest.fixture
def matrix_app(make_app: Any) -> Iterator[Flask]:
    """The app with request limits out of the way: this test is about who, not how often."""
    generous = "10000/minute"
    limits = ("LOGIN", "OTP", "BIND", "LIVENESS", "LIVENESS_ANSWER")
    app: Flask = make_app(**{f"RATE_LIMIT_{name}": generous for name in limits})
    with app.app_context():
        yield app


@pytest.fixture
def world(matrix_app: Flask, wechat_standin: WeChatStandIn, sms_standin: SmsStandIn) -> dict[str, Any]:
    return caller_world(matrix_app.test_client(), wechat_standin, sms_standin)


def test_the_matrix_names_every_route(app: Flask) -> None:
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods or ()}
    routes = {
        (method, rule)
        for method, rule in routes
        if method not in ("HEAD", "OPTIONS")
        and rule != "/static/<path:filename>"
        and not rule.startswith("/console")  # cookie-signed-in pages: tests/test_console_access.py
    }
    assert routes == {(method, rule) for method, rule, *_ in MATRIX}


def test_each_caller_reaches_exactly_what_the_matrix_allows(world: dict[str, Any]) -> None:
    client, tokens, messages = world["client"], world["tokens"], world["messages"]
    failures = []
    for method, rule, path, body, expected in MATRIX:
        for caller in CALLERS:
            kind = "employer" if caller == "employer" else "claimant"
            concrete = path.format(own=messages[(kind, "mine")], other=messages[(kind, "theirs")], **world["claims"])
            headers = bearer(tokens[caller]) if caller in tokens else {}
            payload = body(caller) if callable(body) else body
            response = client.open(concrete, method=method, json=payload, headers=headers)
            wanted = expected_for(caller, method, rule, path, expected)
            if response.status_code != wanted:
                failures.append(f"{caller} {method} {concrete}: {response.status_code} != {wanted}")
            text = response.get_data().decode(errors="replace")
            response.close()
            if response.status_code in (403, 404) and "{other}" in path:
                assert messages[(kind, "theirs")] not in text
                assert "13800000002" not in text
            if caller in ELSEWHERE and path.startswith(("/api/v1/staff", "/api/v1/finance", "/api/v1/messages")):
                # nothing of the records' region reaches another region's staff
                leaked = [mark for mark in region_marks(world) if mark in text]
                if leaked:
                    failures.append(f"{caller} {method} {concrete}: shows {leaked}")
            if response.status_code in (403, 404) and "{other_claim}" in path:
                assert world["claim_numbers"]["other_claim"] not in text
    assert failures == []


def test_the_message_lists_hold_only_the_callers_own_messages(world: dict[str, Any]) -> None:
    client, tokens, messages = world["client"], world["tokens"], world["messages"]
    claimant = client.get("/api/v1/messages", headers=bearer(tokens["claimant"])).get_json()
    assert [item["id"] for item in claimant] == [messages[("claimant", "mine")]]
    assert claimant[0]["phone"] == "139****0001"
    employer = client.get("/api/v1/messages", headers=bearer(tokens["employer"])).get_json()
    # The escalation to this employer's contact and the login code that contact received.
    assert {item["kind"] for item in employer} == {"employer_notice_escalation", "login_code"}
    assert messages[("employer", "mine")] in {item["id"] for item in employer}
    assert {item["phone"] for item in employer} == {"138****0001"}
    # Each reads what was sent to them, but a login code is never shown again.
    assert "受理号SY20261121001）已核准" in claimant[0]["text"]
    code_message = next(item for item in employer if item["kind"] == "login_code")
    assert code_message["text"] == "登录验证码短信（验证码不在此显示）"
    assert not any(ch.isdigit() for ch in code_message["text"])
    found = client.get("/api/v1/staff/messages?phone=13900000002", headers=bearer(tokens["auditor"])).get_json()
    assert [item["id"] for item in found] == [messages[("claimant", "theirs")]]
    assert found[0].get("text") is None  # staff see that and when, not what
    with unit_of_work() as session:  # and the look-up is on the record
        looked = session.scalars(select(AuditEvent).where(AuditEvent.action == "messages.looked_up")).all()
        assert [event.detail["phone"] for event in looked] == ["139****0002"]
