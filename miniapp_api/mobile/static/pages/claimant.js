// The claimant: sign in, bind the identity, the face check, the auto-filled form (draft saved as
// they go), submit with the commitment, then the decision, payments, timeline, receipt, rating.

import { ApiError, call, session } from "../api.js";
import { askSubscriptions, loginCode, wechatPhoneCode } from "../wx.js";
import { el, errorBox, facts, field, guarded, notice, show } from "../ui.js";
import { faceCheck } from "./face.js";
import { messages } from "./messages.js";
import { newObjection, objectionList, objectionView, rating } from "./objections.js";

const STATUS_TEXT = {
  submitted: "已提交，正在审核", manual_review: "需经办人员审核，结果将通过微信和短信通知您",
  approved: "已核准，按月发放", rejected: "不予核准", suspended: "暂停发放", settled: "已一次性领取",
  stopped: "已停止发放", completed: "领取期满",
};

export async function claimantPage(sub) {
  const tokens = session.get();
  if (!tokens || tokens.kind !== "claimant") return signIn();
  if (tokens.level === "wechat") return bind();
  if (sub === "/face") return faceCheck({ title: "刷脸核验", start: (consent) => call("POST", "/api/v1/liveness/challenges", { json: { consent }, notice }), done: verified });
  const [path, query] = sub.split("?");
  if (path.startsWith("/claims/")) return claimView(Number(path.split("/")[2]));
  if (path === "/objection") return newObjection(new URLSearchParams(query || ""));
  if (path === "/objections") return objectionList();
  if (path.startsWith("/objections/")) return objectionView(Number(path.split("/")[2]));
  if (path === "/messages") return messages();
  if (path === "/record") return recordFields();
  return claimForm();
}

function verified(verdict) {
  session.set({ ...session.get(), level: verdict.level || "face_verified" });
  location.hash = "#/claimant";
  notice("刷脸核验通过");
}

async function signIn() {
  const slot = el("div");
  const button = el("button", { type: "button", text: "微信登录" });
  button.addEventListener("click", () => guarded(button, slot, async () => {
    const code = await loginCode();
    const tokens = await call("POST", "/api/v1/auth/wechat/login", { json: { code }, notice });
    session.set(tokens);
    claimantPage("");
  }));
  show(el("h1", { text: "申领失业保险金" }),
    el("p", { text: "用微信登录后，核对自动生成的申领表并确认即可，无需上传证明材料。" }),
    el("div", { class: "actions" }, button), slot);
}

function bind() {
  const idNumber = el("input", { name: "id_number", autocomplete: "off", maxlength: "18", required: true });
  const name = el("input", { name: "name", autocomplete: "name", maxlength: "50", required: true });
  const button = el("button", { type: "submit", text: "确认身份" });
  const slot = el("div");
  const form = el("form", { novalidate: true },
    field("bind-id", "身份证号码", idNumber, "18位，末位可能是X"), field("bind-name", "姓名", name),
    el("div", { class: "actions" }, button), slot);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { id_number: idNumber.value.trim().toUpperCase(), name: name.value.trim() };
    guarded(button, slot, async () => {
      try {
        const bound = await call("POST", "/api/v1/auth/identity", { json: body, notice });
        session.set({ ...session.get(), level: bound.level });
        await askSubscriptions("identity_bound");
        location.hash = "#/claimant";
        claimantPage("");
      } catch (error) {
        if (!(error.details && error.details.face_route)) throw error;  // the API offers the face route when it helps
        const recover = el("button", { type: "button", class: "secondary", text: "刷脸证明是本人" });
        recover.addEventListener("click", () => faceCheck({
          title: "刷脸绑定身份",
          start: (consent) => call("POST", "/api/v1/liveness/identity-challenges", { json: { ...body, consent }, notice }),
          done: async (verdict) => {
            session.set({ ...session.get(), level: verdict.level || "face_verified" });
            await askSubscriptions("identity_bound");
            location.hash = "#/claimant";
            claimantPage("");
          },
        }));
        slot.replaceChildren(errorBox(error), el("div", { class: "actions" }, recover));
      }
    });
  });
  show(el("h1", { text: "确认身份" }), el("p", { text: "请填写本人身份证号码和姓名，用于查询您的参保记录。" }), form);
}

