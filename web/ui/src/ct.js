// Container views: summary (status, power, rrd graphs), console, resources/network/DNS/options with pending
// changes, snapshots, backups, task history.
import { h, replace, fmtBytes, fmtUptime, fmtTime, table } from './dom.js';
import * as api from './api.js';
import { formDialog, confirmDialog, tabs, errorPanel, runTask, taskViewer, statusIcon, section } from './common.js';
import { lineGraph } from './graph.js';
import { taskList } from './node.js';

const TABS = [['summary', 'Summary'], ['console', 'Console'], ['resources', 'Resources'], ['network', 'Network'],
  ['dns', 'DNS'], ['options', 'Options'], ['snapshots', 'Snapshots'], ['backup', 'Backup'], ['tasks', 'Task History']];

export async function containerView(ctx, node, vmid, tab) {
  const base = `/nodes/${api.enc(node)}/lxc/${api.enc(vmid)}`;
  const body = h('div', { class: 'view-body' });
  const title = h('h1', { id: 'view-title' }, `Container ${vmid}`);
  const power = h('div', { class: 'toolbar', id: 'power' });
  replace(ctx.content, h('div', { class: 'view-head' }, title, power), tabs(ctx, `#/lxc/${node}/${vmid}`, TABS, tab), body);
  const v = { ctx, node, vmid, base, body, title, power, alive: true };
  v.statusPromise = api.get(`${base}/status/current`);
  v.statusPromise.catch(() => {});
  ctx.onTeardown(() => { v.alive = false; });
  renderPower(v);
  try {
    switch (tab) {
      case 'summary': await summary(v); break;
      case 'console': consoleTab(v); break;
      case 'resources': await pendingView(v, isResourceKey, resourceActions); break;
      case 'network': await pendingView(v, k => /^net\d+$/.test(k), networkActions); break;
      case 'dns': await pendingView(v, k => ['hostname', 'nameserver', 'searchdomain'].includes(k), dnsActions); break;
      case 'options': await pendingView(v, isOptionKey, optionActions); break;
      case 'snapshots': await snapshots(v); break;
      case 'backup': await backups(v); break;
      case 'tasks': replace(body, await taskList(node, { vmid })); break;
      default: replace(body, h('p', {}, 'unknown view'));
    }
  } catch (ex) { replace(body, errorPanel(ex)); }
}

async function renderPower(v) {
  let st, perms;
  try {
    [st, perms] = await Promise.all([v.statusPromise || api.get(`${v.base}/status/current`), api.privs(`/vms/${v.vmid}`)]);
    v.statusPromise = null;
  } catch (ex) { replace(v.power, errorPanel(ex)); return; }
  if (!v.alive) return;
  v.status = st;
  v.title.textContent = `Container ${v.vmid} (${st.name || ''}) on node '${v.node}'`;
  const canPower = !!perms['VM.PowerMgmt'];
  const running = st.status === 'running';
  const errEl = h('span', { class: 'error', role: 'alert' });
  const act = (label, id, path, enabled, confirmText) => h('button', { id, disabled: !canPower || !enabled || undefined,
    title: canPower ? undefined : 'needs VM.PowerMgmt',
    onclick: async () => {
      const go = () => runTask(api.post(`${v.base}/status/${path}`), `CT ${v.vmid} - ${label}`, errEl)
        .finally(() => { v.ctx.refreshTree(); if (v.alive) renderPower(v); });
      if (confirmText) confirmDialog(label, confirmText, go); else go().catch(() => {});
    } }, label);
  replace(v.power,
    act('Start', 'btn-start', 'start', !running),
    act('Shutdown', 'btn-shutdown', 'shutdown', running, `Shut down container ${v.vmid}?`),
    act('Stop', 'btn-stop', 'stop', running, `Stop container ${v.vmid} now (like pulling the plug)?`),
    act('Reboot', 'btn-reboot', 'reboot', running, `Reboot container ${v.vmid}?`),
    h('a', { class: `button${perms['VM.Console'] ? '' : ' disabled'}`, id: 'btn-console', href: `#/lxc/${v.node}/${v.vmid}/console`,
      'aria-disabled': perms['VM.Console'] ? undefined : 'true' }, 'Console'),
    errEl);
}

