"""A claim's status, derived from its timeline: the last event that changes status decides.

Pure: it takes event kinds in order and knows nothing of the database, so the rule that the
stored status always equals the derived one can be checked anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

# Event kind → the status it puts the claim in. Kinds not listed (registered, reviewed,
# payment_scheduled, payment_paid, rated, ...) are recorded and leave the status as it was.
STATUS_AFTER = {
    "submitted": "submitted",
    "manual_review": "manual_review",
    "approved": "approved",
    "rejected": "rejected",
    "suspended": "suspended",
    "resumed": "approved",
    "lump_sum_granted": "settled",
    "stopped": "stopped",
    "completed": "completed",
}

# A claim in one of these holds the person's one open claim; the others are closed.
OPEN_STATUSES = frozenset({"submitted", "manual_review", "approved", "suspended"})
DECIDED_STATUSES = frozenset({"approved", "rejected", "suspended", "settled", "stopped", "completed"})

STATUS_LABELS = {
    "submitted": "已提交",
    "manual_review": "人工审核中",
    "approved": "已核准，按月发放",
    "rejected": "未予核准",
    "suspended": "暂停发放",
    "settled": "已一次性领取",
    "stopped": "已停发",
    "completed": "领取期满",
}

EVENT_LABELS = {
    "submitted": "提交申领",
    "registered": "办理失业登记",
    "reviewed": "审核",
    "manual_review": "转人工审核",
    "approved": "核准",
    "rejected": "不予核准",
    "payment_scheduled": "生成发放计划",
    "payment_paid": "已发放",
    "payment_cancelled": "取消发放",
    "payment_returned": "银行退回，下月重新发放",
    "recovery_withdrawn": "重新核定后该月应予发放，撤销追回",
    "continued_payment": "领取期满，继续发放至法定退休年龄",
    "suspended": "暂停发放",
    "resumed": "恢复发放",
    "lump_sum_granted": "核准一次性领取",
    "stopped": "停止发放",
    "completed": "领取期满",
    "rated": "服务评价",
    "records_corrected": "内部记录已更正",
    "re_evaluated": "按更正后的记录重新核定",
    "reconsideration": "异议成立，重新审核",
}


def derive(kinds: Iterable[str]) -> str:
    status: str | None = None
    for kind in kinds:
        status = STATUS_AFTER.get(kind, status)
    if status is None:
        raise ValueError("a claim's timeline starts with its submission")
    return status
