// Every installed package must run on the lowest Node.js the README promises (root package.json
// `engines.node`, e.g. ">=20.19"): `npm install` only warns (EBADENGINE) and the code may then fail at run
// time on that Node. Reads package-lock.json, so it checks exactly what a fresh `npm ci` installs.
//   node scripts/check-engines.mjs [--lock path/to/package-lock.json] [--node 20.19.0]
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

// semver is always installed (a dependency of fastify and of npm's own tooling).
const require = createRequire(import.meta.url);
const semver = require('semver');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({ options: { lock: { type: 'string' }, node: { type: 'string' } } });

const lockFile = path.resolve(values.lock ?? path.join(root, 'package-lock.json'));
const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
const promised = values.node ?? semver.minVersion(lock.packages?.['']?.engines?.node ?? '>=20.19').version;

const bad = [];
for (const [where, pkg] of Object.entries(lock.packages ?? {})) {
  if (!where) continue;
  const range = pkg?.engines?.node;
  if (typeof range !== 'string' || pkg.optional) continue; // optional ones (platform binaries) may be skipped by npm
  if (!semver.validRange(range)) continue;
  if (!semver.satisfies(promised, range, { includePrerelease: true })) {
    bad.push(`${where.replace(/^.*node_modules\//, '')}@${pkg.version} requires node ${range} (installed at ${where})`);
  }
}
if (bad.length) {
  console.error(`engines: ${bad.length} package(s) do not support Node ${promised}, the lowest version package.json promises:`);
  for (const b of bad) console.error(`  ${b}`);
  console.error('Pin a version that supports it, or an npm "overrides" entry in package.json (see the cookie one).');
  process.exit(1);
}
console.log(`engines: every package in ${path.relative(process.cwd(), lockFile) || lockFile} supports Node ${promised}.`);
