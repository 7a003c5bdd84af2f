// DOM helpers. Every value goes in as a text node or an attribute set through the DOM API: the UI never
// parses HTML, so a hostname, description or log line can never become markup or script.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

export function fmtBytes(n) {
  if (n === undefined || n === null || isNaN(n)) return '-';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0; let v = Number(n);
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i ? 2 : 0)} ${u[i]}`;
}

export function fmtUptime(s) {
  s = Number(s || 0);
  if (!s) return '-';
  const d = Math.floor(s / 86400), hh = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60), sec = Math.floor(s % 60);
  return `${d ? d + 'd ' : ''}${String(hh).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

export function fmtTime(epoch) {
  if (!epoch) return '-';
  return new Date(epoch * 1000).toLocaleString();
}

/** A table from rows; columns: [{title, render(row) -> node|string}]. */
export function table(columns, rows, opts = {}) {
  const body = rows.length
    ? rows.map(r => h('tr', { class: opts.rowClass?.(r), tabindex: opts.onRow ? 0 : undefined,
        onclick: opts.onRow && (() => opts.onRow(r)),
        onkeydown: opts.onRow && (e => { if (e.key === 'Enter') opts.onRow(r); }) },
        columns.map(c => h('td', { 'data-col': c.title }, c.render(r)))))
    : [h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, opts.empty || 'No entries'))];
  return h('table', { class: 'grid' },
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col' }, c.title)))),
    h('tbody', {}, body));
}
