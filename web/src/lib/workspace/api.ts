/**
 * Typed calls of the workspace endpoints (model records, prompts, groups, permissions, admin model
 * settings). Every call goes through the one HTTP path (`$lib/api/client`).
 */
import { http } from '$lib/api/client';
import type { AccessControl, GroupResponse, ModelForm, ModelRecord, ModelsConfigForm, PromptForm, PromptModel } from '@owui/contracts';

export type { AccessControl, GroupResponse, ModelForm, ModelRecord, PromptModel, PromptForm, ModelsConfigForm };
export type PermissionTree = Record<string, Record<string, boolean>>;
export type ModelRecordWithUser = ModelRecord & { user?: { id: string; name: string } | null };

const q = (id: string) => ({ query: { id } });
const enc = encodeURIComponent;
/** `/sum` -> `sum`: the command's path segment. */
const cmd = (command: string) => enc(command.replace(/^\//, ''));

export const workspaceApi = {
  models: {
    list: () => http.get<ModelRecordWithUser[]>('/api/v1/models/'),
    base: () => http.get<ModelRecord[]>('/api/v1/models/base'),
    get: (id: string) => http.get<ModelRecord>('/api/v1/models/model', q(id)),
    create: (form: ModelForm) => http.post<ModelRecord>('/api/v1/models/create', form),
    update: (id: string, form: ModelForm) => http.post<ModelRecord>('/api/v1/models/model/update', form, q(id)),
    toggle: (id: string) => http.post<ModelRecord>('/api/v1/models/model/toggle', undefined, q(id)),
    remove: (id: string) => http.del<boolean>('/api/v1/models/model/delete', q(id)),
    imageUrl: (id: string) => `/api/v1/models/model/profile/image?id=${enc(id)}`,
  },
  prompts: {
    readable: () => http.get<PromptModel[]>('/api/v1/prompts/'),
    editable: () => http.get<PromptModel[]>('/api/v1/prompts/list'),
    create: (form: PromptForm) => http.post<PromptModel>('/api/v1/prompts/create', form),
    update: (form: PromptForm) => http.post<PromptModel>(`/api/v1/prompts/command/${cmd(form.command)}/update`, form),
    remove: (command: string) => http.del<boolean>(`/api/v1/prompts/command/${cmd(command)}/delete`),
  },
  groups: {
    list: () => http.get<GroupResponse[]>('/api/v1/groups/'),
    create: (name: string, description: string) => http.post<GroupResponse>('/api/v1/groups/create', { name, description }),
    update: (g: Pick<GroupResponse, 'id' | 'name' | 'description' | 'user_ids'> & { permissions: PermissionTree | null }) =>
      http.post<GroupResponse>(`/api/v1/groups/id/${enc(g.id)}/update`, { name: g.name, description: g.description, user_ids: g.user_ids, permissions: g.permissions }),
    remove: (id: string) => http.del<boolean>(`/api/v1/groups/id/${enc(id)}/delete`),
  },
  permissions: {
    mine: () => http.get<PermissionTree>('/api/v1/users/permissions'),
    defaults: () => http.get<PermissionTree>('/api/v1/users/default/permissions'),
    setDefaults: (p: PermissionTree) => http.post<PermissionTree>('/api/v1/users/default/permissions', p),
  },
  config: {
    get: () => http.get<ModelsConfigForm>('/api/v1/configs/models'),
    set: (c: ModelsConfigForm) => http.post<ModelsConfigForm>('/api/v1/configs/models', c),
  },
};

/** The three access choices the editors offer, as an access_control document. */
export type AccessMode = 'public' | 'private' | 'groups';
export function accessMode(ac: AccessControl | undefined): AccessMode {
  if (ac === null || ac === undefined) return 'public';
  return ac.read?.group_ids?.length || ac.read?.user_ids?.length ? 'groups' : 'private';
}
export function accessDoc(mode: AccessMode, groupIds: string[]): AccessControl {
  if (mode === 'public') return null;
  if (mode === 'private') return {};
  return { read: { group_ids: groupIds, user_ids: [] }, write: { group_ids: [], user_ids: [] } };
}
