#!/usr/bin/env node
// Draws docs/layers.svg: the folders of src/ in their layers (.dependency-cruiser.cjs), with
// one arrow per pair of folders that import each other's modules (and how many imports).
// Needs Graphviz's `dot`. `npm run layers` runs it; commit the picture it writes.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const { LAYERS } = require(path.join(root, '.dependency-cruiser.cjs'));
const cruise = JSON.parse(
  execFileSync(path.join(root, 'node_modules/.bin/depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  }).toString(),
);

const unitOf = (file) => {
  const m = /^src\/([^/]+)\//.exec(file);
  return m ? m[1] : '*.ts';
};
const label = (unit) => (unit === '*.ts' ? 'main.ts, hub.ts,\nconfig.ts, logger.ts' : `${unit}/`);
const id = (unit) => (unit === '*.ts' ? 'composition' : unit);

const edges = new Map();
const files = new Map();
for (const m of cruise.modules) {
  if (!m.source.startsWith('src/')) continue;
  const from = unitOf(m.source);
  files.set(from, (files.get(from) ?? 0) + 1);
  for (const d of m.dependencies) {
    if (!d.resolved.startsWith('src/')) continue;
    const to = unitOf(d.resolved);
    if (to === from) continue;
    const key = `${from}\t${to}`;
    edges.set(key, (edges.get(key) ?? 0) + 1);
  }
}

const lines = [
  'digraph layers {',
  '  rankdir=TB; newrank=true; nodesep=0.35; ranksep=0.5;',
  '  node [shape=box, style="rounded,filled", fillcolor="#f4f6fb", fontname="Helvetica", fontsize=11];',
  '  edge [color="#8090b0", arrowsize=0.6, fontname="Helvetica", fontsize=8, fontcolor="#607090"];',
];
[...LAYERS].reverse().forEach((layer, i) => {
  lines.push(`  subgraph cluster_${i} {`);
  lines.push(`    label="${layer.name}: ${layer.says}"; labeljust=l; fontname="Helvetica"; fontsize=10; color="#c8cfe0";`);
  lines.push('    rank=same;');
  for (const unit of layer.folders) lines.push(`    "${id(unit)}" [label="${label(unit)}\\n(${files.get(unit) ?? 0} files)"];`);
  lines.push('  }');
});
for (const [key, count] of [...edges].sort()) {
  const [from, to] = key.split('\t');
  lines.push(`  "${id(from)}" -> "${id(to)}" [label="${count}"];`);
}
lines.push('}');

const svg = execFileSync('dot', ['-Tsvg'], { input: lines.join('\n') });
fs.writeFileSync(path.join(root, 'docs/layers.svg'), svg);
// `--png FILE`: a PNG as well, to look at.
if (process.argv[2] === '--png') execFileSync('dot', ['-Tpng', '-o', process.argv[3]], { input: lines.join('\n') });
process.stdout.write(`docs/layers.svg: ${files.size} units, ${edges.size} arrows between them\n`);