async function summary(v) {
  const t0 = performance.now();
  const rrd = timeframe => api.get(`${v.base}/rrddata`, { timeframe, cf: 'AVERAGE' });
  const firstRrd = rrd('hour');
  firstRrd.catch(() => {});
  const [st, cfg] = await Promise.all([v.statusPromise || api.get(`${v.base}/status/current`), api.get(`${v.base}/config`)]);
  const info = h('dl', { class: 'kv', id: 'summary-status' });
  const fill = s => replace(info,
    h('dt', {}, 'Status'), h('dd', { id: 'summary-state' }, statusIcon(s.status), s.status),
    h('dt', {}, 'HA State'), h('dd', {}, s.ha?.managed ? s.ha.state : 'none'),
    h('dt', {}, 'Uptime'), h('dd', { id: 'summary-uptime' }, fmtUptime(s.uptime)),
    h('dt', {}, 'CPU usage'), h('dd', {}, `${((s.cpu || 0) * 100).toFixed(2)}% of ${s.cpus} CPU(s)`),
    h('dt', {}, 'Memory usage'), h('dd', {}, `${fmtBytes(s.mem)} of ${fmtBytes(s.maxmem)}`),
    h('dt', {}, 'SWAP usage'), h('dd', {}, `${fmtBytes(s.swap)} of ${fmtBytes(s.maxswap)}`),
    h('dt', {}, 'Bootdisk size'), h('dd', {}, `${fmtBytes(s.disk)} of ${fmtBytes(s.maxdisk)}`),
    h('dt', {}, 'Network'), h('dd', {}, `in ${fmtBytes(s.netin)} / out ${fmtBytes(s.netout)}`));
  fill(st);
  const notes = h('div', { class: 'notes', id: 'summary-notes' }, cfg.description || '');
  const timeframe = h('select', { id: 'rrd-timeframe', 'aria-label': 'Time frame' },
    [['hour', 'Hour (average)'], ['day', 'Day (average)'], ['week', 'Week (average)']].map(([k, l]) => h('option', { value: k }, l)));
  const graphs = h('div', { class: 'graphs', id: 'graphs' });
  replace(v.body, h('div', { class: 'summary-grid' },
    section('Status', info), section('Notes', notes)),
    h('div', { class: 'toolbar' }, timeframe), graphs);
  let pending = firstRrd;
  const drawGraphs = async () => {
    let rows;
    try { rows = await (pending || rrd(timeframe.value)); } catch (ex) { replace(graphs, errorPanel(ex)); return; } finally { pending = null; }
    replace(graphs,
      lineGraph('CPU usage', rows, [['cpu', 'CPU']], x => `${(x * 100).toFixed(1)}%`),
      lineGraph('Memory usage', rows, [['maxmem', 'Total'], ['mem', 'RAM usage']], fmtBytes),
      lineGraph('Disk usage', rows, [['maxdisk', 'Total'], ['disk', 'Used']], fmtBytes),
      lineGraph('Network traffic', rows, [['netin', 'netin'], ['netout', 'netout']], x => `${fmtBytes(x)}/s`),
      lineGraph('Disk IO', rows, [['diskread', 'read'], ['diskwrite', 'write']], x => `${fmtBytes(x)}/s`));
  };
  timeframe.addEventListener('change', drawGraphs);
  await drawGraphs();
  // how long the view and the page took, for a benchmark to read (tests assert what renders, not how fast)
  v.body.dataset.loadMs = String(Math.round(performance.now() - t0));
  v.body.dataset.pageMs = String(Math.round(performance.now()));
  v.body.classList.add('loaded');
  const timer = setInterval(async () => {
    try { fill(await api.get(`${v.base}/status/current`)); } catch { /* keep last values */ }
  }, 3000);
  const gtimer = setInterval(drawGraphs, 60000);
  v.ctx.onTeardown(() => { clearInterval(timer); clearInterval(gtimer); });
}

