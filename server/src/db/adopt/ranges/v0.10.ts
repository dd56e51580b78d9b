import { configPerKey } from '../tables/config.js';
import type { SchemaRange } from '../types.js';
import { v0_8 } from './v0.6.41.js';

/** 0.10.x: `config` is one row per dotted key; the 0.9 single-row table stays behind as `config_old`. */
export const v0_10: SchemaRange = {
  id: '0.10.x',
  mappings: v0_8.mappings.map((m) => (m.source === 'config' ? configPerKey : m)),
  superseded: [...v0_8.superseded, { table: 'config_old', why: 'the 0.9 settings row, superseded by the per-key config' }],
};
