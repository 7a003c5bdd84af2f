// Shared widgets: status icons, modal forms that show API errors next to their fields, confirmations,
// tabs, and the live task viewer.
import { h, replace } from './dom.js';
import * as api from './api.js';

export function statusIcon(status) {
  return h('span', { class: `status-icon ${status}`, 'aria-hidden': 'true' });
}

/**
 * A modal form. fields: [{name, label, type?, value?, options?: [[value,label]], required?, help?, placeholder?}].
 * submit(values) performs the API call; an ApiError with errors{field: msg} is shown under each field.
 */
export function formDialog({ title, fields, submit, submitLabel = 'OK', id }) {
  const inputs = {};
  const errs = {};
  const general = h('p', { class: 'error', role: 'alert' });
  const rows = fields.map(f => {
    let input;
    const common = { name: f.name, id: `f-${f.name}`, required: f.required, placeholder: f.placeholder,
      'aria-describedby': `e-${f.name}` };
    if (f.type === 'select') {
      input = h('select', common, (f.options || []).map(([v, l]) => h('option', { value: v, selected: String(f.value ?? '') === String(v) || undefined }, l)));
    } else if (f.type === 'textarea') {
      input = h('textarea', { ...common, rows: 4 });
      input.value = f.value ?? '';
    } else if (f.type === 'checkbox') {
      input = h('input', { ...common, type: 'checkbox', checked: !!Number(f.value ?? 0) });
    } else if (f.type === 'file') {
      input = h('input', { ...common, type: 'file', accept: f.accept });
    } else {
      input = h('input', { ...common, type: f.type || 'text', value: f.value ?? '', min: f.min, max: f.max, step: f.step });
    }
    inputs[f.name] = input;
    errs[f.name] = h('span', { class: 'field-error', id: `e-${f.name}`, role: 'alert' });
    return h('label', { class: `field${f.type === 'checkbox' ? ' check' : ''}` }, f.label, input,
      f.help ? h('small', { class: 'help' }, f.help) : null, errs[f.name]);
  });
  const dlg = h('dialog', { class: 'modal', id, 'aria-label': title });
  const form = h('form', { method: 'dialog', onsubmit: async e => {
    e.preventDefault();
    general.textContent = '';
    Object.values(errs).forEach(el => { el.textContent = ''; });
    const values = {};
    for (const [k, el] of Object.entries(inputs)) {
      values[k] = el.type === 'checkbox' ? (el.checked ? 1 : 0) : el.type === 'file' ? el.files[0] : el.value;
    }
    form.classList.add('busy');
    try {
      await submit(values, { inputs, dlg });
      dlg.close();
    } catch (ex) {
      showApiError(ex, errs, general);
    } finally { form.classList.remove('busy'); }
  } },
    h('h2', {}, title), rows, general,
    h('div', { class: 'buttons' },
      h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel'),
      h('button', { type: 'submit', class: 'primary', id: id ? `${id}-ok` : undefined }, submitLabel)));
  dlg.append(form);
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  (Object.values(inputs)[0])?.focus();
  return { dlg, inputs };
}

/** Puts each field error under its field; the rest (and the message) goes to `general`. */
export function showApiError(ex, errs, general) {
  const fieldErrors = (ex && ex.errors) || {};
  let rest = [];
  for (const [k, msg] of Object.entries(fieldErrors)) {
    const key = errs[k] ? k : Object.keys(errs).find(n => k.startsWith(n));
    if (key) errs[key].textContent = String(msg);
    else rest.push(`${k}: ${msg}`);
  }
  general.textContent = [ex.message || String(ex), ...rest].join(' \u2014 ');
}

export function confirmDialog(title, text, action, okLabel = 'Yes') {
  return formDialog({ title, fields: [], submitLabel: okLabel, id: 'confirm', submit: action })
    .dlg.querySelector('h2').after(h('p', {}, text));
}

export function tabs(ctx, base, items, active) {
  return h('nav', { class: 'tabs', 'aria-label': 'Views' },
    items.map(([key, label]) => h('a', { href: `${base}/${key}`, id: `tab-${key}`,
      'aria-current': key === active ? 'page' : undefined }, label)));
}

/** A panel showing an API error in place of a view that could not load. */
export function errorPanel(ex) {
  return h('p', { class: 'error', role: 'alert' }, ex.message || String(ex));
}

/**
 * Opens the task viewer for a UPID: status, and the log as it grows (polled while running).
 * Returns a promise of the exit status.
 */
export function taskViewer(upid, { title } = {}) {
  const node = api.upidNode(upid);
  const log = h('pre', { class: 'tasklog', id: 'task-log', 'aria-live': 'polite' });
  const status = h('span', { class: 'task-status', id: 'task-status' }, 'running');
  const progress = h('progress', { id: 'task-progress' });
  const ctl = new AbortController();
  const stop = h('button', { type: 'button', id: 'task-stop', onclick: () => api.del(`/nodes/${api.enc(node)}/tasks/${api.enc(upid)}`).catch(() => {}) }, 'Stop');
  const dlg = h('dialog', { class: 'modal wide', id: 'task-viewer', 'aria-label': 'Task viewer' },
    h('h2', {}, title || 'Task'),
    h('p', {}, h('code', { class: 'upid' }, upid)),
    h('p', {}, 'Status: ', status, ' ', progress),
    log,
    h('div', { class: 'buttons' }, stop, h('button', { type: 'button', id: 'task-close', onclick: () => dlg.close() }, 'Close')));
  dlg.addEventListener('close', () => { ctl.abort(); dlg.remove(); });
  document.body.append(dlg);
  dlg.showModal();
  return api.waitTask(node, upid, line => {
    log.append(document.createTextNode(line + '\n'));
    log.scrollTop = log.scrollHeight;
    const m = /(\d+)%/.exec(line);
    if (m) progress.value = Number(m[1]) / 100;
  }, ctl.signal).then(exit => {
    if (exit !== null) {
      status.textContent = exit;
      status.classList.add(exit === 'OK' ? 'ok' : 'failed');
      progress.max = 1; progress.value = 1;
      stop.disabled = true;
    }
    return exit;
  }, ex => { status.textContent = `error: ${ex.message}`; status.classList.add('failed'); throw ex; });
}

/** Runs an API call that returns a UPID and shows the task; errors are shown in `errEl`. */
export async function runTask(promise, title, errEl) {
  try {
    const upid = await promise;
    if (typeof upid === 'string' && upid.startsWith('UPID:')) return await taskViewer(upid, { title });
    return 'OK';
  } catch (ex) {
    if (errEl) errEl.textContent = ex.message;
    throw ex;
  }
}

export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), children);
}

export function clearAndShow(el, ...c) { return replace(el, ...c); }