function consoleTab(v) {
  const holder = h('div', { class: 'console-holder', id: 'console' });
  replace(v.body, holder);
  // xterm.js is loaded only when a console is opened: the other views stay small
  let session = null; let gone = false;
  v.ctx.onTeardown(() => { gone = true; session?.close(); });
  import('./console.js').then(m => { if (!gone) session = m.openConsole(holder, v.node, v.vmid); },
    ex => replace(holder, errorPanel(ex)));
}

// --- config views with pending changes (GET .../pending: key, value, pending, delete) -------------------

const isResourceKey = k => ['memory', 'swap', 'cores', 'cpulimit', 'cpuunits', 'rootfs'].includes(k) || /^(mp|dev)\d+$/.test(k);
const OPTION_KEYS = ['onboot', 'startup', 'ostype', 'arch', 'cmode', 'console', 'tty', 'unprivileged', 'protection',
  'features', 'hookscript', 'description', 'timezone', 'tags', 'lock', 'template', 'entrypoint', 'env'];
const isOptionKey = k => OPTION_KEYS.includes(k);
const LABELS = { memory: 'Memory (MiB)', swap: 'Swap (MiB)', cores: 'Cores', cpulimit: 'CPU limit', cpuunits: 'CPU units',
  rootfs: 'Root Disk', hostname: 'Hostname', nameserver: 'DNS server', searchdomain: 'DNS domain', onboot: 'Start at boot',
  startup: 'Start/Shutdown order', ostype: 'OS Type', arch: 'Architecture', cmode: 'Console mode', console: '/dev/console',
  tty: 'TTY count', unprivileged: 'Unprivileged container', protection: 'Protection', features: 'Features',
  hookscript: 'Hookscript', description: 'Description', timezone: 'Timezone', tags: 'Tags', lock: 'Lock' };
const label = k => LABELS[k] || k.replace(/^mp(\d+)$/, 'Mount Point ($1)').replace(/^dev(\d+)$/, 'Device ($1)').replace(/^net(\d+)$/, 'Network Device (net$1)');

async function pendingView(v, keyFilter, actions) {
  const rows = (await api.get(`${v.base}/pending`)).filter(r => keyFilter(r.key));
  const perms = await api.privs(`/vms/${v.vmid}`);
  const canEdit = Object.keys(perms).some(p => p.startsWith('VM.Config'));
  const errEl = h('p', { class: 'error', role: 'alert', id: 'pending-error' });
  const reload = () => containerView(v.ctx, v.node, v.vmid, location.hash.split('/')[4]);
  const put = async params => { await api.put(`${v.base}/config`, params); reload(); };
  const cur = Object.fromEntries(rows.map(r => [r.key, r.value]));
  const want = Object.fromEntries(rows.map(r => [r.key, r.pending ?? r.value]));
  const order = k => ({ memory: 0, swap: 1, cores: 2, cpulimit: 3, cpuunits: 4, rootfs: 5 }[k] ?? (10 + Number(k.replace(/\D/g, '') || 0) + (k.startsWith('dev') ? 500 : 0)));
  rows.sort((a, b) => order(a.key) - order(b.key) || a.key.localeCompare(b.key));
  const grid = table([
    { title: 'Key', render: r => label(r.key) },
    { title: 'Value', render: r => {
      const applied = h('span', { class: 'applied' }, r.value ?? '');
      if (r.delete) return h('span', {}, h('del', { class: 'pending-delete' }, r.value ?? ''), h('span', { class: 'pending' }, ' (pending removal)'));
      if (r.pending !== undefined) return h('span', {}, r.value !== undefined ? applied : null,
        h('span', { class: 'pending', title: 'pending until the next start' }, r.value !== undefined ? ` \u2192 ${r.pending}` : `${r.pending} (pending)`));
      return applied;
    } },
    { title: '', render: r => h('span', { class: 'row-actions' },
      canEdit && actions.edit?.(r.key) ? h('button', { class: 'small', id: `edit-${r.key}`, onclick: () => actions.edit(r.key)(v, want, put) }, 'Edit') : null,
      canEdit && actions.removable?.(r.key) && !r.delete ? h('button', { class: 'small', id: `remove-${r.key}`,
        onclick: () => confirmDialog('Remove', `Remove ${label(r.key)}?`, () => put({ delete: r.key })) }, 'Remove') : null,
      canEdit && (r.pending !== undefined || r.delete) ? h('button', { class: 'small', id: `revert-${r.key}`,
        onclick: () => put({ revert: r.key }).catch(ex => { errEl.textContent = ex.message; }) }, 'Revert') : null) },
  ], rows, { rowClass: r => (r.pending !== undefined || r.delete) ? 'has-pending' : '' });
  grid.id = 'pending-grid';
  replace(v.body,
    h('div', { class: 'toolbar' }, canEdit ? (actions.add || []).map(([lbl, id, fn]) => h('button', { id, onclick: () => fn(v, want, put) }, lbl)) : null),
    errEl, grid,
    rows.some(r => r.pending !== undefined || r.delete) ? h('p', { class: 'hint' }, 'Values in red are pending: they apply at the next start (or cannot be hot-plugged).') : null);
  void cur;
}

