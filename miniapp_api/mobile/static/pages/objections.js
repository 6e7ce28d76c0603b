// 异议申诉: dispute one field of the form, a decision or a suspension, with photos taken or chosen;
// then the objection's clock (answered within so many working days), supplements and rating.

import { call } from "../api.js";
import { askSubscriptions } from "../wx.js";
import { el, errorBox, facts, field, guarded, notice, show } from "../ui.js";

const CATEGORY = { record: "申领表信息有误", decision: "对审核决定有异议", suspension: "对暂停或停止发放有异议" };

export async function newObjection(params) {
  const fieldName = params.get("field");
  const claimId = params.get("claim");
  const category = fieldName ? "record" : CATEGORY[params.get("category")] ? params.get("category") : "decision";
  // The field's name comes from the form itself, never from the link (which anyone can write).
  let fieldLabel = "";
  if (fieldName) {
    try {
      const form = await call("GET", "/api/v1/claims/prefill", { notice });
      const known = form.fields[fieldName];
      if (!known || !known.dispute) throw Object.assign(new Error("申领表中没有这一项"), { code: "UNKNOWN_FIELD", nextStep: "请回到申领表，点相应项目旁的“有误？提出异议”。" });
      fieldLabel = known.label;
    } catch (error) {
      return show(el("h1", { text: "提出异议" }), errorBox(error));
    }
  }
  const description = el("textarea", { name: "description", rows: "4", maxlength: "1000", required: true });
  const claimed = el("input", { name: "claimed_value", maxlength: "200" });
  const photos = el("input", { type: "file", name: "image", accept: "image/jpeg,image/png", multiple: true });
  const list = el("ul", { "aria-live": "polite" });
  const attached = [];
  const slot = el("div");
  photos.addEventListener("change", async () => {
    for (const failed of list.querySelectorAll(".error")) failed.closest("li").remove();  // a past failure is past
    for (const file of photos.files) {
      const form = new FormData();
      form.append("image", file, file.name);
      try {
        const saved = await call("POST", "/api/v1/objections/images", { form, notice });
        attached.push(saved.id);
        list.append(el("li", { text: `已上传：${file.name}` }));
      } catch (error) {
        list.append(el("li", {}, errorBox(error)));
      }
    }
    photos.value = "";
  });
  const button = el("button", { type: "submit", text: "提交异议" });
  const form = el("form", { novalidate: true },
    category === "record" ? field("obj-claimed", "您认为正确的内容", claimed, fieldName === "separation_reason" ? "如：用人单位提出协商一致解除" : "请写明正确的内容") : null,
    field("obj-description", "异议说明", description, "请说明哪里不对、为什么"),
    field("obj-photos", "照片（可选）", photos, "可拍照或从相册选择，JPEG或PNG，每张单独上传"),
    list, el("div", { class: "actions" }, button), slot);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { category, description: description.value.trim(), attachment_ids: attached };
    if (fieldName) body.field = fieldName;
    if (claimId) body.claim_id = Number(claimId);
    if (category === "record" && claimed.value.trim()) body.claimed_value = claimed.value.trim();
    guarded(button, slot, async () => {
      await askSubscriptions("objection_filed");  // the tap WeChat requires: ask for the progress messages now
      const filed = await call("POST", "/api/v1/objections", { json: body, notice });
      location.hash = `#/claimant/objections/${filed.id}`;
    });
  });
  show(el("h1", { text: "提出异议" }), el("p", { text: CATEGORY[category] + (fieldLabel ? `：${fieldLabel}` : "") }),
    el("p", { class: "hint", text: "经办机构将在规定的工作日内答复，期间可补充材料。" }), form);
}

