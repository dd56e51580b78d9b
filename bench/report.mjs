#!/usr/bin/env node
// Prints a results file (bench/results/<timestamp>.json) as a Markdown table, for RESULTS.md.
// Usage: node bench/report.mjs [results.json]  (default: the newest)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const file = process.argv[2] ?? path.join(dir, fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort().at(-1));
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
const m = r.machine;
console.log(`${r.date}, commit ${r.commit}; ${m.cpuModel}, ${m.nproc} vCPUs, ${m.memoryGb} GB RAM, Node ${m.node}, ${m.platform}; load average before the run ${m.loadavg.map((x) => x.toFixed(2)).join(' ')}.\n`);
const cell = (row, k) => {
  const v = row[k];
  if (v === undefined || v === '') return '';
  if (k === 'value' || k === 'direct') return `${v}${row.unit ? ` ${row.unit}` : ''}`;
  if (k === 'ok') return v ? 'yes' : '**no**';
  return String(v).replaceAll('|', '\\|');
};
const cols = ['metric', 'value', 'direct', 'ratio', 'target', 'ok', 'note'];
console.log(`| scenario | ${cols.join(' | ')} |`);
console.log(`| --- | ${cols.map(() => '---').join(' | ')} |`);
for (const [name, s] of Object.entries(r.scenarios)) {
  if (s.error) {
    console.log(`| ${name} | FAILED | | | | | | ${s.error.split('\n')[0]} |`);
    continue;
  }
  for (const row of s.rows) {
    const ratio = row.ratio ?? (typeof row.value === 'number' && typeof row.direct === 'number' && row.direct > 0 ? `${(row.value / row.direct).toFixed(2)}x` : '');
    console.log(`| ${name} | ${cols.map((k) => (k === 'ratio' ? ratio : cell(row, k))).join(' | ')} |`);
  }
}