async function claimForm() {
  show(el("h1", { text: "失业保险金申领表" }), el("p", { text: "正在生成申领表…" }));
  let form;
  try {
    form = await call("GET", "/api/v1/claims/prefill", { notice });
  } catch (error) {
    return show(el("h1", { text: "失业保险金申领表" }), errorBox(error));
  }
  if (form.open_claim && form.open_claim.id) return claimView(form.open_claim.id);
  const tokens = session.get();
  const rows = form.field_order.filter((key) => !form.fields[key].editable).map((key) => formRow(key, form.fields[key]));
  const editor = draftEditor(form);
  const accept = el("input", { type: "checkbox", id: "commitment", checked: sessionStorage.getItem("miniapp.committed") === "1" });
  accept.addEventListener("change", () => sessionStorage.setItem("miniapp.committed", accept.checked ? "1" : "0"));
  const submit = el("button", { type: "button", text: "确认并提交申领" });
  const slot = el("div");
  const needsFace = tokens.level !== "face_verified";
  submit.addEventListener("click", () => guarded(submit, slot, async () => {
    if (!accept.checked) throw Object.assign(new ApiError(422, { code: "COMMITMENT", message: "请先阅读并勾选承诺" }), { nextStep: "" });
    sessionStorage.setItem("miniapp.committed", "1");  // ticked once: still ticked after the face check
    if (needsFace) { location.hash = "#/claimant/face"; return; }
    await askSubscriptions("claim_submitted");  // the tap WeChat requires: ask for the progress messages now
    const key = sessionStorage.getItem("miniapp.submit-key") || crypto.randomUUID();
    sessionStorage.setItem("miniapp.submit-key", key);  // a retry of the same submission is the same claim
    const claim = await call("POST", "/api/v1/claims", {
      json: { confirmation: { accepted: true, commitment_version: form.commitment.version } },
      headers: { "Idempotency-Key": key }, notice,
    });
    sessionStorage.removeItem("miniapp.submit-key");
    sessionStorage.removeItem("miniapp.committed");
    location.hash = `#/claimant/claims/${claim.id}`;
  }));
  show(
    el("h1", { text: "失业保险金申领表" }),
    el("p", { class: "hint", text: "以下信息由系统根据您的参保记录自动生成，请核对。记录有误的，点“有误？提出异议”。" }),
    el("div", {}, rows),
    el("h2", { text: "联系方式与收款账户（可修改）" }), editor,
    outlook(form.outlook),
    el("h2", { text: "承诺" }), el("p", { text: form.commitment.text }),
    el("div", { class: "card" }, el("label", { for: "commitment" }, accept, " 我已阅读并承诺以上内容属实")),
    needsFace ? el("p", { class: "hint", text: "提交前需要刷脸确认是本人办理；刷脸后10分钟内提交有效。" }) : null,
    el("div", { class: "actions" }, submit), slot,
  );
}

