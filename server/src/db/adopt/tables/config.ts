import type { TableMapping } from '../types.js';
import { epochSeconds, jsonObject, jsonText } from '../values.js';

type Tree = Record<string, unknown>;

/**
 * `config` up to 0.9.x: one row holding every saved setting as a JSON tree whose paths are the ones
 * our persistent settings use (0.6.34's). Our `config` table has the same shape, so the newest row
 * is carried as is, with settings we do not have yet kept in the tree for when we do.
 */
export const configBlob: TableMapping<{ best: { id: number; data: string; version: number; created: number; updated: number } | null }> = {
  source: 'config',
  targets: ['config'],
  columns: ['id', 'data', 'version', 'created_at', 'updated_at'],
  init: () => ({ best: null }),
  map(row, state) {
    const data = jsonText(row.data);
    const id = Number(row.id);
    if (!data || !jsonObject(data)) return { writes: [], issues: [`config row ${id}: not a JSON object, not carried`] };
    // Open WebUI reads the newest row only; older rows are history it never uses.
    if (!state.best || id > state.best.id) {
      const now = Math.floor(Date.now() / 1000);
      const created = epochSeconds(row.created_at, now);
      state.best = { id, data, version: Number(row.version) || 0, created, updated: epochSeconds(row.updated_at, created) };
    }
    return { writes: [] };
  },
  finish(state) {
    if (!state.best) return { writes: [] };
    const { data, version, created, updated } = state.best;
    // Settings already saved here win: a repeated import must not stack a second settings row.
    return { writes: [{ op: 'insert', table: 'config', values: { data, version, created_at: created, updated_at: updated }, onlyIntoEmpty: true }] };
  },
};

/**
 * Where 0.10's per-key names differ from the tree paths of 0.6.34 (which ours follow): 0.10's
 * reshape migration flattened OIDC keys and renamed a few.
 */
const KEY_TO_PATH = new Map<string, string>([
  ['ui.enable_login_form', 'ui.ENABLE_LOGIN_FORM'],
  ['oauth.refresh_token.include_scope', 'oauth.refresh_token_include_scope'],
  ['rag.openai.api_base_url', 'rag.openai_api_base_url'],
  ['rag.openai.api_key', 'rag.openai_api_key'],
  ['oauth.picture_claim', 'oauth.oidc.avatar_claim'],
  ['oauth.timeout', 'oauth.oidc.oauth_timeout'],
  ...['client_id', 'client_secret', 'code_challenge_method', 'email_claim', 'end_session_endpoint', 'group_claim', 'provider_name', 'provider_url', 'redirect_uri', 'scopes', 'sub_claim', 'token_endpoint_auth_method', 'username_claim'].map(
    (k): [string, string] => [`oauth.${k}`, `oauth.oidc.${k}`],
  ),
]);

/** Connection settings are objects keyed by connection (index, or a URL with dots in it). */
const CONNECTION_CONFIGS = ['openai.api_configs', 'ollama.api_configs'];
const CONNECTION_FIELDS = ['enable', 'key', 'prefix_id', 'tags', 'model_ids', 'connection_type', 'provider', 'auth_type', 'headers', 'azure', 'api_version', 'extra_params'];

/** Dotted 0.10 key -> path segments in 0.6.34's tree. */
export function keyToPath(key: string): string[] {
  let dotted = KEY_TO_PATH.get(key) ?? key;
  if (dotted.startsWith('web.')) dotted = `rag.${dotted}`; // 0.10 renamed rag.web.* to web.*
  for (const prefix of CONNECTION_CONFIGS) {
    if (!dotted.startsWith(prefix + '.')) continue;
    // The per-key migration flattened these objects; a connection id may itself contain dots.
    const fragment = dotted.slice(prefix.length + 1);
    const first = fragment.split('.')[0]!;
    if (/^\d+$/.test(first)) return [...prefix.split('.'), first, ...fragment.slice(first.length + 1).split('.').filter(Boolean)];
    let at = -1;
    for (const f of CONNECTION_FIELDS) at = Math.max(at, fragment.lastIndexOf(`.${f}`));
    if (at > 0) return [...prefix.split('.'), fragment.slice(0, at), ...fragment.slice(at + 1).split('.')];
    return [...prefix.split('.'), fragment];
  }
  return dotted.split('.');
}

function assign(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    node = next && typeof next === 'object' && !Array.isArray(next) ? (next as Tree) : (node[part] = Object.create(null) as Tree);
  }
  const last = path.at(-1)!;
  const existing = node[last];
  // A whole object and flattened pieces of it can both be present: merge, pieces win.
  if (existing && typeof existing === 'object' && !Array.isArray(existing) && value && typeof value === 'object' && !Array.isArray(value)) {
    node[last] = Object.assign(Object.create(null) as Tree, value, existing);
  } else node[last] = value;
}

/** `config` from 0.10 on: one row per dotted key, folded back into the single tree we store. */
export const configPerKey: TableMapping<{ tree: Tree; rows: number; updated: number }> = {
  source: 'config',
  targets: ['config'],
  columns: ['key', 'value', 'updated_at'],
  init: () => ({ tree: Object.create(null) as Tree, rows: 0, updated: 0 }),
  map(row, state) {
    const key = typeof row.key === 'string' ? row.key : '';
    const raw = jsonText(row.value);
    if (!key || raw === null) return { writes: [], issues: [`config key '${key}': empty, not carried`] };
    let value: unknown;
    try {
      value = typeof row.value === 'string' ? JSON.parse(raw, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.assign(Object.create(null), v) : v)) : row.value;
    } catch {
      return { writes: [], issues: [`config key '${key}': value is not JSON, not carried`] };
    }
    assign(state.tree, keyToPath(key), value);
    state.rows += 1;
    state.updated = Math.max(state.updated, epochSeconds(row.updated_at, 0));
    return { writes: [] };
  },
  finish(state) {
    if (state.rows === 0) return { writes: [] };
    const now = Math.floor(Date.now() / 1000);
    const updated = state.updated || now;
    return { writes: [{ op: 'insert', table: 'config', values: { data: JSON.stringify(state.tree), version: 0, created_at: updated, updated_at: updated }, onlyIntoEmpty: true }] };
  },
};