export async function objectionView(id) {
  let item;
  try {
    item = await call("GET", `/api/v1/objections/${id}`, { notice });
  } catch (error) {
    return show(el("h1", { text: "我的异议" }), errorBox(error));
  }
  const clock = item.clock || {};
  const due = clock.due_on ? `${clock.due_on}前答复（${clock.rule || ""}）` : clock.note || "答复期限待定";
  const parts = [
    el("h1", { text: "我的异议" }),
    facts([["编号", item.objection_no], ["类别", item.category_label + (item.field_label ? `：${item.field_label}` : "")],
      ["您认为正确的内容", item.claimed_value ?? "—"], ["状态", item.status_label], ["答复期限", due]]),
    el("p", { class: "basis", text: clock.basis ? `依据：${clock.basis}` : "" }),
    el("h2", { text: "异议说明" }), el("p", { text: item.description }),
    item.attachments.length ? el("p", { text: `已上传照片${item.attachments.length}张` }) : null,
  ];
  if (item.info_request) parts.push(el("div", { class: "card" }, el("strong", { text: "经办机构请您补充：" }), item.info_request), supplement(id));
  if (item.answer) {
    parts.push(el("section", { class: "card" }, el("h2", { text: "答复" }), el("p", { text: item.answer.text || "" }),
      item.answer.legal_basis ? el("p", { class: "basis", text: `依据：${item.answer.legal_basis}` }) : null));
  }
  if (item.next_steps && item.next_steps.length) {
    parts.push(el("h2", { text: "如仍有异议" }), el("ul", {}, item.next_steps.map((s) => el("li", {}, el("strong", { text: s.title })," ", s.text))));
  }
  if (item.rating) parts.push(el("p", { class: "success", text: `您已评价：${item.rating.score}分` }));
  else if (item.can_rate) parts.push(rating(`/api/v1/objections/${id}/rating`, () => objectionView(id)));
  parts.push(el("p", {}, el("a", { href: "#/claimant/objections", text: "返回我的异议" })));
  show(...parts);
}

function supplement(id) {
  const text = el("textarea", { rows: "3", maxlength: "1000" });
  const photo = el("input", { type: "file", accept: "image/jpeg,image/png" });
  const button = el("button", { type: "button", text: "提交补充材料" });
  const slot = el("div");
  button.addEventListener("click", () => guarded(button, slot, async () => {
    const ids = [];
    if (photo.files.length) {
      const form = new FormData();
      form.append("image", photo.files[0], photo.files[0].name);
      ids.push((await call("POST", "/api/v1/objections/images", { form, notice })).id);
    }
    await call("POST", `/api/v1/objections/${id}/supplement`, { json: { text: text.value.trim(), attachment_ids: ids }, notice });
    await objectionView(id);
    notice("已提交补充材料，答复期限继续计算");
  }));
  return el("div", {}, field("obj-supplement", "补充说明", text), field("obj-supplement-photo", "照片（可选）", photo),
    el("div", { class: "actions" }, button), slot);
}

export function rating(path, after) {
  const stars = el("select", { name: "score" }, [5, 4, 3, 2, 1].map((n) => el("option", { value: String(n), text: `${n}分${n === 5 ? "（非常满意）" : n === 1 ? "（很不满意）" : ""}` })));
  const comment = el("textarea", { rows: "2", maxlength: "300" });
  const button = el("button", { type: "button", text: "提交评价" });
  const slot = el("div");
  button.addEventListener("click", () => guarded(button, slot, async () => {
    await call("POST", path, { json: { score: Number(stars.value), comment: comment.value.trim() || undefined }, notice });
    slot.replaceChildren(el("p", { class: "success", text: "感谢您的评价" }));
    after && after();
  }));
  return el("section", { class: "card" }, el("h2", { text: "服务评价" }), field(`rate-${path.length}`, "评分", stars),
    field(`rate-comment-${path.length}`, "评价内容（可选）", comment), el("div", { class: "actions" }, button), slot);
}

export async function objectionList() {
  let items;
  try {
    items = await call("GET", "/api/v1/objections", { notice });
  } catch (error) {
    return show(el("h1", { text: "我的异议" }), errorBox(error));
  }
  show(el("h1", { text: "我的异议" }),
    items.length ? el("ul", { class: "menu" }, items.map((o) => el("li", {}, el("a", { href: `#/claimant/objections/${o.id}`, text: `${o.objection_no} ${o.category_label}${o.field_label ? `（${o.field_label}）` : ""}：${o.status_label}` }))))
      : el("p", { text: "您还没有提出过异议。" }),
    el("p", { class: "hint", text: "对申领表某一项有异议，请在申领表中该项旁点“有误？提出异议”；对审核决定有异议，请在“我的申领”中提出。" }));
}
