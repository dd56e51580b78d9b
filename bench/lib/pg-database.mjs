// A new, empty PostgreSQL database for one scenario run, on the server `adminUrl` names (its own
// database is only used to create and drop the new one). `drop()` removes it, connections and all.
import { randomBytes } from 'node:crypto';

export async function freshPgDatabase(adminUrl, label = 'bench') {
  const { default: pg } = await import('pg');
  const name = `owui_${label}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`PostgreSQL not reachable at ${adminUrl} (bash scripts/services.sh start): ${err.message}`);
  }
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