function nextFree(want, prefix) {
  for (let i = 0; i < 256; i++) if (!(`${prefix}${i}` in want)) return `${prefix}${i}`;
  return `${prefix}0`;
}

async function storageOptions(node, content) {
  try {
    const list = await api.get(`/nodes/${api.enc(node)}/storage`, { content, enabled: 1 });
    return list.map(s => [s.storage, `${s.storage} (${s.type}, ${fmtBytes(s.avail)} free)`]);
  } catch { return [['local', 'local']]; }
}

function parseProps(s) {
  const o = {};
  for (const part of String(s || '').split(',')) {
    const i = part.indexOf('=');
    if (i < 0) { if (part) o._ = part; continue; }
    o[part.slice(0, i)] = part.slice(i + 1);
  }
  return o;
}
const props = (o, order) => order.filter(k => o[k] !== undefined && o[k] !== '').map(k => k === '_' ? o[k] : `${k}=${o[k]}`).join(',');

async function mountPointDialog(v, want, put, key) {
  const existing = key ? parseProps(want[key]) : null;
  key = key || nextFree(want, 'mp');
  const fields = existing ? [
    { name: 'mp', label: 'Path in container', value: existing.mp, required: true },
    { name: 'ro', label: 'Read-only', type: 'checkbox', value: existing.ro },
    { name: 'backup', label: 'Backup', type: 'checkbox', value: existing.backup },
    { name: 'idmap', label: 'ID map (e.g. u:0:100000:65536; empty: the container\'s)', value: existing.idmap },
  ] : [
    { name: 'storage', label: 'Storage', type: 'select', options: await storageOptions(v.node, 'rootdir') },
    { name: 'size', label: 'Disk size (GiB)', type: 'number', value: 1, min: 0.001, step: 'any' },
    { name: 'source', label: 'or host path (bind mount)', placeholder: '/srv/data' },
    { name: 'mp', label: 'Path in container', value: `/mnt/${key}`, required: true },
    { name: 'ro', label: 'Read-only', type: 'checkbox' },
    { name: 'backup', label: 'Backup', type: 'checkbox' },
    { name: 'idmap', label: 'ID map (e.g. u:0:100000:65536; empty: the container\'s)' },
  ];
  formDialog({ title: existing ? `Edit: ${label(key)}` : `Add: Mount Point (${key})`, id: 'mp-dialog', fields,
    submit: async f => {
      const o = existing ? { ...existing } : { _: f.source ? f.source : `${f.storage}:${f.size}` };
      o.mp = f.mp; o.ro = f.ro ? 1 : undefined; o.backup = f.backup ? 1 : undefined; o.idmap = f.idmap || undefined;
      await put({ [key]: props(o, ['_', 'volume', 'mp', 'acl', 'backup', 'mountoptions', 'quota', 'replicate', 'ro', 'shared', 'size', 'idmap']) });
    } });
}

