/**
 * The one evaluator of `access_control` documents (models, prompts, and later knowledge, tools, files).
 *
 *   null                      public: everyone may read; only the owner (and admins) write
 *   {}                        private: only the owner
 *   {read:{group_ids,user_ids}, write:{group_ids,user_ids}}   explicit grants
 *
 * `hasAccess(userId, groupIds, 'read' | 'write', accessControl)` answers one grant, like the original's
 * `has_access(..., strict=True)`. Ownership and the admin bypass are the caller's rule, so
 * `canAccess(...)` bundles the usual "owner, or granted" check. Parse stored documents with
 * `parseAccessControl` (tolerates strings from SQLite and junk from old rows: junk means private).
 */
import { AccessControl } from '@owui/contracts';

export { AccessControl };
export type AccessType = 'read' | 'write';
type Doc = { read?: { group_ids?: string[]; user_ids?: string[] }; write?: { group_ids?: string[]; user_ids?: string[] } };

export function hasAccess(userId: string, groupIds: Iterable<string>, type: AccessType, accessControl: Doc | null | undefined): boolean {
  if (accessControl === null || accessControl === undefined) return type === 'read';
  const grant = accessControl[type];
  if (!grant) return false;
  if (Array.isArray(grant.user_ids) && grant.user_ids.includes(userId)) return true;
  const permitted = new Set(Array.isArray(grant.group_ids) ? grant.group_ids : []);
  for (const g of groupIds) if (permitted.has(g)) return true;
  return false;
}

/** Owner, or granted `type` by the document. */
export function canAccess(
  user: { id: string },
  groupIds: Iterable<string>,
  type: AccessType,
  resource: { user_id: string; access_control: Doc | null | undefined },
): boolean {
  return resource.user_id === user.id || hasAccess(user.id, groupIds, type, resource.access_control);
}

/** A stored `access_control` value (JSON text, parsed object or null) as a document; unreadable -> private. */
export function parseAccessControl(raw: unknown): AccessControl {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  if (value === null || value === undefined) return null;
  const parsed = AccessControl.safeParse(value);
  return parsed.success ? parsed.data : {};
}

/** For writing: JSON text, or SQL null for public. */
export function serializeAccessControl(ac: AccessControl | undefined): string | null {
  return ac === null || ac === undefined ? null : JSON.stringify(ac);
}
