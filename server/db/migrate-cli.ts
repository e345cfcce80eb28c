// `npm run migrate`: applies the migrations to DATABASE_URL (or the embedded database) and exits.
import { loadConfig } from '../config.ts';
import { migrate, openDatabase } from './database.ts';

const config = loadConfig();
const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
await migrate(db);
console.log(`migrations applied (${db.kind})`);
await db.close();
