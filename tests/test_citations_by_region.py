"""A claimant is only ever shown national law and their own region's documents: no decision or
answer for one province cites another province's document."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from miniapp_api.records.demo import load_demo_data
from miniapp_api.rules.estimate import estimate
from miniapp_api.rules.facts import ClaimFacts
from miniapp_api.rules.separation_reasons import SEPARATION_REASONS
from notifications.standins.wechat_server import WeChatStandIn
from tests.auth_helpers import bearer
from tests.claims_helpers import claimant
from tests.objections_helpers import act, objection, staff
from tests.rules_helpers import region_parameters

# How each seeded province's own documents are recognised in a citation.
PROVINCE_MARKS = {
    "河北省": ("冀", "河北", "唐山", "石家庄"),
    "内蒙古自治区": ("内人社", "内蒙古", "兴人社", "兴安盟"),
    "山东省": ("鲁人社", "山东", "聊城"),
    "吉林省": ("吉政", "吉人社", "吉林", "长春"),
}
REGIONS = {region["code"]: region["province"] for region in load_demo_data("regions.json")["regions"]}


def foreign_marks(province: str, text: str) -> list[str]:
    return [mark for other, marks in PROVINCE_MARKS.items() if other != province for mark in marks if mark in text]


def _facts(reason: str) -> ClaimFacts:
    return ClaimFacts(
        birth_date=dt.date(1980, 5, 17),
        sex="male",
        female_original_retirement_age=None,
        contribution_months=150,
        separation_date=dt.date(2024, 3, 31),
        separation_reason=reason,
        application_date=dt.date(2024, 4, 10),
    )


def test_every_seeded_province_has_its_marks() -> None:
    assert set(REGIONS.values()) <= set(PROVINCE_MARKS)


@pytest.mark.parametrize("region_code", sorted(REGIONS))
def test_no_decision_in_a_region_cites_another_provinces_document(region_code: str) -> None:
    for reason in SEPARATION_REASONS:
        result = estimate(_facts(reason), region_parameters(region_code))
        cited = json.dumps(
            {
                "steps": list(result.trace),
                "refusals": [refusal.legal_basis for refusal in result.reasons],
                "parameters": [version.citation for version in result.parameters],
            },
            ensure_ascii=False,
            default=str,
        )
        assert foreign_marks(REGIONS[region_code], cited) == [], (region_code, reason)
        for step in result.trace:  # each article once in a basis, however many rules name it
            articles = [re.sub(r"（[^（）]*）$", "", part) for part in step["basis"].split("；")]
            assert len(articles) == len(set(articles)), step["basis"]


def test_a_resettlement_payment_is_refused_only_where_the_regions_own_rule_says_so() -> None:
    changchun = estimate(_facts("resettlement_lump_sum"), region_parameters("220100"))
    assert [refusal.code for refusal in changchun.reasons] == ["RESETTLEMENT_PAYMENT_TAKEN"]
    assert "吉政办发〔2003〕4号第五条" in changchun.reasons[0].legal_basis
    tangshan = estimate(_facts("resettlement_lump_sum"), region_parameters("130200"))
    assert tangshan.eligible
    assert "吉政" not in json.dumps(list(tangshan.trace), ensure_ascii=False)


def _rejected_for_stop_reason(client: Any, wechat: WeChatStandIn, region_code: str) -> dict[str, Any]:
    tokens = claimant(client, wechat, verified=False, region_code=region_code)
    handler = staff(client, f"handler{region_code}", "handler", region=region_code)
    filed = objection(client, tokens).get_json()
    answered = act(client, handler, filed["id"], "reject", reason_code="STOP_REASON_PREVAILS", answer="以停保原因为准")
    assert answered.status_code == 200, answered.get_json()
    seen: dict[str, Any] = client.get(f"/api/v1/objections/{filed['id']}", headers=bearer(tokens)).get_json()
    return seen


def test_an_objection_answered_on_the_stop_reason_cites_inner_mongolias_document_only_there(
    client: Any, wechat_standin: WeChatStandIn
) -> None:
    tangshan = _rejected_for_stop_reason(client, wechat_standin, "130200")
    assert "社会保险法第五十条第一款" in tangshan["answer"]["legal_basis"]
    assert foreign_marks("河北省", json.dumps(tangshan, ensure_ascii=False)) == []
    xingan = _rejected_for_stop_reason(client, wechat_standin, "152200")
    assert "内人社办发〔2020〕46号第三条" in xingan["answer"]["legal_basis"]