function deviceDialog(v, want, put, key) {
  const existing = key ? parseProps(want[key]) : {};
  key = key || nextFree(want, 'dev');
  formDialog({ title: `Device (${key})`, id: 'dev-dialog', fields: [
    { name: 'path', label: 'Device path', value: existing.path || existing._, required: true, placeholder: '/dev/null' },
    { name: 'mode', label: 'Mode', value: existing.mode, placeholder: '0660' },
    { name: 'uid', label: 'UID in CT', value: existing.uid },
    { name: 'gid', label: 'GID in CT', value: existing.gid }],
  submit: f => put({ [key]: props({ path: f.path, mode: f.mode, uid: f.uid, gid: f.gid }, ['path', 'mode', 'uid', 'gid']) }) });
}

function simpleDialog(title, keys, want, put, types = {}) {
  formDialog({ title, id: 'edit-dialog', fields: keys.map(k => ({ name: k, label: label(k), value: want[k] ?? '', ...(types[k] || {}) })),
    submit: async f => {
      // only what changed: an untouched field must not become a (pending) change
      const set = {}; const del = [];
      for (const k of keys) {
        const before = want[k] ?? (types[k]?.type === 'checkbox' ? '0' : '');
        if (String(f[k] ?? '') === String(before)) continue;
        if (f[k] === '' || f[k] === undefined) { if (want[k] !== undefined) del.push(k); } else set[k] = f[k];
      }
      if (del.length) set.delete = del.join(',');
      if (Object.keys(set).length) await put(set);
    } });
}

const resourceActions = {
  edit: k => ({
    memory: (v, w, p) => simpleDialog('Memory', ['memory', 'swap'], w, p, { memory: { type: 'number', min: 16 }, swap: { type: 'number', min: 0 } }),
    swap: (v, w, p) => simpleDialog('Memory', ['memory', 'swap'], w, p),
    cores: (v, w, p) => simpleDialog('CPU', ['cores', 'cpulimit', 'cpuunits'], w, p),
    cpulimit: (v, w, p) => simpleDialog('CPU', ['cores', 'cpulimit', 'cpuunits'], w, p),
    cpuunits: (v, w, p) => simpleDialog('CPU', ['cores', 'cpulimit', 'cpuunits'], w, p),
  }[k] || (/^mp\d+$/.test(k) ? (v, w, p) => mountPointDialog(v, w, p, k) : /^dev\d+$/.test(k) ? (v, w, p) => deviceDialog(v, w, p, k) : null)),
  removable: k => /^(mp|dev)\d+$/.test(k) || ['cpulimit', 'cpuunits'].includes(k),
  add: [['Add Mount Point', 'add-mp', (v, w, p) => mountPointDialog(v, w, p)],
    ['Add Device Passthrough', 'add-dev', (v, w, p) => deviceDialog(v, w, p)],
    ['Edit CPU', 'edit-cpu', (v, w, p) => simpleDialog('CPU', ['cores', 'cpulimit', 'cpuunits'], w, p)],
    ['Edit Memory', 'edit-mem', (v, w, p) => simpleDialog('Memory', ['memory', 'swap'], w, p)]],
};

export function netFields(o = {}) {
  return [
    { name: 'name', label: 'Name', value: o.name || 'eth0', required: true },
    { name: 'bridge', label: 'Bridge', value: o.bridge || 'vmbr0', required: true },
    { name: 'tag', label: 'VLAN Tag', type: 'number', value: o.tag, min: 1, max: 4094 },
    { name: 'hwaddr', label: 'MAC address', value: o.hwaddr, placeholder: 'auto' },
    { name: 'ip', label: 'IPv4 (CIDR, dhcp or empty)', value: o.ip || 'dhcp', placeholder: '192.0.2.10/24' },
    { name: 'gw', label: 'IPv4 gateway', value: o.gw },
    { name: 'ip6', label: 'IPv6 (CIDR, dhcp, auto or empty)', value: o.ip6, placeholder: 'auto' },
    { name: 'gw6', label: 'IPv6 gateway', value: o.gw6 },
    { name: 'mtu', label: 'MTU', type: 'number', value: o.mtu, min: 64 },
    { name: 'rate', label: 'Rate limit (MB/s)', type: 'number', value: o.rate, step: 'any' },
    { name: 'firewall', label: 'Firewall', type: 'checkbox', value: o.firewall },
  ];
}
export const netValue = f => props({ ...f, firewall: f.firewall ? 1 : undefined },
  ['name', 'bridge', 'hwaddr', 'ip', 'gw', 'ip6', 'gw6', 'tag', 'mtu', 'rate', 'firewall']);

