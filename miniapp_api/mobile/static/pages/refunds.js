// 稳岗返还 for the employer's contact (and a dispatch agency, for its user employers too): each
// year's result with every condition, the enterprise's own figures and the document it rests on;
// the corporate account in the enterprise's own name; confirming it, which is the application;
// where it stands until paid (or returned by the bank); and objections to a condition, the size
// class or the amount, with their reply date, the agency's request for more, and the answer.

import { ApiError, call, session } from "../api.js";
import { el, errorBox, facts, field, guarded, notice, show } from "../ui.js";
import { askSubscriptions } from "../wx.js";

const HOME = "#/employer/refunds";
// The credit code the contact signed in with (kept by employer.js): a refund of another
// enterprise in the list is a user employer's, which a dispatch agency applies for.
const CREDIT = "miniapp.credit-code";

// Where each status leaves the enterprise (every status of the service, checked by
// tests/test_mobile_pages.py).
const FOLLOW = {
  eligible: "请核对对公账户并确认申请：确认即完成申请。",
  ineligible: "有条件未满足，本年度不能享受稳岗返还。如认为数据有误，可在该项下提出异议。",
  applied: "经办机构审核后将在本地区公示，结果会通知贵单位。",
  approved: "审核已通过，将在本地区公示；公示期满无异议后拨付。",
  rejected: "经办机构审核未通过，原因见下。对比对结果的某一项有异议的，可在下面对该项提出异议；也可拨打12333咨询。",
  in_notice: "正在本地区公示，公示期满无异议后拨付至贵单位对公账户。",
  held: "公示期间收到异议，经办机构核实后再办理。",
  payable: "公示期满无异议，将在下一拨付批次拨付至贵单位对公账户。",
  paying: "已提交银行拨付，请留意对公账户到账。",
  paid: "返还金额已拨付至贵单位对公账户。",
  returned: "银行退回了这笔返还：请核对并更正下方的对公账户，更正后在下一拨付批次拨付。",
  waived: "确认期限内未确认申请，视为放弃本年度稳岗返还。",
};
// What the enterprise still has to do: shown first in the list.
const TODO = { eligible: "待确认：请核对对公账户并确认申请", returned: "待更正：银行退回，请更正对公账户" };
const BLOCKER_STEPS = {
  ACCOUNT_MISSING: "请在下面填写对公账户。", SIZE_MISSING: "请联系当地经办机构登记企业划型。",
  RESCREEN_DUE: "重新比对后将通知贵单位，届时按新的结果确认申请。",
};
// The service's reasons for not approving (miniapp_api/refunds/review.py REJECTION_CODES).
const REJECTIONS = {
  RECORDS_MISMATCH: "缴费或参保记录与系统比对结果不符", LAYOFF_CHECK: "裁员情况核查未通过", CREDIT_CHECK: "征信核查未通过",
  ACCOUNT_INVALID: "对公账户信息有误", ALREADY_REFUNDED: "本年度已享受稳岗返还", OTHER: "其他原因（见说明）",
};
const LISTED = { serious_dishonesty: "严重失信主体名单", abnormal_operations: "经营异常名录", deregistered: "已注销", revoked: "已被吊销营业执照" };
// What to write as the right value, for each thing an enterprise may object to
// (miniapp_api/objections/vocabulary.py REFUND_SUBJECTS, checked by tests/test_mobile_pages.py).
const CLAIMED_HINTS = {
  FUND_RESERVE: "写明您了解的情况", MONTHS_PAID: "如：已足额缴费24个月", ARREARS: "如：欠费已于2025年12月补缴",
  LAYOFF_RATE: "如：上年度裁员人数应为2人", CREDIT: "如：已于2025年3月移出经营异常名录", PUBLIC_BODY: "如：本单位为企业",
  SIZE_CLASS: "如：本单位为中小微企业", AMOUNT: "如：上年度实缴失业保险费应为15000元",
};
const OUTCOMES = { accepted: "异议成立", rejected: "异议不成立" };
const COUNTED_AS = { new_benefit_recipients: "上年度新增领取失业保险金人数", separations: "按规定原因停保的人数" };
const number = (value) => (value === null || value === undefined || value === "" ? "—" : String(Number(value)));
// Each figure a condition reports, in words (every one the service sends, checked by tests/test_mobile_pages.py).
const VALUES = {
  condition_met: ["本统筹地区基金备付", (v) => (v ? "满足" : "不满足")],
  months_paid_in_full: ["足额缴费月数", (v) => `${v}个月`],
  required: ["规定月数", (v) => `满${v}个月`],
  arrears_months: ["欠缴月数", (v) => `${v}个月`],
  arrears_amount: ["欠缴金额", (v) => `${v}元`],
  layoffs: ["上年度裁员人数", (v) => `${v}人`],
  average_headcount: ["上年度月平均参保人数", (v) => `${number(v)}人`],
  layoff_rate: ["上年度裁员率", (v) => v ?? "无法计算（无参保人数）"],
  limit: ["裁员率标准", (v) => (v ? `不高于${v}` : "—")],
  layoffs_counted_as: ["裁员人数口径", (v) => COUNTED_AS[v] || String(v)],
  listings: ["名单记录", (v) => (v && v.length ? v.map((kind) => LISTED[kind] || kind).join("、") : "无")],
};
const china = (moment) => (moment ? new Date(moment).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" }) : "—");
const yuan = (amount) => (amount === null || amount === undefined ? null : `${amount}元`);

function whose(refund) {
  const own = localStorage.getItem(CREDIT);
  const name = `${refund.enterprise.name}（${refund.enterprise.credit_code}）`;
  return own && refund.enterprise.credit_code !== own ? `${name}，用工单位，由本派遣机构代为申领` : name;
}

export async function refundList() {
  let list;
  try {
    list = await call("GET", "/api/v1/employer/refunds", { notice });
  } catch (error) {
    return show(el("h1", { text: "稳岗返还" }), errorBox(error));
  }
  const todo = list.filter((refund) => TODO[refund.status]);
  const ordered = [...todo, ...list.filter((refund) => !TODO[refund.status])];
  show(el("h1", { text: "稳岗返还" }),
    el("p", { text: "符合条件的参保企业，可按上年度实际缴纳失业保险费的一定比例获得返还。经办机构已逐项比对，确认对公账户即完成申请。" }),
    todo.length ? el("p", { class: "todo", text: `有${todo.length}笔需要办理` }) : null,
    ordered.length ? ordered.map(refundCard) : el("p", { text: "暂无稳岗返还比对结果。经办机构完成比对后，将在这里显示。" }),
    el("p", {}, el("a", { href: "#/employer", text: "返回用人单位首页" })));
}

function refundCard(refund) {
  return el("section", { class: "card", "data-refund": String(refund.id) },
    el("h2", {}, el("a", { href: `${HOME}/${refund.id}`, text: `${refund.policy_year}年度稳岗返还：${refund.enterprise.name}` })),
    TODO[refund.status] ? el("p", { class: "todo", text: TODO[refund.status] + (refund.status === "eligible" && refund.confirm_by ? `（${refund.confirm_by}前）` : "") }) : null,
    facts([["单位", whose(refund)], ["办理状态", refund.status_label],
      ["返还金额", yuan(refund.amount) ?? (refund.eligible ? "企业划型登记后确定" : "—")]]));
}

export async function refundView(id, done = "") {
  let refund;
  try {
    refund = await call("GET", `/api/v1/employer/refunds/${id}`, { notice });
  } catch (error) {
    return show(el("h1", { text: "稳岗返还" }), errorBox(error), el("p", {}, el("a", { href: HOME, text: "返回稳岗返还" })));
  }
  const again = (text) => refundView(id, text);
  // What the enterprise has to do (the account, confirming) comes before the conditions it has met.
  const actions = [accountSection(refund, again), confirmSection(refund, again)];
  const early = Boolean(TODO[refund.status]);
  show(el("h1", { text: `${refund.policy_year}年度稳岗返还` }),
    done ? el("p", { class: "success", role: "status", text: done }) : null,
    standing(refund), blockers(refund), amountFacts(refund, again), early ? actions : null,
    el("h2", { text: "各项条件" }),
    unmetFirst(refund.conditions).map((condition) => conditionCard(refund, condition, again)),
    objections(refund, again), early ? null : actions,
    el("p", {}, el("a", { href: HOME, text: "返回稳岗返还" })));
}

const unmetFirst = (conditions) => [...conditions.filter((c) => !c.met), ...conditions.filter((c) => c.met)];

function standing(refund) {
  const bad = ["ineligible", "rejected", "returned", "waived"].includes(refund.status);
  const unmet = refund.conditions.filter((c) => !c.met);
  const rows = [["单位", whose(refund)], ["办理状态", refund.status_label]];
  if (refund.status === "eligible" && refund.confirm_by) rows.push(["确认截止日期", `${refund.confirm_by}（逾期未确认视为放弃）`]);
  if (refund.applied_at) rows.push(["确认申请时间", china(refund.applied_at)]);
  if (refund.paid_at) rows.push(["拨付时间", china(refund.paid_at)]);
  if (refund.status === "returned" && refund.failure_reason) rows.push(["银行退回原因", refund.failure_reason]);
  if (refund.waived_at) rows.push(["视为放弃时间", china(refund.waived_at)]);
  return el("section", { class: "card", "data-status": refund.status }, facts(rows),
    el("p", { class: refund.status === "paid" ? "success" : bad ? "error" : "", text: FOLLOW[refund.status] || "" }),
    unmet.length ? el("p", {}, el("strong", { text: "未满足的条件：" }), unmet.map((c) => c.label).join("；")) : null,
    refund.status === "rejected" && refund.rejection_code ? el("p", { text: `原因：${REJECTIONS[refund.rejection_code] || refund.rejection_code}` }) : null,
    refund.decision_note ? el("p", { text: `说明：${refund.decision_note}` }) : null);
}

function blockers(refund) {
  if (!refund.blockers || !refund.blockers.length) return null;
  return el("section", { class: "card" }, el("h2", { text: "尚需补齐" }),
    el("ul", {}, refund.blockers.map((b) => el("li", { "data-blocker": b.code }, b.message, "。", BLOCKER_STEPS[b.code] || ""))));
}

function amountFacts(refund, again) {
  if (!refund.eligible) return null;
  return el("section", {},
    el("h2", { text: "返还金额" }),
    facts([["上年度实际缴纳失业保险费", yuan(refund.paid_last_year)], ["企业划型", refund.size_label || "未登记"],
      ["返还比例", refund.share || "划型登记后确定"], ["返还金额", yuan(refund.amount) ?? "划型登记后确定"]]),
    refund.share_basis ? el("p", { class: "basis", text: `依据：${refund.share_basis}` }) : null,
    objectAction(refund, { code: "SIZE_CLASS", label: "企业划型" }, again, "对企业划型有异议"),
    objectAction(refund, { code: "AMOUNT", label: "上年度实缴失业保险费及返还金额" }, again, "对缴费额或返还金额有异议"));
}

function conditionCard(refund, condition, again) {
  const values = condition.values || {};  // in the order of VALUES, figures before the limit they are held to
  const rows = Object.entries(VALUES).filter(([key]) => key in values).map(([key, [label, words]]) => [label, words(values[key])]);
  return el("section", { class: "card", "data-condition": condition.code },
    el("h3", { text: condition.label }),
    el("p", { class: condition.met ? "success" : "error", text: condition.met ? "符合" : "不符合" }),
    rows.length ? facts(rows) : null,
    condition.basis ? el("p", { class: "basis", text: `依据：${condition.basis}` }) : null,
    objectAction(refund, condition, again));  // a met condition may rest on wrong figures too
}

// The button that opens the small objection form under it; while one is open on the same
// subject, a line saying so instead (the service takes one at a time).
function objectAction(refund, subject, again, text = "对此项有异议") {
  if ((refund.objections || []).some((o) => o.condition === subject.code && o.status !== "answered")) {
    return el("p", { class: "hint", text: `已对“${subject.label}”提出异议，等待经办机构答复。` });
  }
  const slot = el("div");
  const opener = el("button", { type: "button", class: "secondary", "aria-expanded": "false", text });
  opener.addEventListener("click", () => {
    opener.setAttribute("aria-expanded", "true");
    slot.replaceChildren(objectionForm(refund, subject, slot, opener, again));
    slot.querySelector("input").focus();
  });
  return el("div", {}, el("div", { class: "actions" }, opener), slot);
}

function objectionForm(refund, condition, slot, opener, again) {
  const prefix = `obj-${condition.code.toLowerCase()}`;
  const claimed = el("input", { name: "claimed_value", maxlength: "200", autocomplete: "off" });
  const description = el("textarea", { name: "description", rows: "4", maxlength: "500", required: true });
  const send = el("button", { type: "submit", text: "提交异议" });
  const cancel = el("button", { type: "button", class: "secondary", text: "取消" });
  const errors = el("div");
  cancel.addEventListener("click", () => {
    slot.replaceChildren();
    opener.setAttribute("aria-expanded", "false");
    opener.focus();
  });
  const form = el("form", { novalidate: true, "aria-label": `对“${condition.label}”提出异议` },
    field(`${prefix}-claimed`, "您认为正确的情况（可选）", claimed, CLAIMED_HINTS[condition.code] || "写明您认为正确的情况"),
    field(`${prefix}-description`, "异议说明", description, "5至500字：哪项数据不对、为什么，有凭证的写明凭证"),
    el("div", { class: "actions" }, send, cancel), errors);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(send, errors, async () => {
      const text = description.value.trim();
      if (text.length < 5) throw Object.assign(new ApiError(422, { code: "DESCRIPTION_TOO_SHORT", message: "异议说明请至少写5个字" }), { nextStep: "" });
      const body = { condition: condition.code, description: text };
      if (claimed.value.trim()) body.claimed_value = claimed.value.trim();
      const filed = await call("POST", `/api/v1/employer/refunds/${refund.id}/objections`, { json: body, notice });
      const due = filed.due_on ? `经办机构将于${filed.due_on}前答复` : "经办机构将在规定的工作日内答复";
      await again(`已提交异议（编号${filed.objection_no}），${due}`);
    });
  });
  return form;
}

