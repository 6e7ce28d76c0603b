// 我的消息: what the service sent the person (claimant or employer contact), by which channel and
// how far it got; a text held for the night says when it will go.

import { call } from "../api.js";
import { el, errorBox, notice, show } from "../ui.js";

const KINDS = {
  claim_submitted: "申领已提交", claim_approved: "申领已核准", claim_rejected: "申领未核准", benefit_paid: "失业保险金已发放",
  objection_received: "异议已受理", objection_answered: "异议已答复", payment_returned: "发放被银行退回",
  employer_notice_reminder: "请送达申领告知书", employer_notice_reminder_undated: "请送达申领告知书",
  employer_notice_escalation: "告知书送达已逾期", employer_filing_overdue: "备案已逾期", login_code: "登录验证码",
};
const STATES = { created: "待发送", sending: "发送中", sent: "已发送", delivered: "已送达", expired: "已过期未发送" };
const china = (moment) => new Date(moment).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" });

function state(message) {
  const last = (message.history || []).at(-1);
  if (message.status === "created" && last && /静默时段/.test(last.detail || "")) return "夜间不发短信，早上8点后发送";
  return STATES[message.status] || "未送达";
}

export async function messages() {
  let list;
  try {
    list = await call("GET", "/api/v1/messages", { notice });
  } catch (error) {
    return show(el("h1", { text: "我的消息" }), errorBox(error));
  }
  show(el("h1", { text: "我的消息" }),
    list.length ? list.map((m) => el("section", { class: "card" },
      el("h2", { text: KINDS[m.kind] || "通知" }),
      el("p", { text: m.text || "" }),
      el("p", { class: "hint", text: `${china(m.created_at)} · ${m.channel === "sms" ? "短信" : "微信"} · ${state(m)}` })))
      : el("p", { text: "暂无消息。" }));
}
