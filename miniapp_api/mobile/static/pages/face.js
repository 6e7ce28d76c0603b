// 人脸核验 with the phone's camera: separate consent first, then the random actions one at a
// time with a countdown while MediaRecorder films, the clip uploaded; the queue's Retry-After
// honoured. A failed check says which step failed and offers another try or the counter.

import { ApiError, call } from "../api.js";
import { el, errorBox, notice, show } from "../ui.js";
import { facialVerify } from "../wx.js";

// The server takes at most 5 s of video: a short hold, then the actions share about 4 s.
const HOLD_MS = 500;
const ACTIONS_MS = 3900;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function counterHelp() {
  return el("p", { class: "hint", text: "不便刷脸的，可携带身份证到当地失业保险经办机构窗口办理，效果相同。" });
}

// `start(consent)` opens the challenge (a bound claimant's, or a binding one); `done(verdict)` follows a pass.
export function faceCheck({ title, start, done }) {
  const consent = el("input", { type: "checkbox", id: "face-consent" });
  const go = el("button", { type: "button", text: "同意并开始刷脸" });
  const slot = el("div");
  go.addEventListener("click", async () => {
    if (!consent.checked) {
      slot.replaceChildren(el("div", { class: "error", role: "alert", text: "请先阅读并勾选同意人脸核验。" }));
      return;
    }
    go.disabled = true;
    slot.replaceChildren();
    try {
      await record(await start(true), slot, done);
    } catch (error) {
      slot.replaceChildren(errorBox(error));
    } finally {
      go.disabled = false;
    }
  });
  show(
    el("h1", { text: title }),
    el("p", { text: "为确认是您本人办理，需要用手机摄像头核验人脸：按提示完成几个动作，与您的登记照片（或经微信与公安部门的照片）比对。" }),
    el("p", { class: "hint", text: "画面只用于本次核验，核验后即删除，不保存原始画面。" }),
    el("div", { class: "card" }, el("label", { for: "face-consent" }, consent, " 我单独同意采集人脸信息用于本次身份核验")),
    el("div", { class: "actions" }, go, el("a", { class: "button secondary", href: "#/claimant", text: "暂不刷脸" })),
    counterHelp(),
    slot,
  );
}

async function record(challenge, slot, done) {
  if (challenge.provider === "wechat") return viaWeChat(challenge, slot, done);
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: 640, height: 480 }, audio: false });
  } catch {
    throw new ApiError(0, { code: "CAMERA_UNAVAILABLE", message: "无法打开摄像头：请在浏览器设置中允许使用摄像头后再试" });
  }
  const video = el("video", { autoplay: true, muted: true, playsinline: true, "aria-label": "摄像头画面", width: "320" });
  video.srcObject = stream;
  const prompt = el("p", { class: "card", role: "status", "aria-live": "assertive", id: "face-prompt", text: "请正对屏幕…" });
  slot.replaceChildren(prompt, video);
  const type = ["video/webm;codecs=vp8", "video/webm;codecs=vp9", "video/webm", "video/mp4"].find((t) => MediaRecorder.isTypeSupported(t));
  const recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
  const chunks = [];
  recorder.ondataavailable = (event) => event.data.size && chunks.push(event.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start(250);
  prompt.textContent = "请正对屏幕，保持不动";
  await sleep(HOLD_MS);
  const each = Math.min(2000, Math.floor(ACTIONS_MS / challenge.instructions.length));
  for (const [index, instruction] of challenge.instructions.entries()) {
    const ends = Date.now() + each;
    while (Date.now() < ends) {
      const left = Math.max(1, Math.ceil((ends - Date.now()) / 1000));
      prompt.textContent = `第${index + 1}步（共${challenge.instructions.length}步）：${instruction}（${left}秒）`;
      await sleep(Math.min(250, Math.max(0, ends - Date.now())));
    }
  }
  prompt.textContent = "拍摄完成，正在核验…";
  recorder.stop();
  await stopped;
  stream.getTracks().forEach((track) => track.stop());
  const clip = new Blob(chunks, { type: recorder.mimeType || "video/webm" });
  const verdict = await upload(challenge.challenge_id, clip);
  if (verdict.passed) return done(verdict);
  slot.replaceChildren(
    el("div", { class: "error", role: "alert" }, "核验未通过：", el("ul", {}, verdict.reasons.map((r) => el("li", { text: r.message })))),
    el("p", { text: "可以按提示调整后再试一次，或到经办机构窗口办理。" }),
  );
}

// This deployment checks faces with WeChat's 人脸核身: WeChat compares the face with the
// public-security photo; the server then asks WeChat for the true result.
async function viaWeChat(challenge, slot, done) {
  slot.replaceChildren(el("p", { class: "card", role: "status", text: challenge.instructions[0] }));
  await facialVerify(challenge.verify_id);
  notice("正在查询核身结果…");
  const verdict = await call("POST", `/api/v1/liveness/challenges/${encodeURIComponent(challenge.challenge_id)}/wechat-result`, { notice });
  notice("");
  if (verdict.passed) return done(verdict);
  const left = verdict.reasons.every((r) => /^WECHAT_900/.test(r.code));  // the user left WeChat's screens
  slot.replaceChildren(
    el("div", { class: "error", role: "alert" }, left ? "已退出微信人脸核身：" : "核身未通过：",
      el("ul", {}, verdict.reasons.map((r) => el("li", { text: r.message })))),
    el("p", { text: "可以再试一次，或到经办机构窗口办理。" }),
  );
  return undefined;
}

async function upload(challengeId, clip) {
  const extension = clip.type.includes("mp4") ? "mp4" : "webm";
  for (;;) {
    const form = new FormData();
    form.append("video", clip, `face.${extension}`);
    try {
      return await call("POST", `/api/v1/liveness/challenges/${encodeURIComponent(challengeId)}/response`, { form, notice });
    } catch (error) {
      if (error.code !== "LIVENESS_BUSY") throw error;
      notice("核验排队中，请稍候…");
      await sleep(Math.min(30, Number(error.details.retry_after_s) || 3) * 1000);
    }
  }
}
