// The pages' router: #/ home, #/estimate, #/claimant/..., #/employer/...

import { estimatePage } from "./pages/estimate.js";
import { claimantPage } from "./pages/claimant.js";
import { employerPage } from "./pages/employer.js";
import { session, signOut } from "./api.js";
import { el, show } from "./ui.js";

const LARGE = "miniapp.large-text";

function applyTextSize(large) {
  document.documentElement.classList.toggle("large", large);
  const button = document.getElementById("text-size");
  button.setAttribute("aria-pressed", String(large));
  button.textContent = large ? "标准字号" : "大字模式";
}

function home() {
  show(
    el("h1", { text: "失业保险服务" }),
    el("p", { text: "失业后可在手机上申领失业保险金，无需到窗口，无需提供证明材料。" }),
    el("ul", { class: "menu" },
      el("li", {}, el("a", { href: "#/claimant", text: "我要申领失业保险金" })),
      el("li", {}, el("a", { href: "#/estimate", text: "待遇测算（无需登录）" })),
      el("li", {}, el("a", { href: "#/employer", text: "用人单位：送达告知书与备案" })),
      el("li", {}, el("a", { href: "#/employer/refunds", text: "用人单位：稳岗返还" }))),
    el("p", { class: "hint", text: "不方便使用手机的，可携带身份证到当地失业保险经办机构办理，或拨打12333咨询。" }),
  );
}

const ROUTES = [
  [/^#\/estimate$/, estimatePage],
  [/^#\/claimant(\/.*)?$/, claimantPage],
  [/^#\/employer(.*)?$/, employerPage],
];

function showSignOut() {
  document.getElementById("sign-out").hidden = !session.get();
}

function route() {
  showSignOut();
  const hash = location.hash || "#/";
  for (const [pattern, page] of ROUTES) {
    const match = hash.match(pattern);
    if (match) return page(match[1] || "");
  }
  return home();
}

applyTextSize(localStorage.getItem(LARGE) === "1");
document.getElementById("text-size").addEventListener("click", () => {
  const large = !document.documentElement.classList.contains("large");
  localStorage.setItem(LARGE, large ? "1" : "0");
  applyTextSize(large);
});
document.getElementById("sign-out").addEventListener("click", async () => {
  await signOut();
  location.hash = "#/";
  route();
  document.getElementById("notice").textContent = "已退出登录";
});
window.addEventListener("hashchange", route);
window.addEventListener("miniapp-session", showSignOut);
route();
