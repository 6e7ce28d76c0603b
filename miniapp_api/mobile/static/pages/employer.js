// 用人单位: the contact logs in with an SMS code; sees the workers it must hand the claim notice
// to (pending, acknowledged, overdue), confirms each, downloads the notice, and files
// separations one by one or as the filing form, whose row errors come back as a table.
// Its 稳岗返还 (#/employer/refunds…) are pages/refunds.js.

import { ApiError, call, session } from "../api.js";
import { el, errorBox, field, fill, guarded, notice, show } from "../ui.js";
import { askSubscriptions, loginCode, wechatPhoneCode } from "../wx.js";
import { messages } from "./messages.js";
import { refundList, refundView } from "./refunds.js";

// The filing form's columns, in order; the first row holds them (kept equal to the service's
// own list by tests/test_mobile_pages.py).
const COLUMNS = ["编号", "姓名", "性别", "身份证号", "社会保障卡银行账号", "缴费时间", "失业时间", "失业原因", "联系电话"];

// The separation reasons as the form writes them: the service's own vocabulary.
async function reasonLabels() {
  const reasons = await call("GET", "/api/v1/benefits/separation-reasons", { notice });
  return reasons.map((r) => r.label);
}
const STATES = [["pending", "待送达"], ["overdue", "已逾期"], ["acknowledged", "已送达"]];
const CREDIT = "miniapp.credit-code";

export async function employerPage(sub) {
  const tokens = session.get();
  if (!tokens || tokens.kind !== "employer") return login(sub);
  const [path, query] = sub.split("?");
  if (path === "/refunds") return refundList();
  if (path.startsWith("/refunds/")) return refundView(Number(path.split("/")[2]));
  if (path === "/file") return fileOne();
  if (path === "/form") return uploadForm();
  if (path === "/messages") return messages();
  return duties(new URLSearchParams(query || "").get("state") || "pending");
}

function login(sub = "") {
  const credit = el("input", { name: "credit_code", maxlength: "18", autocomplete: "off", value: localStorage.getItem(CREDIT) || "" });
  const phone = el("input", { type: "tel", name: "phone", inputmode: "numeric", maxlength: "11", autocomplete: "tel" });
  const code = el("input", { name: "code", inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code" });
  const ask = el("button", { type: "button", class: "secondary", text: "获取验证码" });
  const go = el("button", { type: "submit", text: "登录" });
  const slot = el("div");
  const devSlot = el("div", { "aria-live": "polite" });
  ask.addEventListener("click", async () => {
    const sent = await guarded(ask, slot, async () => {
      const answer = await call("POST", "/api/v1/auth/employer/code", { json: { credit_code: credit.value.trim().toUpperCase(), phone: phone.value.trim() }, notice });
      slot.replaceChildren(el("p", { class: "success", text: answer.message }));
      devSlot.replaceChildren(await devInbox(phone.value.trim()));
      return true;
    });
    if (sent) waitBeforeAgain(ask, 60);  // one code a minute: the button says when the next may be asked
  });
  // A contact who bound WeChat signs in with it alone; one whose phone WeChat verifies needs no SMS code.
  const byWeChat = el("button", { type: "button", text: "微信登录（已绑定微信的联系人）" });
  byWeChat.addEventListener("click", () => guarded(byWeChat, slot, async () => {
    const body = { code: await loginCode(), credit_code: credit.value.trim().toUpperCase() };
    signedIn(await call("POST", "/api/v1/auth/employer/wechat/login", { json: body, notice }), body.credit_code, true);
  }));
  const byPhone = el("button", { type: "button", class: "secondary", text: "使用微信手机号登录" });
  byPhone.addEventListener("click", () => guarded(byPhone, slot, async () => {
    const phoneCode = await wechatPhoneCode();
    if (!phoneCode) return;
    const body = { code: await loginCode(), phone_code: phoneCode, credit_code: credit.value.trim().toUpperCase() };
    signedIn(await call("POST", "/api/v1/auth/employer/wechat/phone-login", { json: body, notice }), body.credit_code, true);
  }));
  const form = el("form", { novalidate: true },
    field("emp-credit", "统一社会信用代码", credit, "18位，营业执照上的代码"),
    el("div", { class: "actions" }, byWeChat, byPhone),
    el("p", { class: "hint", text: "或以联系人手机号和短信验证码登录：" }),
    field("emp-phone", "联系人手机号码", phone),
    el("div", { class: "actions" }, ask), field("emp-code", "短信验证码", code, "6位数字，5分钟内有效"),
    el("div", { class: "actions" }, go), slot, devSlot);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(go, slot, async () => {
      const body = { credit_code: credit.value.trim().toUpperCase(), phone: phone.value.trim(), code: code.value.trim() };
      signedIn(await call("POST", "/api/v1/auth/employer/login", { json: body, notice }), body.credit_code);
    });
  });
  show(el("h1", { text: "用人单位登录" }),
    el("p", { text: sub.startsWith("/refunds") ? "登录后查看本单位稳岗返还的比对结果，确认对公账户并申请。"
      : "与职工终止或解除劳动关系后，单位应将《失业保险金申领告知书》交给本人，并按时备案。" }), form);
}