function netDialog(v, want, put, key) {
  const o = key ? parseProps(want[key]) : { name: `eth${nextFree(want, 'net').slice(3)}` };
  key = key || nextFree(want, 'net');
  formDialog({ title: `Network Device (${key})`, id: 'net-dialog', fields: netFields(o),
    submit: f => put({ [key]: netValue({ ...f, hwaddr: f.hwaddr || o.hwaddr }) }) });
}
const networkActions = { edit: () => netDialog, removable: () => true, add: [['Add', 'add-net', (v, w, p) => netDialog(v, w, p)]] };
const dnsActions = { edit: k => (v, w, p) => simpleDialog(label(k), [k], w, p), removable: k => k !== 'hostname',
  add: [['Edit DNS', 'edit-dns', (v, w, p) => simpleDialog('DNS', ['hostname', 'searchdomain', 'nameserver'], w, p)]] };

const OPTION_TYPES = {
  onboot: { type: 'checkbox' }, protection: { type: 'checkbox' }, console: { type: 'checkbox' },
  cmode: { type: 'select', options: [['tty', 'tty'], ['shell', 'shell (login shell)'], ['console', '/dev/console']] },
  description: { type: 'textarea' }, tty: { type: 'number', min: 0, max: 6 },
};
const optionActions = {
  edit: k => ['lock', 'unprivileged', 'template', 'arch'].includes(k) ? null
    : (v, w, p) => simpleDialog(label(k), [k], w, p, OPTION_TYPES),
  removable: k => !['ostype', 'arch', 'unprivileged', 'template', 'lock'].includes(k),
  add: [['Edit description', 'edit-description', (v, w, p) => simpleDialog('Description', ['description'], w, p, OPTION_TYPES)],
    ['Console mode', 'edit-cmode', (v, w, p) => simpleDialog('Console mode', ['cmode'], w, p, OPTION_TYPES)],
    ['Console settings', 'edit-console', (v, w, p) => simpleDialog('Console', ['cmode', 'tty', 'console'], w, p, OPTION_TYPES)],
    ['Start at boot', 'edit-onboot', (v, w, p) => simpleDialog('Start at boot', ['onboot', 'startup'], w, p, OPTION_TYPES)]],
};

// --- snapshots ---------------------------------------------------------------------------------------

async function snapshots(v) {
  const list = await api.get(`${v.base}/snapshot`);
  const byParent = new Map();
  for (const s of list) {
    const p = s.parent || '';
    if (!byParent.has(p)) byParent.set(p, []);
    byParent.get(p).push(s);
  }
  const errEl = h('p', { class: 'error', role: 'alert', id: 'snap-error' });
  const reload = () => snapshots(v);
  const task = (promise, title) => runTask(promise, title, errEl).finally(() => { if (v.alive) reload(); });
  const item = s => h('li', { role: 'treeitem', class: s.name === 'current' ? 'snap current' : 'snap', id: `snap-${s.name}` },
    h('span', { class: 'snap-name' }, s.name === 'current' ? 'NOW (You are here!)' : s.name),
    s.snaptime ? h('span', { class: 'muted' }, ` ${fmtTime(s.snaptime)}`) : null,
    s.description && s.name !== 'current' ? h('span', { class: 'snap-desc' }, ` \u2014 ${s.description}`) : null,
    s.name !== 'current' ? h('span', { class: 'row-actions' },
      h('button', { class: 'small', id: `rollback-${s.name}`, onclick: () => confirmDialog('Rollback',
        `Roll back container ${v.vmid} to snapshot ${s.name}? Changes since then are lost.`,
        () => { task(api.post(`${v.base}/snapshot/${api.enc(s.name)}/rollback`), `Rollback ${s.name}`); }) }, 'Rollback'),
      h('button', { class: 'small', id: `delsnap-${s.name}`, onclick: () => confirmDialog('Remove snapshot', `Remove snapshot ${s.name}?`,
        () => { task(api.del(`${v.base}/snapshot/${api.enc(s.name)}`), `Delete ${s.name}`); }) }, 'Remove')) : null,
    byParent.has(s.name) ? h('ul', { role: 'group' }, byParent.get(s.name).map(item)) : null);
  const roots = list.filter(s => !s.parent || !list.some(p => p.name === s.parent));
  replace(v.body,
    h('div', { class: 'toolbar' }, h('button', { id: 'take-snapshot', onclick: () => formDialog({ title: 'Take Snapshot', id: 'snap-dialog',
      fields: [{ name: 'snapname', label: 'Name', required: true }, { name: 'description', label: 'Description', type: 'textarea' }],
      submit: async f => { const p = api.post(`${v.base}/snapshot`, f); await p; task(p, `Snapshot ${f.snapname}`); } }) }, 'Take Snapshot')),
    errEl, h('ul', { role: 'tree', class: 'snap-tree', id: 'snap-tree' }, roots.map(item)));
}

