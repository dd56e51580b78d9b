#!/usr/bin/env node
// Prints where a V8 .cpuprofile spent its time: self time per function, then total time per file.
// Usage: node bench/profile-top.mjs <file.cpuprofile> [rows]
import fs from 'node:fs';

const [file, rowsArg] = process.argv.slice(2);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const rows = Number(rowsArg ?? 25);
const dt = new Map();
for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
const self = new Map();
const byFile = new Map();
let total = 0;
for (const n of prof.nodes) {
  const us = dt.get(n.id) ?? 0;
  total += us;
  const cf = n.callFrame;
  const where = cf.url ? cf.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(server|bench)\//, '$1/') : '(native)';
  const key = `${cf.functionName || '(anonymous)'}  ${where}:${cf.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + us);
  const f = where.split(':')[0];
  byFile.set(f, (byFile.get(f) ?? 0) + us);
}
const show = (m) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .forEach(([k, us]) => console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`));
console.log(`total ${(total / 1000).toFixed(0)} ms\n-- self time by function`);
show(self);
console.log('-- self time by file');
show(byFile);