// The fields the claimant may change, saved to the draft as they go; submission uses the draft.
function draftEditor(form) {
  const fields = form.fields;
  const phone = el("input", { type: "tel", name: "phone", inputmode: "numeric", maxlength: "11", autocomplete: "tel", placeholder: fields.phone.text });
  const address = el("input", { name: "contact_address", maxlength: "200", autocomplete: "street-address", value: (fields.contact_address && fields.contact_address.value) || "" });
  const current = (fields.bank_account && fields.bank_account.value) || {};
  const noCard = !current.source;  // no account on the social security card: another card is the only way
  const useCard = el("input", { type: "radio", name: "bank_source", id: "bank-ss-card", value: "ss_card", checked: current.source === "ss_card", disabled: noCard });
  const useOther = el("input", { type: "radio", name: "bank_source", id: "bank-other", value: "other", checked: current.source === "other" || noCard });
  const bankName = el("input", { name: "bank_name", maxlength: "50", value: current.source === "other" ? current.bank_name || "" : "" });
  const account = el("input", { name: "account_number", inputmode: "numeric", maxlength: "19", autocomplete: "off", placeholder: current.source === "other" ? current.account : "" });
  const other = el("div", {}, field("bank-name", "开户银行", bankName, "如：中国建设银行"), field("bank-account", "银行卡号", account, "本人名下的借记卡"));
  other.hidden = !useOther.checked;
  const payee = el("p", { class: "card", id: "payee", "aria-live": "polite", text: `将发放至：${fields.bank_account.text}` });
  const status = el("div", { role: "status", "aria-live": "polite" });
  let phoneCode = null;  // WeChat's one-time code for the phone it verified, sent with the next save
  const fromWeChat = el("button", { type: "button", class: "secondary", text: "使用微信手机号" });
  fromWeChat.addEventListener("click", async () => {
    try {
      phoneCode = await wechatPhoneCode();
    } catch (error) {
      status.replaceChildren(errorBox(error));
      return;
    }
    if (phoneCode) { phone.value = ""; await save(); }
  });
  async function save() {
    const edits = {};
    if (phoneCode) edits.phone_code = phoneCode;
    else if (phone.value.trim()) edits.phone = phone.value.trim();
    if (address.value.trim()) edits.contact_address = address.value.trim();
    if (useOther.checked) {
      if (!bankName.value.trim() || !account.value.trim()) return;  // saved once both are filled in
      edits.bank_account = { source: "other", bank_name: bankName.value.trim(), account_number: account.value.replace(/\s/g, "") };
    } else {
      edits.bank_account = { source: "ss_card" };
    }
    try {
      const saved = await call("PUT", "/api/v1/claims/draft", { json: edits, notice });
      payee.textContent = `将发放至：${saved.fields.bank_account.text}`;
      status.replaceChildren(el("p", { class: "hint", text: "已自动保存草稿，提交时按草稿办理" }));
      if (edits.phone) phone.placeholder = `已保存：${saved.fields.phone.text}`;
      if (edits.phone_code) phone.placeholder = `已保存微信验证的号码：${saved.fields.phone.text}`;
      phoneCode = null;  // it works once
    } catch (error) {
      const toFace = error.code === "BINDING_NOT_FACE_VERIFIED" ? el("a", { class: "button", href: "#/claimant/face", text: "去刷脸核验" }) : null;
      status.replaceChildren(errorBox(error), toFace ? el("div", { class: "actions" }, toFace) : el("span"));
      phoneCode = null;
    }
  }
  for (const input of [phone, address, bankName, account]) input.addEventListener("change", save);
  for (const radio of [useCard, useOther]) radio.addEventListener("change", () => { other.hidden = !useOther.checked; save(); });
  return el("div", {},
    field("form-phone", "联系电话", phone, "不修改则使用登记的号码，用于接收办理结果短信"),
    el("div", { class: "actions" }, fromWeChat),
    field("form-address", "联系地址（可选）", address),
    el("fieldset", { class: "card" }, el("legend", { text: "收款账户" }),
      el("label", { for: "bank-ss-card" }, useCard, " 社会保障卡银行账户"),
      el("label", { for: "bank-other" }, useOther, " 本人其他银行卡"), other),
    payee, status);
}

function formRow(key, item) {
  return el("div", { class: "card", "data-field": key },
    el("div", {}, el("strong", { text: item.label })),
    el("div", { text: item.text || "—" }),
    el("div", { class: "source", text: `来源：${sourceText(item.source)}` }),
    item.dispute
      ? el("a", { href: `#/claimant/objection?field=${encodeURIComponent(key)}`, text: "有误？提出异议", "aria-label": `${item.label}有误？提出异议` })
      : null);
}

function sourceText(source) {
  return { identity_records: "身份信息", contribution_records: "缴费记录", stop_contribution_record: "单位停保记录",
    rules: "按政策测算", social_security_card: "社会保障卡", claimant: "本人填写" }[source] || source;
}

function outlook(view) {
  if (!view) return null;
  const text = { approve: "按您的记录，提交后可自动核准。", reject: "按您的记录，目前不符合领取条件：", manual_review: "提交后需经办人员审核：" }[view.decision] || "";
  const items = [...(view.refusals || []).map((r) => `${r.message}（依据：${r.legal_basis}）`), ...(view.review_reasons || []).map((r) => r.message)];
  return el("section", { class: "card" }, el("h2", { text: "预审结果" }), el("p", { text }), items.length ? el("ul", {}, items.map((t) => el("li", { text: t }))) : null);
}