async function signedIn(tokens, creditCode, viaWeChat = false) {
  session.set({ ...tokens, wechat_bound: viaWeChat });
  localStorage.setItem(CREDIT, creditCode);
  employerPage(location.hash.replace(/^#\/employer/, ""));  // on to the page that asked for the sign-in
}

// After an SMS sign-in: bind this WeChat, so the contact signs in with it and is reminded on it.
function bindWeChat() {
  const slot = el("div");
  const bind = el("button", { type: "button", class: "secondary", text: "绑定微信：以后用微信登录、在微信接收提醒" });
  bind.addEventListener("click", () => guarded(bind, slot, async () => {
    const answer = await call("POST", "/api/v1/auth/employer/wechat", { json: { code: await loginCode() }, notice });
    const tokens = await call("POST", "/api/v1/auth/employer/wechat/login",
      { json: { code: await loginCode(), credit_code: localStorage.getItem(CREDIT) || "" }, notice });
    session.set({ ...tokens, wechat_bound: true });  // signed in as the WeChat user now: subscriptions are theirs
    await askSubscriptions("employer_wechat_bound");
    slot.replaceChildren(el("p", { class: "success", role: "status", text: answer.message }));
    bind.remove();
  }));
  return el("div", { class: "card" }, bind, slot);
}

function waitBeforeAgain(button, seconds) {
  const label = button.textContent;
  button.disabled = true;
  const tick = () => {
    if (seconds <= 0) { button.disabled = false; button.textContent = label; return; }
    button.textContent = `${seconds}秒后可重新获取`;
    seconds -= 1;
    setTimeout(tick, 1000);
  };
  tick();
}

// Development only: the SMS stand-in plays the phone; in production this answers 404 and shows nothing.
async function devInbox(phone) {
  try {
    const texts = await call("GET", `/m/dev/inbox?phone=${encodeURIComponent(phone)}`);
    const found = texts.map((t) => String(t.params).match(/\b\d{6}\b/)).find(Boolean);
    return found ? el("p", { class: "hint", id: "dev-code", text: `开发环境：模拟短信收到的验证码为 ${found[0]}` }) : el("span");
  } catch {
    return el("span");
  }
}

async function duties(state, done = "") {
  let list;
  try {
    list = await call("GET", `/api/v1/employer/duties?state=${state}`, { notice });
  } catch (error) {
    return show(el("h1", { text: "告知义务" }), errorBox(error));
  }
  const tabs = el("nav", { "aria-label": "按状态查看" }, el("ul", { class: "actions tabs" },
    STATES.map(([key, label]) => el("li", {}, el("a", { class: key === state ? "button" : "button secondary", href: `#/employer?state=${key}`, "aria-current": key === state ? "page" : null, text: label })))));
  const rows = list.map((duty) => dutyCard(duty, state));
  show(el("h1", { text: "告知义务" }), done ? el("p", { class: "success", role: "status", text: done }) : null,
    session.get().wechat_bound ? null : bindWeChat(), tabs,
    rows.length ? rows : el("p", { text: state === "acknowledged" ? "暂无已送达记录。" : "暂无需要送达的职工。" }),
    el("h2", { text: "备案" }),
    el("ul", { class: "menu" }, el("li", {}, el("a", { href: "#/employer/file", text: "备案一名职工" })),
      el("li", {}, el("a", { href: "#/employer/form", text: "上传备案表（Excel 或 CSV）" })),
      el("li", {}, el("a", { href: "#/employer/messages", text: "我的消息" }))),
    el("h2", { text: "稳岗返还" }),
    el("ul", { class: "menu" }, el("li", {}, el("a", { href: "#/employer/refunds", text: "稳岗返还：查看比对结果并申请" }))));
}

function dutyCard(duty, state) {
  const slot = el("div");
  const pdf = el("button", { type: "button", class: "secondary", text: "下载告知书" });
  pdf.addEventListener("click", () => guarded(pdf, slot, async () => {
    const response = await call("GET", `/api/v1/employer/duties/${duty.id}/notice.pdf`, { raw: true, notice });
    const url = URL.createObjectURL(await response.blob());
    slot.replaceChildren(el("p", {}, el("a", { href: url, download: `告知书-${duty.worker.name}.pdf`, text: "告知书已生成，点此保存" })));
  }));
  const ack = el("button", { type: "button", text: "已交给本人，确认送达" });
  ack.addEventListener("click", () => {
    // A legal duty is confirmed on purpose: one more tap, with whom and what it means.
    const yes = el("button", { type: "button", text: `确认：已将告知书交给${duty.worker.name}本人` });
    const no = el("button", { type: "button", class: "secondary", text: "取消" });
    no.addEventListener("click", () => slot.replaceChildren());
    yes.addEventListener("click", () => guarded(yes, slot, async () => {
      await call("POST", `/api/v1/employer/duties/${duty.id}/acknowledge`, { json: {}, notice });
      if (session.get().wechat_bound) await askSubscriptions("employer_duty_acknowledged");  // for the next reminder
      await duties(state, `已确认送达：${duty.worker.name}`);
    }));
    slot.replaceChildren(el("p", { text: "确认后即记录贵单位已履行告知义务，不能撤回。" }), el("div", { class: "actions" }, yes, no));
  });
  const due = duty.due_on ? `请于${duty.due_on}前送达` : duty.due_note || "";
  return el("section", { class: "card", "data-duty": String(duty.id) },
    el("h2", { text: `${duty.worker.name}（${duty.worker.id_number}）` }),
    el("p", { text: `离职日期：${duty.separation_date}` }),
    duty.acknowledged_at ? el("p", { class: "success", text: `已于${new Date(duty.acknowledged_at).toLocaleDateString("zh-CN", { timeZone: "Asia/Shanghai" })}确认送达${duty.late ? "（逾期）" : ""}` })
      : el("p", { class: duty.overdue ? "error" : "", text: duty.overdue ? `已逾期，${due}` : due }),
    el("div", { class: "actions" }, pdf, duty.acknowledged_at ? null : ack), slot);
}

async function fileOne() {
  let labels;
  try {
    labels = await reasonLabels();
  } catch (error) {
    return show(el("h1", { text: "备案一名职工" }), errorBox(error));
  }
  const inputs = {
    name: el("input", { name: "name", maxlength: "50" }), id_number: el("input", { name: "id_number", maxlength: "18" }),
    separation_date: el("input", { type: "date", name: "separation_date" }),
    reason: el("select", { name: "reason" }, labels.map((r) => el("option", { value: r, text: r }))),
    phone: el("input", { type: "tel", name: "phone", maxlength: "11" }),
  };
  const button = el("button", { type: "submit", text: "提交备案" });
  const slot = el("div");
  const form = el("form", { novalidate: true },
    field("file-name", "姓名", inputs.name), field("file-id", "身份证号码", inputs.id_number),
    field("file-date", "失业（离职）日期", inputs.separation_date), field("file-reason", "失业原因", inputs.reason),
    field("file-phone", "职工联系电话（可选）", inputs.phone, "用于短信告知本人申领权利"),
    el("div", { class: "actions" }, button), slot);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.value.trim()]).filter(([, v]) => v));
    guarded(button, slot, async () => {
      await call("POST", "/api/v1/employer/filings", { json: body, notice });
      history.replaceState(null, "", "#/employer");
      await duties("pending", `已备案：${body.name}，请将告知书交给本人`);
    });
  });
  show(el("h1", { text: "备案一名职工" }), form);
}

