/**
 * Default user permissions as the environment seeds them: Open WebUI 0.6.34's USER_PERMISSIONS_*
 * variables (config.py), each mapped to its place in the permission tree, with the original's
 * defaults. Keys without a variable in 0.6.34 (newer builds' import/export and sharing flags, and
 * `features.api_keys`, which this build uses to gate API keys) keep their fixed defaults.
 */
type Env = Record<string, string | undefined>;
type Tree = Record<string, Record<string, boolean>>;

/** What a non-admin may do when no group grants more. */
export const DEFAULT_USER_PERMISSIONS = {
  workspace: { models: false, knowledge: false, prompts: false, tools: false, models_import: false, models_export: false, prompts_import: false, prompts_export: false, tools_import: false, tools_export: false },
  sharing: { models: false, public_models: false, knowledge: false, public_knowledge: false, prompts: false, public_prompts: false, tools: false, public_tools: false, notes: false, public_notes: false },
  chat: {
    controls: true, valves: true, system_prompt: true, params: true, file_upload: true, delete: true, delete_message: true,
    continue_response: true, regenerate_response: true, rate_response: true, edit: true, share: true, export: true,
    stt: true, tts: true, call: true, multiple_models: true, temporary: true, temporary_enforced: false,
  },
  features: { api_keys: false, direct_tool_servers: false, web_search: true, image_generation: true, code_interpreter: true, notes: true },
};

/** [variable, section, key]; the default is the tree's value above (the same as the original's). */
export const USER_PERMISSION_VARIABLES: readonly [string, keyof typeof DEFAULT_USER_PERMISSIONS, string][] = [
  ['USER_PERMISSIONS_WORKSPACE_MODELS_ACCESS', 'workspace', 'models'],
  ['USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ACCESS', 'workspace', 'knowledge'],
  ['USER_PERMISSIONS_WORKSPACE_PROMPTS_ACCESS', 'workspace', 'prompts'],
  ['USER_PERMISSIONS_WORKSPACE_TOOLS_ACCESS', 'workspace', 'tools'],
  ['USER_PERMISSIONS_WORKSPACE_MODELS_ALLOW_PUBLIC_SHARING', 'sharing', 'public_models'],
  ['USER_PERMISSIONS_WORKSPACE_KNOWLEDGE_ALLOW_PUBLIC_SHARING', 'sharing', 'public_knowledge'],
  ['USER_PERMISSIONS_WORKSPACE_PROMPTS_ALLOW_PUBLIC_SHARING', 'sharing', 'public_prompts'],
  ['USER_PERMISSIONS_WORKSPACE_TOOLS_ALLOW_PUBLIC_SHARING', 'sharing', 'public_tools'],
  ['USER_PERMISSIONS_NOTES_ALLOW_PUBLIC_SHARING', 'sharing', 'public_notes'],
  ['USER_PERMISSIONS_CHAT_CONTROLS', 'chat', 'controls'],
  ['USER_PERMISSIONS_CHAT_VALVES', 'chat', 'valves'],
  ['USER_PERMISSIONS_CHAT_SYSTEM_PROMPT', 'chat', 'system_prompt'],
  ['USER_PERMISSIONS_CHAT_PARAMS', 'chat', 'params'],
  ['USER_PERMISSIONS_CHAT_FILE_UPLOAD', 'chat', 'file_upload'],
  ['USER_PERMISSIONS_CHAT_DELETE', 'chat', 'delete'],
  ['USER_PERMISSIONS_CHAT_DELETE_MESSAGE', 'chat', 'delete_message'],
  ['USER_PERMISSIONS_CHAT_CONTINUE_RESPONSE', 'chat', 'continue_response'],
  ['USER_PERMISSIONS_CHAT_REGENERATE_RESPONSE', 'chat', 'regenerate_response'],
  ['USER_PERMISSIONS_CHAT_RATE_RESPONSE', 'chat', 'rate_response'],
  ['USER_PERMISSIONS_CHAT_EDIT', 'chat', 'edit'],
  ['USER_PERMISSIONS_CHAT_SHARE', 'chat', 'share'],
  ['USER_PERMISSIONS_CHAT_EXPORT', 'chat', 'export'],
  ['USER_PERMISSIONS_CHAT_STT', 'chat', 'stt'],
  ['USER_PERMISSIONS_CHAT_TTS', 'chat', 'tts'],
  ['USER_PERMISSIONS_CHAT_CALL', 'chat', 'call'],
  ['USER_PERMISSIONS_CHAT_MULTIPLE_MODELS', 'chat', 'multiple_models'],
  ['USER_PERMISSIONS_CHAT_TEMPORARY', 'chat', 'temporary'],
  ['USER_PERMISSIONS_CHAT_TEMPORARY_ENFORCED', 'chat', 'temporary_enforced'],
  ['USER_PERMISSIONS_FEATURES_DIRECT_TOOL_SERVERS', 'features', 'direct_tool_servers'],
  ['USER_PERMISSIONS_FEATURES_WEB_SEARCH', 'features', 'web_search'],
  ['USER_PERMISSIONS_FEATURES_IMAGE_GENERATION', 'features', 'image_generation'],
  ['USER_PERMISSIONS_FEATURES_CODE_INTERPRETER', 'features', 'code_interpreter'],
  ['USER_PERMISSIONS_FEATURES_NOTES', 'features', 'notes'],
];

/** The default tree with every USER_PERMISSIONS_* variable applied; `bool` is env.ts's strict parser. */
export function userPermissionsFromEnv(env: Env, bool: (env: Env, name: string, fallback: boolean) => boolean): Tree {
  const tree = structuredClone(DEFAULT_USER_PERMISSIONS) as Tree;
  for (const [name, section, key] of USER_PERMISSION_VARIABLES) tree[section]![key] = bool(env, name, tree[section]![key]!);
  return tree;
}
