// What the pages ask of WeChat itself: the subscribe-message popup, the phone number WeChat
// verified, and WeChat's 人脸核身. Inside the mini-program these are wx.* calls. In a browser
// (development) the page draws a stand-in for WeChat's own sheet, and the WeChat stand-in plays
// WeChat behind it: it notes the answers and pushes them to the service, as WeChat does.

import { ApiError, call } from "./api.js";
import { el } from "./ui.js";

const wx = typeof window.wx === "object" && window.wx ? window.wx : null;

const DEVICE = "miniapp.device";

// This browser's WeChat user in development: the same browser is the same WeChat user again.
function device() {
  let id = localStorage.getItem(DEVICE);
  if (!/^[0-9a-f]{16}$/.test(id || "")) {
    id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem(DEVICE, id);
  }
  return id;
}

// wx.login's one-time code (in a browser: the WeChat stand-in's, in development only).
export async function loginCode() {
  if (wx) return new Promise((resolve, reject) => wx.login({ success: (r) => resolve(r.code), fail: reject }));
  try {
    return (await call("POST", "/m/dev/wx-login", { json: { device: device() } })).code;
  } catch (error) {
    if (error.status === 404) {
      throw Object.assign(new ApiError(404, { code: "OPEN_IN_WECHAT", message: "请在微信中打开“失业保险服务”小程序办理" }), { nextStep: "" });
    }
    throw error;
  }
}

// The templates' names in templates.json, as WeChat's popup would title them.
const TEMPLATE_TITLES = {
  "claim-progress-subscribe": "申领进度通知",
  "benefit-change-subscribe": "待遇发放与变动通知",
  "objection-progress-subscribe": "异议办理进度通知",
  "account-security-subscribe": "账号安全通知",
  "employer-duty-subscribe": "告知书送达与备案提醒",
  "employer-refund-subscribe": "稳岗返还办理进度",
  "staff-task-subscribe": "经办工作提醒",
};

// A modal sheet with the given body and buttons; resolves with the value of the button pressed.
function sheet(title, body, buttons) {
  return new Promise((resolve) => {
    const dialog = el("div", { class: "sheet", role: "dialog", "aria-modal": "true", "aria-labelledby": "sheet-title" });
    const close = (value) => { dialog.remove(); resolve(value); };
    dialog.append(
      el("div", { class: "sheet-body" },
        el("p", { class: "hint", text: "（开发环境：代替微信的弹窗）" }),
        el("h2", { id: "sheet-title", text: title }), body,
        el("div", { class: "actions" }, buttons.map(([label, value, secondary]) =>
          el("button", { type: "button", class: secondary ? "secondary" : undefined, text: label, onclick: () => close(value) })))),
    );
    document.body.append(dialog);
    dialog.querySelector("button").focus();
  });
}

// Ask for the subscribe messages of `moment` (right after a tap, as WeChat requires), and tell the
// service what the user allowed. Returns the answers, or null when nothing was asked.
export async function askSubscriptions(moment) {
  let moments;
  try {
    moments = (await call("GET", "/api/v1/wechat/subscriptions")).moments;
  } catch {
    return null;  // signed in without WeChat (an employer by SMS code): nothing to subscribe
  }
  const ids = (moments[moment] || []).slice(0, 3);  // WeChat shows at most three in one popup
  if (!ids.length) return null;
  const results = wx ? await wxSubscribe(ids) : await devSubscribe(ids);
  if (!results) return null;
  const answers = Object.fromEntries(ids.filter((id) => results[id]).map((id) => [id, results[id]]));
  if (Object.keys(answers).length) {
    await call("POST", "/api/v1/wechat/subscriptions", { json: { results: answers } }).catch(() => null);
  }
  return answers;
}

function wxSubscribe(ids) {
  return new Promise((resolve) => wx.requestSubscribeMessage({ tmplIds: ids, success: resolve, fail: () => resolve(null) }));
}

async function devSubscribe(ids) {
  const boxes = ids.map((id) => el("input", { type: "checkbox", id: `sub-${id}`, checked: true }));
  const list = el("div", {}, ids.map((id, i) => el("label", { for: `sub-${id}` }, boxes[i], ` ${TEMPLATE_TITLES[id] || id}`)));
  const allowed = await sheet("允许本小程序向您发送以下消息？", list, [["允许", true], ["取消", false, true]]);
  const results = Object.fromEntries(ids.map((id, i) => [id, allowed && boxes[i].checked ? "accept" : "reject"]));
  await call("POST", "/m/dev/subscribe", { json: { results } }).catch(() => null);
  return results;
}

// getPhoneNumber's one-time code for the phone WeChat verified (the server reads the number).
export async function wechatPhoneCode() {
  if (wx) return null;  // inside WeChat this is a <button open-type="getPhoneNumber">, not a call
  const phone = el("input", { type: "tel", id: "sheet-phone", inputmode: "numeric", maxlength: "11" });
  const body = el("div", {}, el("label", { for: "sheet-phone", text: "微信绑定的手机号（演示时填写）" }), phone);
  const shared = await sheet("微信将向本小程序提供您的手机号", body, [["允许", true], ["拒绝", false, true]]);
  if (!shared) return null;
  if (!/^1\d{10}$/.test(phone.value.trim())) {
    throw new ApiError(422, { code: "PHONE_REQUIRED", message: "请填写11位手机号码后再允许" });
  }
  const answer = await call("POST", "/m/dev/phone-code", { json: { phone: phone.value.trim() } }).catch(() => null);
  return answer ? answer.code : null;
}

// wx.requestFacialVerify with the server's verify_id; resolves once the user left WeChat's screens.
export async function facialVerify(verifyId) {
  if (wx) {
    return new Promise((resolve) => wx.requestFacialVerify({ verifyId, success: () => resolve(true), fail: () => resolve(false) }));
  }
  const done = await sheet("微信人脸核身", el("p", { text: "微信将比对您本人与公安部门登记的照片。" }),
    [["完成核身", true], ["退出核身", false, true]]);
  await call("POST", "/m/dev/facial-outcome", { json: { verify_ret: done ? 10000 : 90004 } }).catch(() => null);
  return done;
}