async function uploadForm() {
  let labels;
  try {
    labels = await reasonLabels();
  } catch (error) {
    return show(el("h1", { text: "上传备案表" }), errorBox(error));
  }
  const file = el("input", { type: "file", name: "file", accept: ".xlsx,.csv" });
  const onlyGood = el("input", { type: "checkbox", id: "good-rows-only" });
  const button = el("button", { type: "submit", text: "上传备案表" });
  const slot = el("div");
  const form = el("form", { novalidate: true }, field("form-file", "备案表", file, "第一行为表头，列依次为：" + COLUMNS.join("、") + "。失业原因按下面的写法填写。"),
    el("div", { class: "card" }, el("label", { for: "good-rows-only" }, onlyGood, " 有错误行时，只导入正确的行")),
    el("div", { class: "actions" }, button), slot);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    guarded(button, slot, async () => {
      if (!file.files.length) throw Object.assign(new ApiError(422, { code: "FORM_REQUIRED", message: "请选择要上传的备案表" }), { nextStep: "" });
      const body = new FormData();
      body.append("file", file.files[0], file.files[0].name);
      try {
        const result = await call("POST", `/api/v1/employer/filings/form?good_rows_only=${onlyGood.checked}`, { form: body, notice });
        fill(slot, el("p", { class: "success", text: `已导入${result.rows_imported}人，未导入${result.rows_refused}行` }), problems(result.problems));
      } catch (error) {
        fill(slot, errorBox(error), problems((error.details && error.details.problems) || []));
      }
    });
  });
  show(el("h1", { text: "上传备案表" }), form,
    el("details", {}, el("summary", { text: "失业原因的写法" }), el("ul", {}, labels.map((r) => el("li", { text: r })))));
}

function problems(list) {
  if (!list.length) return null;
  return el("table", {}, el("caption", { text: "需要修改的行" }),
    el("thead", {}, el("tr", {}, ["行", "列", "问题"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, list.map((p) => el("tr", {}, el("td", { text: String(p.row) }), el("td", { text: p.column }), el("td", { text: p.message })))));
}
