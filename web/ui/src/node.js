// Node views (summary, tasks) and storage content (templates with upload, backups, volumes).
import { h, replace, fmtBytes, fmtUptime, fmtTime, table } from './dom.js';
import * as api from './api.js';
import { tabs, errorPanel, taskViewer, formDialog, confirmDialog, section } from './common.js';

export async function nodeView(ctx, node, tab, upid) {
  const body = h('div', { class: 'view-body' });
  replace(ctx.content, h('div', { class: 'view-head' }, h('h1', { id: 'view-title' }, `Node '${node}'`)),
    tabs(ctx, `#/node/${node}`, [['summary', 'Summary'], ['tasks', 'Task History']], tab), body);
  try {
    if (tab === 'tasks') {
      replace(body, await taskList(node, {}));
      if (upid) taskViewer(upid);
    } else {
      const st = await api.get(`/nodes/${api.enc(node)}/status`);
      replace(body, section('Status', h('dl', { class: 'kv' },
        h('dt', {}, 'CPU usage'), h('dd', {}, `${((st.cpu || 0) * 100).toFixed(2)}% of ${st.cpuinfo?.cpus ?? '?'} CPU(s)`),
        h('dt', {}, 'Load average'), h('dd', {}, (st.loadavg || []).join(', ')),
        h('dt', {}, 'RAM usage'), h('dd', {}, `${fmtBytes(st.memory?.used)} of ${fmtBytes(st.memory?.total)}`),
        h('dt', {}, 'SWAP usage'), h('dd', {}, `${fmtBytes(st.swap?.used)} of ${fmtBytes(st.swap?.total)}`),
        h('dt', {}, 'Root FS'), h('dd', {}, `${fmtBytes(st.rootfs?.used)} of ${fmtBytes(st.rootfs?.total)}`),
        h('dt', {}, 'Uptime'), h('dd', {}, fmtUptime(st.uptime)),
        h('dt', {}, 'Kernel'), h('dd', {}, st.kversion || ''),
        h('dt', {}, 'Version'), h('dd', {}, st.pveversion || ''))));
    }
  } catch (ex) { replace(body, errorPanel(ex)); }
}

/** The task list (GET /nodes/{node}/tasks); a click opens the live log. */
export async function taskList(node, filter) {
  const wrap = h('div', { id: 'task-list' });
  const load = async () => {
    try {
      const rows = await api.get(`/nodes/${api.enc(node)}/tasks`, { limit: 50, ...filter });
      replace(wrap, table([
        { title: 'Start Time', render: r => fmtTime(r.starttime) },
        { title: 'End Time', render: r => r.endtime ? fmtTime(r.endtime) : '' },
        { title: 'Node', render: r => r.node },
        { title: 'User name', render: r => r.user },
        { title: 'Description', render: r => `${r.type}${r.id ? ' ' + r.id : ''}` },
        { title: 'Status', render: r => h('span', { class: r.status && r.status !== 'OK' ? 'failed' : 'ok' }, r.status || 'running') },
      ], rows, { onRow: r => taskViewer(r.upid, { title: `${r.type} ${r.id || ''}` }), empty: 'No tasks',
        rowClass: r => r.status && r.status !== 'OK' ? 'task-failed' : '' }));
    } catch (ex) { replace(wrap, errorPanel(ex)); }
  };
  await load();
  return wrap;
}

export async function storageView(ctx, node, storage) {
  const base = `/nodes/${api.enc(node)}/storage/${api.enc(storage)}`;
  const body = h('div', { class: 'view-body' });
  replace(ctx.content, h('div', { class: 'view-head' }, h('h1', { id: 'view-title' }, `Storage '${storage}' on node '${node}'`)), body);
  let st;
  try { st = await api.get(`${base}/status`); } catch (ex) { replace(body, errorPanel(ex)); return; }
  const contents = String(st.content || '').split(',').filter(Boolean);
  const list = h('div', { id: 'storage-content' });
  const errEl = h('p', { class: 'error', role: 'alert' });
  const load = async () => {
    try {
      const items = await api.get(`${base}/content`);
      replace(list, table([
        { title: 'Name', render: r => r.volid },
        { title: 'Type', render: r => r.content },
        { title: 'Format', render: r => r.format || '' },
        { title: 'Size', render: r => fmtBytes(r.size) },
        { title: 'Date', render: r => r.ctime ? fmtTime(r.ctime) : '' },
        { title: '', render: r => h('button', { class: 'small', onclick: () => confirmDialog('Remove', `Remove ${r.volid}?`,
          () => api.del(`${base}/content/${api.enc(r.volid)}`).then(load)) }, 'Remove') },
      ], items, { empty: 'Nothing stored here' }));
    } catch (ex) { replace(list, errorPanel(ex)); }
  };
  replace(body,
    section('Summary', h('dl', { class: 'kv' },
      h('dt', {}, 'Type'), h('dd', {}, st.type || ''),
      h('dt', {}, 'Content'), h('dd', {}, contents.join(', ')),
      h('dt', {}, 'Usage'), h('dd', {}, `${fmtBytes(st.used)} of ${fmtBytes(st.total)}`))),
    h('div', { class: 'toolbar' },
      // Berth stores container templates only (no VMs, so no ISO images); the server checks the name and content too
      contents.includes('vztmpl') ? h('button', { id: 'upload', onclick: () => formDialog({
        title: 'Upload', id: 'upload-dialog', submitLabel: 'Upload', fields: [
          { name: 'content', label: 'Content', type: 'select', options: [['vztmpl', 'Container template']] },
          { name: 'file', label: 'File', type: 'file', required: true, accept: '.tar.gz,.tar.xz,.tar.zst' }],
        submit: async f => {
          const fd = new FormData();
          fd.append('content', f.content);
          fd.append('filename', f.file, f.file.name);
          const upid = await api.post(`${base}/upload`, fd);
          if (typeof upid === 'string' && upid.startsWith('UPID:')) await taskViewer(upid, { title: 'Upload' });
          await load();
        } }) }, 'Upload') : null),
    errEl, list);
  await load();
}
