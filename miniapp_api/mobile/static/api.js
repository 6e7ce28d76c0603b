// The public API as the mini-program calls it: one error shape, shown in Chinese with what to
// do next; a lost network or a 503 retried politely (Retry-After honoured), never silently.

const TOKENS = "miniapp.tokens";
const RETRIES = 3;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `请求失败（${status}）`);
    this.status = status;
    this.code = (body && body.code) || "HTTP_" + status;
    this.details = (body && body.details) || {};
  }
}

// Kept for this tab only; cleared, and the server session ended, by signing out.
// Each change is announced, so the header's sign-out button shows exactly while someone is signed in.
export const session = {
  get() { try { return JSON.parse(sessionStorage.getItem(TOKENS)) || null; } catch { return null; } },
  set(tokens) { sessionStorage.setItem(TOKENS, JSON.stringify(tokens)); window.dispatchEvent(new Event("miniapp-session")); },
  clear() { sessionStorage.removeItem(TOKENS); window.dispatchEvent(new Event("miniapp-session")); },
};

// An expired access token is renewed once with the refresh token (which the server rotates),
// so a person filling a long form is not sent back to sign in after 15 minutes.
async function renewed() {
  const tokens = session.get();
  if (!tokens || !tokens.refresh_token) return false;
  const response = await fetch("/api/v1/auth/refresh", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ refresh_token: tokens.refresh_token }),
  }).catch(() => null);
  if (!response || !response.ok) return false;
  session.set({ ...tokens, ...(await response.json()) });
  return true;
}

// Signing out ends the session on the server too, and forgets this device's sign-in details.
export async function signOut() {
  const tokens = session.get();
  if (tokens && tokens.access_token) {
    await fetch("/api/v1/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${tokens.access_token}` } }).catch(() => null);
  }
  session.clear();
  // The device id stays: it stands for the WeChat user, who is the same after signing out.
  for (const key of ["miniapp.credit-code", "miniapp.submit-key"]) {
    localStorage.removeItem(key);
    sessionStorage.removeItem(key);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function retryAfterMs(response, attempt) {
  const header = Number(response && response.headers.get("Retry-After"));
  return Number.isFinite(header) && header > 0 ? Math.min(header, 30) * 1000 : 1000 * 2 ** attempt;
}

export async function call(method, path, options = {}, renewing = true) {
  const { json, form, headers = {}, raw = false, notice } = options;
  const tokens = session.get();
  const sent = { ...headers };
  if (tokens && tokens.access_token) sent.Authorization = `Bearer ${tokens.access_token}`;
  let body;
  if (json !== undefined) { sent["Content-Type"] = "application/json"; body = JSON.stringify(json); }
  if (form !== undefined) body = form;
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(path, { method, headers: sent, body });
    } catch {
      if (attempt >= RETRIES) throw new ApiError(0, { code: "NETWORK", message: "网络连接失败，请检查网络后再试" });
      notice && notice(`网络不稳定，正在第${attempt + 1}次重试…`);
      await sleep(1000 * 2 ** attempt);
      continue;
    }
    if ((response.status === 503 || response.status === 502) && attempt < RETRIES) {
      notice && notice("服务繁忙，稍候自动重试…");
      await sleep(retryAfterMs(response, attempt));
      continue;
    }
    if (raw && response.ok) return response;
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!response.ok) {
      if (response.status === 401 && data && data.code === "TOKEN_EXPIRED" && renewing && (await renewed())) {
        return call(method, path, options, false);
      }
      if (response.status === 401) session.clear();
      throw new ApiError(response.status, data);
    }
    return data;
  }
}

// What a person should do next, for the error codes a page cannot fix by itself.
export function nextStep(error) {
  if (error.status === 401 && ["TOKEN_EXPIRED", "TOKEN_INVALID"].includes(error.code)) return "登录已过期，请重新登录。";
  if (error.status === 429) return "操作太频繁，请稍后再试。";
  if (error.status === 0 || error.status >= 500) return "请稍后再试；仍不行可拨打12333。";
  if (error.status === 403) return "如需帮助，可携带身份证到经办机构办理。";
  return "";
}
