import { session } from '$lib/state/session.svelte';

/** Whether the signed-in user holds a permission ('workspace.models'...); admins hold all. */
export function can(path: string): boolean {
  if (session.isAdmin) return true;
  let node: unknown = session.user?.permissions;
  for (const part of path.split('.')) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  return node === true;
}