function objections(refund, again) {
  const items = refund.objections || [];
  if (!items.length) return null;
  return el("section", {}, el("h2", { text: "我的异议" }),
    items.map((o) => el("div", { class: "card", "data-objection": o.objection_no },
      el("h3", { text: o.condition_label || o.condition }),
      facts([["编号", o.objection_no], ["状态", o.status_label], ["提出日期", o.filed_on || "—"],
        ["答复期限", o.due_on ? `${o.due_on}前答复` : `${o.working_days || ""}个工作日内答复，具体日期待国家公布节假日安排后通知`]]),
      o.basis ? el("p", { class: "basis", text: `期限依据：${o.basis}` }) : null,
      o.info_request ? supplement(refund, o, again) : null,
      reply(o))));
}

// The agency asked for more: the reply clock waits until the enterprise answers.
function supplement(refund, objection, again) {
  const text = el("textarea", { name: "text", rows: "3", maxlength: "500" });
  const send = el("button", { type: "button", text: "提交补充说明" });
  const errors = el("div");
  send.addEventListener("click", () => guarded(send, errors, async () => {
    if (!text.value.trim()) throw Object.assign(new ApiError(422, { code: "TEXT_REQUIRED", message: "请填写补充说明" }), { nextStep: "" });
    const path = `/api/v1/employer/refunds/${refund.id}/objections/${objection.id}/supplement`;
    await call("POST", path, { json: { text: text.value.trim() }, notice });
    await again(`已提交补充说明（异议编号${objection.objection_no}），答复期限继续计算`);
  }));
  return el("div", { class: "card" }, el("strong", { text: "经办机构请贵单位补充：" }), objection.info_request,
    field(`obj-supplement-${objection.id}`, "补充说明", text, "500字以内"), el("div", { class: "actions" }, send), errors);
}

