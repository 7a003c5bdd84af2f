// Datacenter: summary, users, groups, roles, permissions (ACL), API tokens, two-factor, cluster tasks.
import { h, replace, fmtTime, table } from './dom.js';
import * as api from './api.js';
import { tabs, errorPanel, formDialog, confirmDialog, taskViewer, statusIcon } from './common.js';

const TABS = [['summary', 'Summary'], ['users', 'Users'], ['groups', 'Groups'], ['roles', 'Roles'],
  ['acl', 'Permissions'], ['tokens', 'API Tokens'], ['tfa', 'Two Factor'], ['tasks', 'Tasks']];

export async function datacenterView(ctx, tab) {
  const body = h('div', { class: 'view-body' });
  replace(ctx.content, h('div', { class: 'view-head' }, h('h1', { id: 'view-title' }, 'Datacenter')),
    tabs(ctx, '#/dc', TABS, tab), body);
  const reload = () => datacenterView(ctx, tab);
  const toolbar = (...b) => h('div', { class: 'toolbar' }, b);
  const btn = (label, id, fn) => h('button', { id, onclick: fn }, label);
  const rm = (what, path) => h('button', { class: 'small', onclick: () => confirmDialog('Remove', `Remove ${what}?`, () => api.del(path).then(reload)) }, 'Remove');
  try {
    switch (tab) {
      case 'users': {
        const users = await api.get('/access/users', { full: 1 });
        replace(body, toolbar(btn('Add', 'add-user', () => formDialog({ title: 'Add User', id: 'user-dialog', fields: [
          { name: 'userid', label: 'User name (user@realm)', required: true, placeholder: 'alice@pve' },
          { name: 'password', label: 'Password (pve realm)', type: 'password' },
          { name: 'groups', label: 'Groups (comma separated)' },
          { name: 'email', label: 'E-Mail', type: 'email' },
          { name: 'firstname', label: 'First name' }, { name: 'lastname', label: 'Last name' },
          { name: 'expire', label: 'Expire (epoch, 0 never)', type: 'number', value: 0 },
          { name: 'enable', label: 'Enabled', type: 'checkbox', value: 1 },
          { name: 'comment', label: 'Comment' }],
        submit: f => api.post('/access/users', f).then(reload) }))),
        table([
          { title: 'User name', render: u => u.userid },
          { title: 'Realm', render: u => u.userid.split('@').pop() },
          { title: 'Enabled', render: u => (u.enable ?? 1) ? 'Yes' : 'No' },
          { title: 'Name', render: u => [u.firstname, u.lastname].filter(Boolean).join(' ') },
          { title: 'TFA', render: u => u['tfa-locked-until'] ? 'locked' : (u.keys ? 'yes' : '') },
          { title: 'Groups', render: u => Array.isArray(u.groups) ? u.groups.join(',') : (u.groups || '') },
          { title: 'Comment', render: u => u.comment || '' },
          { title: '', render: u => h('span', { class: 'row-actions' },
            h('button', { class: 'small', onclick: () => formDialog({ title: `Edit ${u.userid}`, fields: [
              { name: 'email', label: 'E-Mail', value: u.email }, { name: 'firstname', label: 'First name', value: u.firstname },
              { name: 'lastname', label: 'Last name', value: u.lastname }, { name: 'groups', label: 'Groups', value: Array.isArray(u.groups) ? u.groups.join(',') : u.groups },
              { name: 'enable', label: 'Enabled', type: 'checkbox', value: u.enable ?? 1 }, { name: 'comment', label: 'Comment', value: u.comment }],
            submit: f => api.put(`/access/users/${api.enc(u.userid)}`, f).then(reload) }) }, 'Edit'),
            h('button', { class: 'small', onclick: () => formDialog({ title: `Password for ${u.userid}`, fields: [
              { name: 'password', label: 'New password', type: 'password', required: true },
              { name: 'confirmation-password', label: 'Your password (confirmation)', type: 'password' }],
            submit: f => api.put('/access/password', { userid: u.userid, ...f }) }) }, 'Password'),
            rm(u.userid, `/access/users/${api.enc(u.userid)}`)) },
        ], users));
        break;
      }
      case 'groups': {
        const groups = await api.get('/access/groups');
        replace(body, toolbar(btn('Create', 'add-group', () => formDialog({ title: 'Create Group', fields: [
          { name: 'groupid', label: 'Name', required: true }, { name: 'comment', label: 'Comment' }],
        submit: f => api.post('/access/groups', f).then(reload) }))),
        table([{ title: 'Name', render: g => g.groupid }, { title: 'Users', render: g => g.users || '' },
          { title: 'Comment', render: g => g.comment || '' },
          { title: '', render: g => rm(g.groupid, `/access/groups/${api.enc(g.groupid)}`) }], groups));
        break;
      }
      case 'roles': {
        const roles = await api.get('/access/roles');
        replace(body, toolbar(btn('Create', 'add-role', () => formDialog({ title: 'Create Role', fields: [
          { name: 'roleid', label: 'Name', required: true }, { name: 'privs', label: 'Privileges (comma separated)', placeholder: 'VM.Audit,VM.PowerMgmt' }],
        submit: f => api.post('/access/roles', f).then(reload) }))),
        table([{ title: 'Name', render: r => r.roleid }, { title: 'Built-In', render: r => r.special ? 'Yes' : 'No' },
          { title: 'Privileges', render: r => h('span', { class: 'privs' }, String(r.privs || '').split(',').join(' ')) },
          { title: '', render: r => r.special ? '' : rm(r.roleid, `/access/roles/${api.enc(r.roleid)}`) }], roles));
        break;
      }
      case 'acl': {
        const acl = await api.get('/access/acl');
        const roles = (await api.get('/access/roles').catch(() => [])).map(r => [r.roleid, r.roleid]);
        const upd = (a, del) => api.put('/access/acl', { path: a.path, roles: a.roleid,
          [a.type === 'group' ? 'groups' : a.type === 'token' ? 'tokens' : 'users']: a.ugid, propagate: a.propagate, delete: del ? 1 : undefined });
        replace(body, toolbar(btn('Add', 'add-acl', () => formDialog({ title: 'Add Permission', id: 'acl-dialog', fields: [
          { name: 'path', label: 'Path', value: '/', required: true },
          { name: 'type', label: 'For', type: 'select', options: [['user', 'User'], ['group', 'Group'], ['token', 'API Token']] },
          { name: 'ugid', label: 'User / group / token id', required: true },
          { name: 'roleid', label: 'Role', type: 'select', options: roles },
          { name: 'propagate', label: 'Propagate', type: 'checkbox', value: 1 }],
        submit: f => upd(f).then(reload) }))),
        table([{ title: 'Path', render: a => a.path }, { title: 'User/Group/Token', render: a => a.ugid },
          { title: 'Type', render: a => a.type }, { title: 'Role', render: a => a.roleid },
          { title: 'Propagate', render: a => a.propagate ? 'true' : 'false' },
          { title: '', render: a => h('button', { class: 'small', onclick: () => confirmDialog('Remove', `Remove ${a.roleid} for ${a.ugid} on ${a.path}?`, () => upd(a, true).then(reload)) }, 'Remove') }], acl));
        break;
      }
      case 'tokens': {
        const users = await api.get('/access/users', { full: 1 });
        const rows = users.flatMap(u => (u.tokens || []).map(t => ({ ...t, userid: u.userid })));
        replace(body, toolbar(btn('Add', 'add-token', () => formDialog({ title: 'Add Token', id: 'token-dialog', fields: [
          { name: 'userid', label: 'User', type: 'select', options: users.map(u => [u.userid, u.userid]) },
          { name: 'tokenid', label: 'Token ID', required: true },
          { name: 'privsep', label: 'Privilege separation', type: 'checkbox', value: 1 },
          { name: 'expire', label: 'Expire (epoch, 0 never)', type: 'number', value: 0 },
          { name: 'comment', label: 'Comment' }],
        submit: async f => {
          const d = await api.post(`/access/users/${api.enc(f.userid)}/token/${api.enc(f.tokenid)}`, { privsep: f.privsep, expire: f.expire, comment: f.comment });
          formDialog({ title: 'Token Secret', id: 'token-secret', fields: [
            { name: 'tokenid', label: 'Token ID', value: d['full-tokenid'] }, { name: 'value', label: 'Secret (shown once)', value: d.value }],
          submit: async () => reload() });
        } }))),
        table([{ title: 'User', render: t => t.userid }, { title: 'Token Name', render: t => t.tokenid },
          { title: 'Expire', render: t => t.expire ? fmtTime(t.expire) : 'never' },
          { title: 'Privilege Separation', render: t => t.privsep ? 'Yes' : 'No' }, { title: 'Comment', render: t => t.comment || '' },
          { title: '', render: t => rm(`${t.userid}!${t.tokenid}`, `/access/users/${api.enc(t.userid)}/token/${api.enc(t.tokenid)}`) }], rows));
        break;
      }
      case 'tfa': {
        const entries = await api.get('/access/tfa');
        const me = api.session.get()?.user;
        replace(body, toolbar(btn('Add TOTP', 'add-totp', () => {
          const secret = randomBase32(32);
          const uri = `otpauth://totp/Berth:${encodeURIComponent(me)}?secret=${secret}&issuer=Berth`;
          formDialog({ title: 'Add TOTP', id: 'totp-dialog', fields: [
            { name: 'userid', label: 'User', value: me, required: true },
            { name: 'secret', label: 'Secret (add it to your authenticator app)', value: secret },
            { name: 'description', label: 'Description', value: 'authenticator' },
            { name: 'value', label: 'Verify code', required: true, inputmode: 'numeric' },
            { name: 'password', label: 'Your password', type: 'password' }],
          submit: f => api.post(`/access/tfa/${api.enc(f.userid)}`, { type: 'totp', description: f.description,
            totp: uri.replace(secret, f.secret), value: f.value, password: f.password || undefined }).then(reload) });
        })),
        table([{ title: 'User', render: e => e.userid }, { title: 'Entries', render: e => (e.entries || []).map(x => `${x.type}: ${x.description || x.id}`).join(', ') },
          { title: '', render: e => h('span', {}, (e.entries || []).map(x => rm(`${x.type} ${x.id}`, `/access/tfa/${api.enc(e.userid)}/${api.enc(x.id)}`))) }], entries));
        break;
      }
      case 'tasks': {
        const rows = await api.get('/cluster/tasks');
        replace(body, table([
          { title: 'Start Time', render: r => fmtTime(r.starttime) }, { title: 'Node', render: r => r.node },
          { title: 'User name', render: r => r.user }, { title: 'Description', render: r => `${r.type} ${r.id || ''}` },
          { title: 'Status', render: r => r.status || 'running' }],
        rows, { onRow: r => taskViewer(r.upid) }));
        break;
      }
      default: {
        const res = await api.get('/cluster/resources');
        const cts = res.filter(r => r.type === 'lxc');
        replace(body, h('section', { class: 'panel' }, h('h2', {}, 'Guests'),
          h('p', {}, `${cts.filter(c => c.status === 'running').length} running, ${cts.filter(c => c.status !== 'running').length} stopped`),
          table([{ title: 'ID', render: r => h('a', { href: `#/lxc/${r.node}/${r.vmid}/summary` }, String(r.vmid)) },
            { title: 'Name', render: r => r.name || '' }, { title: 'Status', render: r => h('span', {}, statusIcon(r.status), r.status) },
            { title: 'Node', render: r => r.node }], cts)));
      }
    }
  } catch (ex) { replace(body, errorPanel(ex)); }
}

function randomBase32(n) {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const b = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(b, x => a[x % 32]).join('');
}
