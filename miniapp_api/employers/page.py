"""The page a contact sees on opening the SMS link in a phone's browser: the notice to hand
over, and one button to confirm it was handed over. Plain HTML, no scripts; a browser's GET
never confirms anything (link scanners open links too), only the button's POST does."""

from __future__ import annotations

from html import escape
from typing import Any

from miniapp_api.documents.html import page as _page


def link_page(view: dict[str, Any]) -> str:
    due = f"请于{escape(str(view['due_on']))}前" if view.get("due_on") else "请尽快"
    return _page(
        "送达失业保险金申领告知书",
        f"<h1>送达《失业保险金申领告知书》</h1>"
        f"<p>{escape(view['employer'])}：贵单位与{escape(view['worker'])}于{escape(str(view['separation_date']))}"
        f"终止劳动关系，{due}将告知书交给本人。</p>"
        f'<p><a href="{escape(view["notice_pdf"])}">下载告知书（PDF）</a></p>'
        f'<form method="post" action="{escape(view["acknowledge"])}">'
        '<button type="submit">已将告知书交给本人，确认</button></form>'
        "<p><small>此链接只能确认一次，并会过期。</small></p>",
    )


def acknowledged_page(result: dict[str, Any]) -> str:
    late = "（已超过确认期限）" if result.get("late") else ""
    return _page("已确认", f"<h1>已确认送达{late}</h1><p>感谢贵单位履行告知义务。</p>")
