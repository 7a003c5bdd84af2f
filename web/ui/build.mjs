// Bundles the UI: src/main.js (+ xterm.js from node_modules) and src/main.css into content-hashed files, so the
// server can let browsers cache them forever; index.html (never cached) names them. Output is deterministic for
// the same sources and lock file.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join, basename } from 'node:path';

const out = process.argv[2];
if (!out) throw new Error('usage: node build.mjs OUTDIR');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await esbuild.build({
  entryPoints: ['src/main.js', 'src/main.css'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  outdir: out,
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  splitting: true,
  assetNames: '[name]-[hash]',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const files = Object.keys(result.metafile.outputs).map(p => basename(p));
const js = files.find(f => /^main-.*\.js$/.test(f));
const css = files.find(f => /^main-.*\.css$/.test(f));
const icon = readFileSync('src/icon.svg');
const iconName = `icon-${createHash('sha256').update(icon).digest('hex').slice(0, 8)}.svg`;
writeFileSync(join(out, iconName), icon);

const html = readFileSync('src/index.html', 'utf8')
  .replace('%CSS%', css).replace('%JS%', js).replace('%ICON%', iconName);
writeFileSync(join(out, 'index.html'), html);
// the server serves exactly these names (no directory listing, no path guessing)
const names = readdirSync(out).filter(n => n !== 'assets.txt').sort();
writeFileSync(join(out, 'assets.txt'), names.join('\n') + '\n');
console.log(`web ui: ${names.join(' ')}`);
