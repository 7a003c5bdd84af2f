// The browser console: xterm.js over a WebSocket to the container's console or a login shell on a real pty.
// Protocol (Proxmox termproxy): POST .../termproxy -> {port, ticket, user}; open .../vncwebsocket?port&vncticket,
// send "user:ticket\n", then input as "0:<utf8 bytes>:<data>", resize as "1:<cols>:<rows>:", keep-alive "2".
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { h, replace } from './dom.js';
import * as api from './api.js';

const utf8 = new TextEncoder();

export function openConsole(holder, node, vmid) {
  const status = h('p', { class: 'console-status', id: 'console-status', role: 'status' }, 'connecting\u2026');
  const screen = h('div', { class: 'terminal', id: 'terminal' });
  replace(holder, status, screen);
  const dark = matchMedia('(prefers-color-scheme: dark)').matches;
  const term = new Terminal({
    cursorBlink: true, convertEol: false, fontSize: 14, scrollback: 5000,
    fontFamily: 'ui-monospace, "DejaVu Sans Mono", monospace',
    theme: dark ? { background: '#111418', foreground: '#e6e6e6' } : { background: '#ffffff', foreground: '#1b1b1b', cursor: '#1b1b1b', selectionBackground: '#b5d5ff' },
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(screen);
  fit.fit();
  let ws = null; let closed = false; let ping = null;
  const send = s => { if (ws && ws.readyState === WebSocket.OPEN) ws.send(s); };
  const onResize = () => { try { fit.fit(); } catch { /* hidden */ } };
  window.addEventListener('resize', onResize);
  term.onResize(({ cols, rows }) => send(`1:${cols}:${rows}:`));
  term.onData(d => send(`0:${utf8.encode(d).length}:${d}`));
  term.onBinary(d => send(`0:${d.length}:${d}`));

  (async () => {
    let tp;
    try {
      tp = await api.post(`/nodes/${api.enc(node)}/lxc/${api.enc(vmid)}/termproxy`);
    } catch (ex) { status.textContent = `console not available: ${ex.message}`; status.classList.add('error'); return; }
    if (closed) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api2/json/nodes/${api.enc(node)}/lxc/${api.enc(vmid)}/vncwebsocket?port=${api.enc(tp.port)}&vncticket=${api.enc(tp.ticket)}`;
    ws = new WebSocket(url, ['binary']);
    ws.binaryType = 'arraybuffer';
    let authed = false;
    ws.onopen = () => { ws.send(`${tp.user}:${tp.ticket}\n`); };
    ws.onmessage = ev => {
      const data = typeof ev.data === 'string' ? ev.data : new Uint8Array(ev.data);
      if (!authed) {
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
        if (text.startsWith('OK')) {
          authed = true;
          status.textContent = 'connected';
          holder.classList.add('connected');
          send(`1:${term.cols}:${term.rows}:`);
          term.focus();
          ping = setInterval(() => send('2'), 30000);
          if (text.length > 2) term.write(text.slice(2));
        } else { status.textContent = `console refused: ${text}`; status.classList.add('error'); }
        return;
      }
      term.write(data);
    };
    ws.onclose = ev => {
      clearInterval(ping);
      holder.classList.remove('connected');
      if (!closed) status.textContent = `disconnected${ev.reason ? ': ' + ev.reason : ''}`;
    };
    ws.onerror = () => { status.textContent = 'connection error'; status.classList.add('error'); };
  })();

  return {
    term,
    close() {
      closed = true;
      clearInterval(ping);
      window.removeEventListener('resize', onResize);
      try { ws?.close(1000, 'closed'); } catch { /* already closed */ }
      term.dispose();
    },
  };
}
