// Line graphs of rrddata rows as SVG built through the DOM (no charting library, no inline styles).
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const svg = (tag, attrs = {}, ...kids) => {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const k of kids) el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return el;
};

export function lineGraph(title, rows, series, fmt) {
  const W = 480, H = 140, L = 64, B = 18, T = 6;
  const pts = (rows || []).filter(r => r && r.time);
  const vals = pts.flatMap(r => series.map(([k]) => Number(r[k])).filter(x => !isNaN(x)));
  const max = Math.max(1e-9, ...vals);
  const t0 = pts.length ? pts[0].time : 0, t1 = pts.length ? pts[pts.length - 1].time : 1;
  const x = t => L + (W - L - 4) * (t1 === t0 ? 1 : (t - t0) / (t1 - t0));
  const y = val => T + (H - T - B) * (1 - val / max);
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title, class: 'graph' });
  g.append(svg('line', { x1: L, y1: H - B, x2: W - 4, y2: H - B, class: 'axis' }));
  g.append(svg('text', { x: 2, y: T + 10, class: 'tick' }, fmt(max)));
  g.append(svg('text', { x: 2, y: H - B, class: 'tick' }, fmt(0)));
  if (pts.length) {
    g.append(svg('text', { x: L, y: H - 4, class: 'tick' }, new Date(t0 * 1000).toLocaleTimeString()));
    g.append(svg('text', { x: W - 4, y: H - 4, class: 'tick', 'text-anchor': 'end' }, new Date(t1 * 1000).toLocaleTimeString()));
  }
  series.forEach(([key], i) => {
    const d = pts.filter(r => r[key] !== undefined && r[key] !== null && !isNaN(Number(r[key])))
      .map(r => `${x(r.time).toFixed(1)},${y(Number(r[key])).toFixed(1)}`).join(' ');
    if (d) g.append(svg('polyline', { points: d, class: `series s${i}`, fill: 'none' }));
  });
  const last = pts.length ? pts[pts.length - 1] : {};
  return h('figure', { class: 'graph-box' },
    h('figcaption', {}, title),
    g,
    h('ul', { class: 'legend' }, series.map(([k, l], i) => h('li', { class: `s${i}` }, `${l}: ${last[k] !== undefined ? fmt(Number(last[k])) : '-'}`))));
}
