// Small helpers to build the pages: text is always set as text, never as markup.

import { nextStep } from "./api.js";

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function show(...children) {
  const main = document.getElementById("app");
  main.replaceChildren(...children.flat().filter(Boolean));
  main.focus();
  window.scrollTo(0, 0);
}

export function notice(text) {
  document.getElementById("notice").textContent = text || "";
}

// The API names fields for developers too ("联系电话（phone）"): a person reads the Chinese only.
const plain = (text) => String(text || "").replace(/（[A-Za-z_.\d]+）/g, "");

export function errorBox(error) {
  const step = error.nextStep ?? nextStep(error);
  return el("div", { class: "error", role: "alert", "data-code": error.code || "" },
    plain(error.message), step ? el("br") : null, step || null);
}

export function fill(slot, ...children) {
  slot.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
}

export function field(id, label, input, hint) {
  input.id = id;
  if (hint) input.setAttribute("aria-describedby", `${id}-hint`);
  return el("div", {}, el("label", { for: id }, label), hint ? el("span", { class: "hint", id: `${id}-hint` }, hint) : null, input);
}

export function facts(rows) {
  return el("dl", { class: "facts" }, rows.flatMap(([key, value]) => [el("dt", { text: key }), el("dd", {}, value)]));
}

// Run an action with its button disabled, its error shown in `slot` (cleared first).
export async function guarded(button, slot, action) {
  slot.replaceChildren();
  button.disabled = true;
  try {
    return await action();
  } catch (error) {
    slot.replaceChildren(errorBox(error));
    return undefined;
  } finally {
    button.disabled = false;
    notice("");
  }
}
