// Small DOM helpers: elements are built from data with textContent, never from HTML strings,
// so nothing a person wrote or a tool returned can run as markup.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

export function number(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return Number(value).toLocaleString("en", { maximumFractionDigits: digits });
}

export function percent(value) {
  return `${Math.round(value * 100)}%`;
}

export const QUADRANT_WORDS = {
  high_energy_pleasant: "high energy, pleasant",
  high_energy_unpleasant: "high energy, unpleasant",
  low_energy_unpleasant: "low energy, unpleasant",
  low_energy_pleasant: "low energy, pleasant",
};