// --- backups -----------------------------------------------------------------------------------------

async function backups(v) {
  const stores = await storageOptions(v.node, 'backup');
  const storeSel = h('select', { id: 'backup-storage', 'aria-label': 'Storage' }, stores.map(([s, l]) => h('option', { value: s }, l)));
  const list = h('div', { id: 'backup-list' });
  const errEl = h('p', { class: 'error', role: 'alert', id: 'backup-error' });
  const load = async () => {
    if (!storeSel.value) { replace(list, h('p', {}, 'No storage with content type backup.')); return; }
    try {
      const items = await api.get(`/nodes/${api.enc(v.node)}/storage/${api.enc(storeSel.value)}/content`, { content: 'backup', vmid: v.vmid });
      replace(list, table([
        { title: 'Name', render: r => r.volid },
        { title: 'Date', render: r => fmtTime(r.ctime) },
        { title: 'Format', render: r => r.format || '' },
        { title: 'Size', render: r => fmtBytes(r.size) },
        { title: 'Notes', render: r => r.notes || '' },
        { title: '', render: r => h('span', { class: 'row-actions' },
          h('button', { class: 'small restore', onclick: () => confirmDialog('Restore', `Restore ${r.volid} over container ${v.vmid}? Its current data is replaced.`,
            () => { runTask(api.post(`/nodes/${api.enc(v.node)}/lxc`, { vmid: v.vmid, ostemplate: r.volid, restore: 1, force: 1 }), 'Restore', errEl).finally(load); }) }, 'Restore'),
          h('button', { class: 'small', onclick: () => confirmDialog('Remove', `Remove backup ${r.volid}?`,
            () => api.del(`/nodes/${api.enc(v.node)}/storage/${api.enc(storeSel.value)}/content/${api.enc(r.volid)}`).then(load)) }, 'Remove')) },
      ], items, { empty: 'No backups' }));
    } catch (ex) { replace(list, errorPanel(ex)); }
  };
  storeSel.addEventListener('change', load);
  replace(v.body, h('div', { class: 'toolbar' },
    h('button', { id: 'backup-now', onclick: () => formDialog({ title: 'Backup now', id: 'backup-dialog', fields: [
      { name: 'storage', label: 'Storage', type: 'select', options: stores, value: storeSel.value },
      { name: 'mode', label: 'Mode', type: 'select', options: [['snapshot', 'Snapshot'], ['suspend', 'Suspend'], ['stop', 'Stop']] },
      { name: 'compress', label: 'Compression', type: 'select', options: [['zstd', 'ZSTD'], ['gzip', 'GZIP'], ['lzo', 'LZO'], ['0', 'none']] },
      { name: 'notes-template', label: 'Notes', value: '{{guestname}}' }],
    submit: async f => { const p = api.post(`/nodes/${api.enc(v.node)}/vzdump`, { vmid: v.vmid, ...f }); await p; runTask(p, 'Backup', errEl).finally(load); } }) }, 'Backup now'),
    storeSel), errEl, list);
  await load();
}

export { taskViewer };
