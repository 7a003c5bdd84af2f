// Create CT wizard: General, Template, Disks, CPU, Memory, Network, DNS, Confirm. One POST /nodes/{node}/lxc;
// API errors land next to their field and the wizard jumps to the step that holds it.
import { h, replace, fmtBytes } from './dom.js';
import * as api from './api.js';
import { taskViewer } from './common.js';
import { netFields, netValue } from './ct.js';

export async function openWizard(onDone) {
  const resources = await api.get('/cluster/resources').catch(() => []);
  const nodes = resources.filter(r => r.type === 'node').map(r => r.node);
  const node0 = nodes[0] || 'localhost';
  let nextid = '';
  try { nextid = await api.get('/cluster/nextid'); } catch { /* user types one */ }

  const inputs = {}; const errs = {}; const stepOf = {};
  const field = (step, f) => {
    let input;
    const common = { name: f.name, id: `wz-${f.name}`, required: f.required, placeholder: f.placeholder, 'aria-describedby': `wze-${f.name}` };
    if (f.type === 'select') input = h('select', common, (f.options || []).map(([v, l]) => h('option', { value: v }, l)));
    else if (f.type === 'textarea') input = h('textarea', { ...common, rows: 3 });
    else if (f.type === 'checkbox') input = h('input', { ...common, type: 'checkbox', checked: !!f.value });
    else input = h('input', { ...common, type: f.type || 'text', value: f.value ?? '', min: f.min, max: f.max, step: f.step });
    if (f.type === 'select' && f.value !== undefined) input.value = f.value;
    inputs[f.name] = input; stepOf[f.name] = step;
    errs[f.name] = h('span', { class: 'field-error', id: `wze-${f.name}`, role: 'alert' });
    return h('label', { class: `field${f.type === 'checkbox' ? ' check' : ''}` }, f.label, input, errs[f.name]);
  };
  const steps = [
    ['General', [
      { name: 'node', label: 'Node', type: 'select', options: nodes.map(n => [n, n]), value: node0 },
      { name: 'vmid', label: 'CT ID', type: 'number', value: nextid, required: true, min: 100 },
      { name: 'hostname', label: 'Hostname', placeholder: 'ct-name' },
      { name: 'unprivileged', label: 'Unprivileged container', type: 'checkbox', value: 1 },
      { name: 'password', label: 'Password', type: 'password' },
      { name: 'password2', label: 'Confirm password', type: 'password' },
      { name: 'ssh-public-keys', label: 'SSH public key(s)', type: 'textarea' }]],
    ['Template', [
      { name: 'tstorage', label: 'Storage', type: 'select', options: [] },
      { name: 'ostemplate', label: 'Template', type: 'select', options: [], required: true }]],
    ['Disks', [
      { name: 'rstorage', label: 'Storage', type: 'select', options: [] },
      { name: 'disksize', label: 'Disk size (GiB)', type: 'number', value: 8, min: 0.001, step: 'any', required: true }]],
    ['CPU', [{ name: 'cores', label: 'Cores', type: 'number', value: 1, min: 1, max: 8192 }]],
    ['Memory', [
      { name: 'memory', label: 'Memory (MiB)', type: 'number', value: 512, min: 16 },
      { name: 'swap', label: 'Swap (MiB)', type: 'number', value: 512, min: 0 }]],
    ['Network', netFields({}).filter(f => f.name !== 'mtu' && f.name !== 'rate')],
    ['DNS', [
      { name: 'searchdomain', label: 'DNS domain', placeholder: 'use host settings' },
      { name: 'nameserver', label: 'DNS servers', placeholder: 'use host settings' }]],
    ['Confirm', [{ name: 'start', label: 'Start after created', type: 'checkbox' }]],
  ];
  const panes = steps.map(([name, fields], i) => h('fieldset', { class: 'wizard-step', hidden: i > 0, id: `wz-step-${i}` },
    h('legend', {}, name), fields.map(f => field(i, f))));
  const summary = h('dl', { class: 'kv', id: 'wz-summary' });
  panes[panes.length - 1].append(summary);
  const nav = h('ol', { class: 'wizard-nav' }, steps.map(([name], i) => h('li', { id: `wz-nav-${i}` }, name)));
  const general = h('p', { class: 'error', role: 'alert', id: 'wz-error' });
  let at = 0;
  const back = h('button', { type: 'button', id: 'wz-back', onclick: () => show(at - 1) }, 'Back');
  const next = h('button', { type: 'button', id: 'wz-next', class: 'primary', onclick: () => { if (validStep(at)) show(at + 1); } }, 'Next');
  const finish = h('button', { type: 'submit', id: 'wz-finish', class: 'primary' }, 'Finish');
  const show = i => {
    at = Math.max(0, Math.min(steps.length - 1, i));
    panes.forEach((p, j) => { p.hidden = j !== at; });
    [...nav.children].forEach((li, j) => li.classList.toggle('active', j === at));
    back.disabled = at === 0;
    next.hidden = at === steps.length - 1;
    finish.hidden = at !== steps.length - 1;
    if (at === steps.length - 1) replace(summary, Object.entries(params()).flatMap(([k, v]) =>
      k === 'password' ? [] : [h('dt', {}, k), h('dd', {}, String(v))]));
    panes[at].querySelector('input,select,textarea')?.focus();
  };
  const validStep = i => {
    let ok = true;
    for (const [k, el] of Object.entries(inputs)) {
      if (stepOf[k] !== i) continue;
      errs[k].textContent = '';
      if (!el.checkValidity()) { errs[k].textContent = el.validationMessage; ok = false; }
    }
    if (i === 0 && inputs.password.value !== inputs.password2.value) { errs.password2.textContent = 'Passwords do not match'; ok = false; }
    return ok;
  };
  const params = () => {
    const v = k => inputs[k].type === 'checkbox' ? (inputs[k].checked ? 1 : 0) : inputs[k].value.trim();
    const net = netValue({ name: v('name'), bridge: v('bridge'), tag: v('tag'), hwaddr: v('hwaddr'), ip: v('ip'), gw: v('gw'),
      ip6: v('ip6'), gw6: v('gw6'), firewall: v('firewall') });
    const p = { vmid: v('vmid'), hostname: v('hostname'), ostemplate: v('ostemplate'), unprivileged: v('unprivileged'),
      password: v('password') || undefined, 'ssh-public-keys': v('ssh-public-keys') || undefined,
      rootfs: `${v('rstorage')}:${v('disksize')}`, cores: v('cores'), memory: v('memory'), swap: v('swap'), net0: net,
      searchdomain: v('searchdomain') || undefined, nameserver: v('nameserver') || undefined, start: v('start') };
    return Object.fromEntries(Object.entries(p).filter(([, x]) => x !== undefined && x !== ''));
  };
  // errors for net0 / rootfs map to the fields that build them
  const errorField = { net0: 'bridge', rootfs: 'disksize', ostemplate: 'ostemplate' };
  const dlg = h('dialog', { class: 'modal wide wizard', id: 'create-wizard', 'aria-label': 'Create: LXC Container' });
  const form = h('form', { onsubmit: async e => {
    e.preventDefault();
    general.textContent = '';
    Object.values(errs).forEach(x => { x.textContent = ''; });
    form.classList.add('busy');
    const node = inputs.node.value;
    try {
      const upid = await api.post(`/nodes/${api.enc(node)}/lxc`, params());
      dlg.close();
      onDone?.();
      await taskViewer(upid, { title: `CT ${inputs.vmid.value} - Create` });
      onDone?.();
      location.hash = `#/lxc/${node}/${inputs.vmid.value}/summary`;
    } catch (ex) {
      general.textContent = ex.message;
      let first = null;
      for (const [k, msg] of Object.entries(ex.errors || {})) {
        const f = errs[k] ? k : errorField[k];
        if (f && errs[f]) { errs[f].textContent = String(msg); if (first === null || stepOf[f] < first) first = stepOf[f]; }
        else general.textContent += ` \u2014 ${k}: ${msg}`;
      }
      if (first !== null) show(first);
    } finally { form.classList.remove('busy'); }
  } },
    h('h2', {}, 'Create: LXC Container'), nav, panes, general,
    h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => dlg.close() }, 'Cancel'), back, next, finish));
  dlg.append(form);
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();

  const loadStorages = async () => {
    const node = inputs.node.value;
    const [tpl, root] = await Promise.all([
      api.get(`/nodes/${api.enc(node)}/storage`, { content: 'vztmpl', enabled: 1 }).catch(() => []),
      api.get(`/nodes/${api.enc(node)}/storage`, { content: 'rootdir', enabled: 1 }).catch(() => [])]);
    replace(inputs.tstorage, tpl.map(s => h('option', { value: s.storage }, s.storage)));
    replace(inputs.rstorage, root.map(s => h('option', { value: s.storage }, `${s.storage} (${fmtBytes(s.avail)} free)`)));
    await loadTemplates();
  };
  const loadTemplates = async () => {
    const node = inputs.node.value; const st = inputs.tstorage.value;
    if (!st) { replace(inputs.ostemplate); return; }
    const items = await api.get(`/nodes/${api.enc(node)}/storage/${api.enc(st)}/content`, { content: 'vztmpl' }).catch(() => []);
    replace(inputs.ostemplate, items.map(t => h('option', { value: t.volid }, t.volid.replace(/^[^:]*:vztmpl\//, ''))));
  };
  inputs.node.addEventListener('change', loadStorages);
  inputs.tstorage.addEventListener('change', loadTemplates);
  show(0);
  await loadStorages();
}
