// 待遇测算: anyone, no login. The same rules as the claim review decide it.

import { call } from "../api.js";
import { el, errorBox, facts, field, guarded, notice, show } from "../ui.js";

const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);

export async function estimatePage() {
  const slot = el("div");
  show(el("h1", { text: "待遇测算" }), el("p", { text: "正在加载统筹地区…" }));
  let regions, reasons;
  try {
    [regions, reasons] = await Promise.all([
      call("GET", "/api/v1/regions", { notice }),
      call("GET", "/api/v1/benefits/separation-reasons", { notice }),
    ]);
  } catch (error) {
    return show(el("h1", { text: "待遇测算" }), errorBox(error));
  }
  const region = el("select", { name: "region", required: true },
    regions.map((r) => el("option", { value: r.code, text: `${r.province || ""}${r.name}` })));
  const birth = el("input", { type: "date", name: "birth_date", required: true, max: today() });
  const sex = el("select", { name: "sex" }, el("option", { value: "male", text: "男" }), el("option", { value: "female", text: "女" }));
  const womanAge = el("select", { name: "female_original_retirement_age" },
    el("option", { value: "50", text: "50周岁（工人岗位）" }), el("option", { value: "55", text: "55周岁（干部、管理岗位）" }));
  const womanRow = field("est-woman", "原法定退休年龄", womanAge, "女性按原岗位选择");
  womanRow.hidden = true;
  sex.addEventListener("change", () => { womanRow.hidden = sex.value !== "female"; });
  const months = el("input", { type: "number", name: "contribution_months", min: "0", max: "1000", inputmode: "numeric", required: true });
  const separated = el("input", { type: "date", name: "separation_date", required: true });
  const reason = el("select", { name: "separation_reason" },
    reasons.map((r) => el("option", { value: r.code, text: r.label })));
  const button = el("button", { type: "submit", text: "开始测算" });
  const form = el("form", { novalidate: true },
    field("est-region", "参保统筹地区", region),
    field("est-birth", "出生日期", birth),
    field("est-sex", "性别", sex),
    womanRow,
    field("est-months", "累计缴费月数", months, "失业保险累计缴费时间，单位：月"),
    field("est-separated", "失业日期", separated, "劳动关系终止或解除的日期"),
    field("est-reason", "失业原因", reason),
    el("div", { class: "actions" }, button),
    slot);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = {
      region: region.value, birth_date: birth.value, sex: sex.value,
      contribution_months: Number.parseInt(months.value, 10), separation_date: separated.value,
      separation_reason: reason.value,
    };
    if (sex.value === "female") body.female_original_retirement_age = Number(womanAge.value);
    // What the person can fix here is said here, in their words: the service checks it all again.
    const missing = [[birth, "出生日期"], [months, "累计缴费月数"], [separated, "失业日期"]].filter(([input]) => !input.value).map(([, name]) => name);
    const problem = missing.length ? `请填写${missing.join("、")}` : separated.value > today() ? "失业日期不能晚于今天" : "";
    if (problem) {
      slot.replaceChildren(el("div", { class: "error", role: "alert", text: problem }));
      return;
    }
    guarded(button, slot, async () => {
      const result = await call("POST", "/api/v1/benefits/estimate", { json: body, notice });
      slot.replaceChildren(outcome(result));
      slot.querySelector("h2").focus();
    });
  });
  show(el("h1", { text: "待遇测算" }), el("p", { class: "hint", text: "测算结果仅供参考，以经办机构审核为准。" }), form);
}

function outcome(result) {
  const heading = el("h2", { tabindex: "-1", text: result.eligible ? "测算结果：符合领取条件" : "测算结果：不符合领取条件" });
  if (!result.eligible) {
    return el("section", { class: "card", "aria-live": "polite" }, heading,
      el("ul", {}, result.reasons.map((r) => el("li", {}, r.message, el("div", { class: "basis", text: `依据：${r.legal_basis}` })))));
  }
  const first = result.schedule[0];
  return el("section", { class: "card", "aria-live": "polite" }, heading,
    facts([
      ["领取期限", `${result.entitlement_months}个月`],
      ["续发", result.continued_payment_months ? `期满后继续发放${result.continued_payment_months}个月至法定退休年龄` : "无"],
      ["首月金额", first ? `${first.amount}元（${first.period}）` : "—"],
      ["合计", `${result.total_amount}元`],
      ["医疗保险费", first ? `每月${first.medical_premium}元，由失业保险基金代缴，个人不缴纳` : "—"],
      ["法定退休时间", `${result.legal_retirement_date}（${result.legal_retirement_age}）`],
    ]),
    el("details", {}, el("summary", { text: "计算依据" }),
      el("ul", {}, result.trace.steps.map((s) => el("li", {}, s.reason, el("div", { class: "basis", text: s.basis }))))));
}