function reply(objection) {
  if (!objection.outcome && !objection.answer) return null;
  return el("div", { class: "card" },
    el("strong", { text: OUTCOMES[objection.outcome] ? `答复（${OUTCOMES[objection.outcome]}）：` : "答复：" }), objection.answer || "",
    objection.legal_basis ? el("p", { class: "basis", text: `依据：${objection.legal_basis}` }) : null,
    objection.next_steps && objection.next_steps.length ? [el("h4", { text: "如仍有异议" }),
      el("ul", {}, objection.next_steps.map((step) => el("li", {}, el("strong", { text: step.title }), " ", step.text,
        step.basis ? el("span", { class: "basis", text: `（${step.basis}）` }) : null)))] : null);
}

function accountSection(refund, again) {
  const current = refund.account;
  const shown = current ? facts([["开户银行", current.bank_name], ["账户名称", current.account_name], ["对公账号", current.account_number]])
    : el("p", { text: "尚未登记对公账户。" });
  if (!["eligible", "returned"].includes(refund.status)) return current ? el("section", {}, el("h2", { text: "对公账户" }), shown) : null;
  const form = accountForm(refund, again);
  if (!current || refund.status === "returned") return el("section", {}, el("h2", { text: "对公账户" }), shown, form);
  // An account already on record (from the agency's records or entered before): changed on purpose only.
  form.hidden = true;
  const change = el("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": form.id, text: "更正对公账户" });
  change.addEventListener("click", () => {
    form.hidden = false;
    change.setAttribute("aria-expanded", "true");
    form.querySelector("input").focus();
  });
  return el("section", {}, el("h2", { text: "对公账户" }), shown, el("div", { class: "actions" }, change), form);
}

