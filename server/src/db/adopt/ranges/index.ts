import { revisionIndex } from '../revisions.js';
import type { SchemaRange } from '../types.js';
import { v0_5_3, v0_6_37 } from './v0.5.3.js';
import { v0_6_41, v0_8 } from './v0.6.41.js';
import { v0_10 } from './v0.10.js';

/** Each range starts at a revision; a database uses the last range that starts at or before its head. */
const RANGES: readonly (readonly [firstRevision: string, range: SchemaRange])[] = [
  ['3781e22d8b01', v0_5_3],
  ['37f288994c47', v0_6_37],
  ['2f1211949ecc', v0_6_41],
  // 0.8.0's first revision; heads between it and access_grant (f1e2d3c4b5a6) only exist mid-upgrade.
  ['374d2f66af06', v0_8],
  ['3ff2c63645b8', v0_10],
];

export function rangeFor(revision: string): SchemaRange | null {
  const at = revisionIndex(revision);
  let found: SchemaRange | null = null;
  for (const [first, range] of RANGES) if (at >= revisionIndex(first)) found = range;
  return at < 0 ? null : found;
}
