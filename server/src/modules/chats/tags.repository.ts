import type { Kysely } from 'kysely';
import type { TagModel } from '@owui/contracts';
import { jsonObject } from '../../db/json-column.js';
import type { ChatsDatabase, TagTable } from './chats.repository.js';

function toTagModel(row: TagTable): TagModel {
  return { id: row.id, name: row.name, user_id: row.user_id, meta: jsonObject(row.meta) };
}

/** SQL for `tag` (a user's tag names) and `chat_tag` (which chat carries which tag id). */
export class TagsRepository {
  constructor(private readonly k: Kysely<ChatsDatabase>) {}

  async listForUser(userId: string): Promise<TagModel[]> {
    const rows = await this.k.selectFrom('tag').selectAll().where('user_id', '=', userId).orderBy('name').execute();
    return rows.map(toTagModel);
  }

  async byIds(userId: string, ids: string[]): Promise<TagModel[]> {
    if (ids.length === 0) return [];
    const rows = await this.k.selectFrom('tag').selectAll().where('user_id', '=', userId).where('id', 'in', ids).execute();
    // Keep the chat's own order of tags.
    const byId = new Map(rows.map((r) => [r.id, toTagModel(r)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async ensure(userId: string, id: string, name: string): Promise<void> {
    const found = await this.k.selectFrom('tag').select('id').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    if (!found) {
      await this.k
        .insertInto('tag')
        .values({ id, name, user_id: userId, meta: null })
        .onConflict((oc) => oc.columns(['id', 'user_id']).doNothing())
        .execute();
    }
  }

  async deleteTag(userId: string, id: string): Promise<void> {
    await this.k.deleteFrom('tag').where('id', '=', id).where('user_id', '=', userId).execute();
  }

  /** Replaces a chat's tag links with `tagIds`. */
  async setChatTags(chatId: string, userId: string, tagIds: string[]): Promise<void> {
    await this.k.deleteFrom('chat_tag').where('chat_id', '=', chatId).execute();
    const unique = [...new Set(tagIds)];
    if (unique.length) {
      await this.k.insertInto('chat_tag').values(unique.map((tag_id) => ({ chat_id: chatId, tag_id, user_id: userId }))).execute();
    }
  }

  /** How many of the user's non-archived chats carry the tag. */
  async countChats(userId: string, tagId: string): Promise<number> {
    const r = await this.k
      .selectFrom('chat_tag')
      .innerJoin('chat', 'chat.id', 'chat_tag.chat_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('chat_tag.user_id', '=', userId)
      .where('chat_tag.tag_id', '=', tagId)
      .where('chat.archived', '=', false)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
