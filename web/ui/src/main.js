// Berth web UI: app shell (login, resource tree, router). No framework: views build DOM with dom.h and
// re-render from API data; the URL hash names the view, so there are no page loads after the first.
import { h, replace, $ } from './dom.js';
import * as api from './api.js';
import { containerView } from './ct.js';
import { nodeView, storageView } from './node.js';
import { datacenterView } from './admin.js';
import { openWizard } from './wizard.js';
import { statusIcon } from './common.js';

const app = $('#app');
let treeTimer = null;
let current = { teardown: null };

api.setUnauthorizedHandler(() => { api.session.clear(); showLogin('Session expired, please log in again.'); });

async function showLogin(notice) {
  clearInterval(treeTimer);
  current.teardown?.();
  const realm = h('select', { name: 'realm', id: 'login-realm', 'aria-label': 'Realm' });
  const user = h('input', { name: 'username', id: 'login-user', autocomplete: 'username', required: true, autofocus: true });
  const pass = h('input', { name: 'password', id: 'login-pass', type: 'password', autocomplete: 'current-password', required: true });
  const otp = h('input', { name: 'otp', id: 'login-otp', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}' });
  const otpRow = h('label', { class: 'field', hidden: true }, 'Second factor (TOTP code)', otp);
  const err = h('p', { class: 'error', role: 'alert', id: 'login-error' }, notice || '');
  let tfa = null;
  const form = h('form', { class: 'login card', id: 'login-form', onsubmit: async e => {
    e.preventDefault();
    err.textContent = '';
    form.classList.add('busy');
    try {
      const d = await api.login(user.value.trim(), pass.value, realm.value,
        tfa ? { ticket: tfa, code: otp.value.trim() } : null);
      if (d.NeedTFA) {
        tfa = d.ticket;
        otpRow.hidden = false;
        otp.required = true;
        otp.focus();
        return;
      }
      api.clearPrivs();
      showApp();
    } catch (ex) {
      err.textContent = ex.message || 'login failed';
      if (tfa) { tfa = null; otpRow.hidden = true; otp.required = false; otp.value = ''; }
    } finally { form.classList.remove('busy'); }
  } },
    h('h1', {}, 'Berth'),
    h('label', { class: 'field' }, 'User name', user),
    h('label', { class: 'field' }, 'Password', pass),
    h('label', { class: 'field' }, 'Realm', realm),
    otpRow, err,
    h('button', { type: 'submit', class: 'primary', id: 'login-submit' }, 'Log in'));
  replace(app, h('main', { class: 'login-page' }, form));
  user.focus();
  try {
    const domains = await api.get('/access/domains');
    replace(realm, domains.map(d => h('option', { value: d.realm, selected: d.default ? true : undefined },
      d.comment ? `${d.comment} (${d.realm})` : d.realm)));
    if (!domains.some(d => d.default)) realm.value = domains.some(d => d.realm === 'pam') ? 'pam' : domains[0]?.realm;
  } catch {
    replace(realm, h('option', { value: 'pam' }, 'Linux PAM (pam)'), h('option', { value: 'pve' }, 'Berth (pve)'));
  }
}

function showApp() {
  const s = api.session.get();
  const tree = h('nav', { class: 'tree', id: 'tree', 'aria-label': 'Resources' });
  const content = h('main', { class: 'content', id: 'content', tabindex: -1 });
  const menu = h('button', { class: 'menu-toggle', 'aria-label': 'Show resource tree', onclick: () => document.body.classList.toggle('tree-open') }, '☰');
  replace(app,
    h('header', { class: 'top' }, menu,
      h('a', { href: '#/', class: 'brand' }, 'Berth'),
      h('span', { class: 'spacer' }),
      h('button', { id: 'create-ct', class: 'primary', onclick: () => openWizard(refreshTree) }, 'Create CT'),
      h('span', { class: 'who', id: 'who' }, s.user),
      h('button', { id: 'logout', onclick: async () => { clearInterval(treeTimer); await api.logout(); showLogin(); } }, 'Logout')),
    h('div', { class: 'shell' }, tree, content));
  refreshTree();
  clearInterval(treeTimer);
  treeTimer = setInterval(refreshTree, 3000);
  route();
}

let resources = [];
export function getResources() { return resources; }

export async function refreshTree() {
  const tree = $('#tree');
  if (!tree) return;
  try {
    resources = await api.get('/cluster/resources');
  } catch { return; }
  // rebuild only when what the tree shows changed: a rebuild every 3 s would take the keyboard focus (and a
  // screen reader's place) out of the tree; route() keeps aria-current up to date between rebuilds
  const shown = JSON.stringify(resources.map(r => [r.type, r.node, r.vmid, r.status, r.name, r.template, r.storage]));
  if (tree.dataset.shown === shown) return;
  tree.dataset.shown = shown;
  const nodes = resources.filter(r => r.type === 'node');
  const here = location.hash;
  const link = (href, label, extra = {}) => h('a', { href, 'aria-current': here.startsWith(href) ? 'page' : undefined, ...extra }, label);
  replace(tree, h('ul', { role: 'tree' },
    h('li', { role: 'treeitem', 'aria-expanded': 'true' }, link('#/dc', 'Datacenter', { id: 'tree-dc' }),
      h('ul', { role: 'group' }, nodes.map(n => h('li', { role: 'treeitem', 'aria-expanded': 'true' },
        link(`#/node/${n.node}`, [statusIcon(n.status === 'online' ? 'running' : 'stopped'), n.node]),
        h('ul', { role: 'group' },
          resources.filter(r => r.type === 'lxc' && r.node === n.node).sort((a, b) => a.vmid - b.vmid).map(r =>
            h('li', { role: 'treeitem', class: `ct ${r.status}${r.template ? ' template' : ''}` },
              link(`#/lxc/${r.node}/${r.vmid}/summary`, [statusIcon(r.template ? 'template' : r.status),
                `${r.vmid} (${r.name || 'CT ' + r.vmid})`],
                { id: `tree-ct-${r.vmid}`, 'data-status': r.status, title: `${r.vmid}: ${r.status}` }))),
          resources.filter(r => r.type === 'storage' && r.node === n.node).map(r =>
            h('li', { role: 'treeitem', class: 'storage' },
              link(`#/storage/${r.node}/${r.storage}`, [statusIcon('storage'), `${r.storage} (${r.node})`],
                { id: `tree-storage-${r.storage}` }))))))))));
}

function route() {
  current.teardown?.();
  current = { teardown: null };
  document.body.classList.remove('tree-open');
  const content = $('#content');
  if (!content) return;
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const ctx = { content, refreshTree, onTeardown: fn => { const prev = current.teardown; current.teardown = () => { prev?.(); fn(); }; } };
  switch (parts[0]) {
    case 'lxc': containerView(ctx, parts[1], parts[2], parts[3] || 'summary'); break;
    case 'node': nodeView(ctx, parts[1], parts[2] || 'summary'); break;
    case 'storage': storageView(ctx, parts[1], parts[2]); break;
    case 'task': nodeView(ctx, api.upidNode(parts[1]), 'tasks', parts[1]); break;
    case 'dc': default: datacenterView(ctx, parts[1] || 'summary'); break;
  }
  for (const a of document.querySelectorAll('#tree a')) {
    if (location.hash.startsWith(a.getAttribute('href'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

window.addEventListener('hashchange', () => { if (api.session.get()) route(); });

// a reload keeps the tab's session while the cookie is valid; an expired one gets a 401 and the login form
if (api.session.get()) showApp(); else showLogin();
