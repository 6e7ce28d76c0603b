"""Templates: data, versioned, every placeholder filled, SMS counted as carriers bill it."""

from __future__ import annotations

import pytest

from notifications import templates
from notifications.templates import TemplateError, render, sms_segments


def _sample(template: templates.Template) -> dict[str, str]:
    return {name: f"值{index}" for index, name in enumerate(sorted(template.placeholders))}


@pytest.mark.parametrize("key", sorted(templates.TEMPLATES), ids=lambda key: f"{key[0]}-v{key[1]}")
def test_every_template_renders_on_each_of_its_channels(key: tuple[str, int]) -> None:
    template = templates.TEMPLATES[key]
    rendered = render(template, _sample(template))
    assert "{" not in rendered.sms_text
    assert len(rendered.sms_params) == len(template.sms_placeholders)
    if template.wechat:
        assert set(rendered.wechat_data) == set(template.wechat["fields"])


def test_the_product_has_a_template_for_every_kind_of_message_it_sends() -> None:
    assert {
        "login_code", "claim_submitted", "claim_approved", "claim_rejected", "benefit_suspended",
        "objection_received", "objection_answered", "employer_notice_reminder", "employer_notice_escalation",
        "staff_objection_overdue",
    } <= templates.KINDS  # fmt: skip


def test_a_missing_placeholder_is_an_error_not_a_blank() -> None:
    with pytest.raises(TemplateError, match=r"missing \['minutes'\]"):
        render(templates.latest("login_code"), {"code": "123456"})


def test_an_unexpected_placeholder_is_an_error_too() -> None:
    with pytest.raises(TemplateError, match=r"unexpected \['cdoe'\]"):
        render(templates.latest("login_code"), {"code": "123456", "minutes": 5, "cdoe": "x"})


@pytest.mark.parametrize(
    ("length", "segments"),
    [(64, 1), (65, 2), (128, 2), (129, 3)],
    ids=["70 with the signature", "71", "134", "135"],
)
def test_sms_segments_count_70_then_67_characters_signature_included(length: int, segments: int) -> None:
    assert sms_segments("字" * length, "失业保险") == segments  # 【失业保险】 is 6 characters


def test_subscribe_message_values_are_cut_to_wechats_limits() -> None:
    template = templates.latest("claim_rejected")
    values = dict.fromkeys(template.placeholders, "x") | {"reason": "因本人原因解除劳动合同不符合领取条件的情形说明"}
    rendered = render(template, values)
    assert len(rendered.wechat_data["thing4"]["value"]) == 20
    assert rendered.wechat_data["thing4"]["value"].endswith("…")
    assert rendered.sms_text.count("因本人原因解除劳动合同不符合领取条件的情形说明") == 1