async function claimView(id) {
  let claim;
  try {
    claim = await call("GET", `/api/v1/claims/${id}`, { notice });
  } catch (error) {
    return show(el("h1", { text: "我的申领" }), errorBox(error));
  }
  const decision = claim.decision || {};
  const receipt = el("button", { type: "button", class: "secondary", text: "下载回执（PDF）" });
  const slot = el("div");
  receipt.addEventListener("click", () => guarded(receipt, slot, async () => {
    const response = await call("GET", `/api/v1/claims/${id}/receipt.pdf`, { raw: true, notice });
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: `回执-${claim.claim_no}.pdf`, text: "回执已生成，点此保存" });
    slot.replaceChildren(el("p", { class: "success" }, link));
  }));
  show(
    el("h1", { text: "我的申领" }),
    facts([["受理号", claim.claim_no], ["状态", STATUS_TEXT[claim.status] || claim.status],
      ["领取期限", decision.entitlement_months ? `${decision.entitlement_months}个月` : "—"], ["收款账户", claim.bank_account || "—"],
      ["合计", claim.total_amount ? `${claim.total_amount}元（不含已取消月份）` : "—"]]),
    (decision.refusals || []).length
      ? el("section", { class: "card" }, el("h2", { text: "不予核准的原因" }),
        el("ul", {}, decision.refusals.map((r) => el("li", {}, r.message, el("div", { class: "basis", text: `依据：${r.legal_basis}` })))))
      : null,
    payments(claim.payments || []),
    el("div", { class: "actions" }, receipt), slot,
    claim.rating ? el("p", { class: "success", text: `您已评价：${claim.rating.score}分` })
      : ["approved", "rejected", "completed", "settled", "stopped"].includes(claim.status) ? rating(`/api/v1/claims/${id}/rating`, () => claimView(id)) : null,
    el("h2", { text: "更多" }),
    el("ul", { class: "menu" },
      el("li", {}, el("a", { href: `#/claimant/objection?category=decision&claim=${id}`, text: "对审核决定有异议" })),
      el("li", {}, el("a", { href: "#/claimant/record", text: "对申领表中的记录有异议" })),
      el("li", {}, el("a", { href: "#/claimant/objections", text: "我的异议" })),
      el("li", {}, el("a", { href: "#/claimant/messages", text: "我的消息" }))),
    await timeline(id),
  );
}

async function timeline(id) {
  try {
    const events = await call("GET", `/api/v1/claims/${id}/events`, { notice });
    const shown = events.events.filter((e) => e.kind !== "payment_scheduled");
    return el("section", {}, el("h2", { text: "办理过程" }),
      el("ol", {}, shown.map((e) => el("li", { text: `${new Date(e.at).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai" })} ${e.label}${e.period ? `（${e.period}）` : ""}` }))));
  } catch (error) {
    return errorBox(error);
  }
}

function payments(list) {
  if (!list.length) return null;
  const state = { scheduled: "待发放", paid: "已发放", cancelled: "已取消" };
  return el("section", {}, el("h2", { text: "发放计划" }),
    el("table", {}, el("thead", {}, el("tr", {}, ["月份", "金额（元）", "最迟发放日", "代缴医保（元）", "状态"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, list.map((p) => el("tr", {}, el("td", { text: p.period }), el("td", { text: p.amount }), el("td", { text: p.pay_by }),
        el("td", { text: p.medical_premium_paid ? (p.medical_premium || "代缴") : "—" }), el("td", { text: state[p.status] || p.status }))))));
}

// After a claim: the form's record fields again, each with its dispute link.
async function recordFields() {
  let form;
  try {
    form = await call("GET", "/api/v1/claims/prefill", { notice });
  } catch (error) {
    return show(el("h1", { text: "申领表中的记录" }), errorBox(error));
  }
  const rows = form.field_order.filter((key) => form.fields[key].dispute).map((key) => formRow(key, form.fields[key]));
  show(el("h1", { text: "申领表中的记录" }), el("p", { class: "hint", text: "哪一项有误，点该项的“有误？提出异议”。" }), rows);
}