function accountForm(refund, again) {
  const name = refund.enterprise.name;
  const bank = el("input", { name: "bank_name", maxlength: "100", autocomplete: "off", value: (refund.account && refund.account.bank_name) || "" });
  const holder = el("input", { name: "account_name", maxlength: "200", autocomplete: "organization", value: name });
  const digits = el("input", { name: "account_number", inputmode: "numeric", maxlength: "40", autocomplete: "off" });
  const save = el("button", { type: "submit", text: "保存对公账户" });
  const errors = el("div");
  const form = el("form", { novalidate: true, id: "refund-account-form", "aria-label": "填写对公账户" },
    field("acct-bank", "开户银行", bank, "写到支行，如：中国工商银行聊城分行"),
    field("acct-name", "账户名称", holder, `须与单位名称“${name}”一致，稳岗返还只拨付至本单位对公账户`),
    field("acct-number", "对公账号", digits, "8至32位数字"),
    el("div", { class: "actions" }, save), errors);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(save, errors, async () => {
      const body = { bank_name: bank.value.trim(), account_name: holder.value.trim(), account_number: digits.value.replace(/[\s-]/g, "") };
      const saved = await call("PUT", `/api/v1/employer/refunds/${refund.id}/account`, { json: body, notice });
      const where = `${saved.account.bank_name} ${saved.account.account_number}`;
      await again(refund.status === "returned" ? `已更正对公账户（${where}），将在下一拨付批次拨付` : `已保存对公账户（${where}）`);
    });
  });
  return form;
}

