// The Proxmox VE API (/api2/json) as the UI uses it: the ticket travels in the PVEAuthCookie cookie,
// writes carry the CSRFPreventionToken header, parameters are form-encoded like pvesh/the PVE UI send them.

const BASE = '/api2/json';
const KEY = 'berth.session';

export class ApiError extends Error {
  constructor(status, message, errors) {
    super(message);
    this.status = status;
    this.errors = errors || {};
  }
}

export const session = {
  // localStorage: a console opened in a new tab shares the session (the ticket itself is the HttpOnly cookie)
  get() { try { return JSON.parse(localStorage.getItem(KEY)) || null; } catch { return null; } },
  set(s) { localStorage.setItem(KEY, JSON.stringify(s)); },
  clear() {
    localStorage.removeItem(KEY);
  },
};

/** Ends the session: the server answers with a Set-Cookie that expires the HttpOnly ticket cookie (script cannot). */
export async function logout() {
  try {
    await fetch(BASE + '/access/ticket', { method: 'DELETE', credentials: 'same-origin', cache: 'no-store' });
  } finally {
    session.clear();
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

function encode(params) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '') continue;
    body.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return body;
}

export async function call(method, path, params) {
  const s = session.get();
  const headers = {};
  if (s?.csrf && method !== 'GET') headers.CSRFPreventionToken = s.csrf;
  let url = BASE + path;
  let body;
  if (params instanceof FormData) body = params;
  else if (method === 'GET' || method === 'DELETE') {
    const q = encode(params).toString();
    if (q) url += '?' + q;
  } else {
    body = encode(params);
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, `connection failed: ${e.message}`);
  }
  let json = null;
  try { json = await res.json(); } catch { /* empty or non-JSON body */ }
  if (!res.ok) {
    if (res.status === 401 && session.get() && !path.startsWith('/access/ticket')) onUnauthorized();
    const msg = (json && json.message) || res.statusText || `HTTP ${res.status}`;
    throw new ApiError(res.status, String(msg).trim(), json && json.errors);
  }
  return json ? json.data : null;
}

export const get = (p, q) => call('GET', p, q);
export const post = (p, b) => call('POST', p, b);
export const put = (p, b) => call('PUT', p, b);
export const del = (p, q) => call('DELETE', p, q);

/** POST /access/ticket; returns the ticket response (may ask for a second factor: NeedTFA). */
export async function login(username, password, realm, tfa) {
  const params = { username: realm && !username.includes('@') ? `${username}@${realm}` : username, password };
  if (tfa) { params['tfa-challenge'] = tfa.ticket; params.password = `totp:${tfa.code}`; }
  const d = await call('POST', '/access/ticket', params);
  if (d.NeedTFA) return d;
  // the ticket travels in the PVEAuthCookie the server set (HttpOnly): this script never holds it
  session.set({ user: d.username, csrf: d.CSRFPreventionToken, cap: d.cap || {} });
  return d;
}

const permCache = new Map();
/** The privileges the logged-in user has on a path (GET /access/permissions?path=...). */
export async function privs(path) {
  if (permCache.has(path)) return permCache.get(path);
  const p = get('/access/permissions', { path }).then(d => (d && d[path]) || {}).catch(() => ({}));
  permCache.set(path, p);
  setTimeout(() => permCache.delete(path), 30000);
  return p;
}
export function clearPrivs() { permCache.clear(); }

/** Waits for a task (UPID) to finish; onLog gets new log lines as they come. Resolves with the exit status. */
export async function waitTask(node, upid, onLog, signal) {
  let start = 0;
  for (;;) {
    const st = await get(`/nodes/${enc(node)}/tasks/${enc(upid)}/status`);
    const lines = await get(`/nodes/${enc(node)}/tasks/${enc(upid)}/log`, { start, limit: 500 });
    for (const l of lines || []) { onLog?.(l.t); start = Math.max(start, l.n); }
    if (st.status !== 'running') {
      const more = await get(`/nodes/${enc(node)}/tasks/${enc(upid)}/log`, { start, limit: 5000 });
      for (const l of more || []) { onLog?.(l.t); start = Math.max(start, l.n); }
      return st.exitstatus;
    }
    if (signal?.aborted) return null;
    await new Promise(r => setTimeout(r, 700));
  }
}

export const enc = encodeURIComponent;

/** node name from a UPID: UPID:node:pid:pstart:starttime:type:id:user: */
export function upidNode(upid) { return String(upid).split(':')[1]; }
