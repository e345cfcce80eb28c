// Process entry point: validate configuration, open the database, start the queue worker and the
// HTTP server; on SIGTERM/SIGINT stop taking work, let in-flight runs finish, then exit.
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createCascade } from './cascade.ts';
import { createApp } from './app.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
const log = createLogger({ level: config.LOG_LEVEL });
const cascade = await createCascade(config, { log });
await cascade.startWorker();
cascade.startSchedules();
const server = createApp(cascade).listen(config.PORT, () => {
  // Async vendors call back here; behind a proxy or in production set PUBLIC_BASE_URL.
  if (!config.PUBLIC_BASE_URL) cascade.setPublicBaseUrl(`http://localhost:${config.PORT}`);
  log.info({ port: config.PORT, database: cascade.db.kind }, 'cascade listening');
});

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  server.close();
  await cascade.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
