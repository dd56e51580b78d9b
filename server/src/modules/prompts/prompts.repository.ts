/** PromptsRepository — Open WebUI's `prompt` table (`command` unique, e.g. "/summarize"). */
import type { Selectable } from 'kysely';
import type { PromptForm, PromptModel } from '@owui/contracts';
import type { Db } from '../../db/database.js';
import type { PromptTable } from '../../db/tables.js';
import { parseAccessControl, serializeAccessControl } from '../access/access-control.js';

export function toPrompt(row: Selectable<PromptTable>): PromptModel {
  return {
    command: row.command,
    user_id: row.user_id,
    title: row.title,
    content: row.content,
    timestamp: Number(row.timestamp),
    access_control: parseAccessControl(row.access_control),
  };
}

export class PromptsRepository {
  constructor(private readonly db: Db) {}

  static for(ctx: { db: Db }): PromptsRepository {
    return new PromptsRepository(ctx.db);
  }

  async all(): Promise<PromptModel[]> {
    return (await this.db.kysely.selectFrom('prompt').selectAll().orderBy('timestamp', 'desc').orderBy('command').execute()).map(toPrompt);
  }

  async get(command: string): Promise<PromptModel | null> {
    const row = await this.db.kysely.selectFrom('prompt').selectAll().where('command', '=', command).executeTakeFirst();
    return row ? toPrompt(row) : null;
  }

  async insert(userId: string, form: PromptForm): Promise<PromptModel> {
    await this.db.kysely
      .insertInto('prompt')
      .values({
        command: form.command,
        user_id: userId,
        title: form.title,
        content: form.content,
        timestamp: Math.floor(Date.now() / 1000),
        access_control: serializeAccessControl(form.access_control),
      })
      .execute();
    return (await this.get(form.command))!;
  }

  /** The command itself is the key and is not renamed by an update (as in the original). */
  async update(command: string, form: PromptForm): Promise<PromptModel | null> {
    const res = await this.db.kysely
      .updateTable('prompt')
      .set({ title: form.title, content: form.content, access_control: serializeAccessControl(form.access_control), timestamp: Math.floor(Date.now() / 1000) })
      .where('command', '=', command)
      .executeTakeFirst();
    return res.numUpdatedRows > 0n ? this.get(command) : null;
  }

  async delete(command: string): Promise<boolean> {
    const res = await this.db.kysely.deleteFrom('prompt').where('command', '=', command).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }
}