function confirmSection(refund, again) {
  if (refund.status !== "eligible") return null;
  if (refund.blockers && refund.blockers.length) {
    const waiting = refund.blockers.every((b) => b.code === "RESCREEN_DUE");
    return el("p", { class: "hint", text: waiting ? "重新比对完成前暂不能确认申请。" : "补齐上述事项后，即可确认申请。" });
  }
  const slot = el("div");
  const go = el("button", { type: "button", text: "确认对公账户并申请" });
  go.addEventListener("click", () => {
    // Confirming is the application: one more tap, saying what it means.
    const yes = el("button", { type: "button", text: "确认：提交稳岗返还申请" });
    const no = el("button", { type: "button", class: "secondary", text: "取消" });
    no.addEventListener("click", () => { slot.replaceChildren(); go.focus(); });
    yes.addEventListener("click", () => guarded(yes, slot, async () => {
      await call("POST", `/api/v1/employer/refunds/${refund.id}/confirm`, { notice });
      if (session.get().wechat_bound) await askSubscriptions("employer_refund_confirmed");  // review, notice, payment
      await again(`已确认申请：${refund.enterprise.name}${refund.policy_year}年度稳岗返还，请等待经办机构审核`);
    }));
    slot.replaceChildren(
      el("p", { text: `确认后即完成${refund.enterprise.name}${refund.policy_year}年度稳岗返还申请，返还金额${yuan(refund.amount)}拨付至上面的对公账户；确认后账户不能再自行修改。` }),
      el("div", { class: "actions" }, yes, no));
    yes.focus();
  });
  return el("section", {}, el("h2", { text: "确认申请" }), el("div", { class: "actions" }, go), slot);
}
