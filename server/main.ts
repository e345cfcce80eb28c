// Process entry point: validate configuration, open the database, start the queue worker, the
// HubSpot outbox, the schedules and the HTTP server. On SIGTERM/SIGINT: stop taking requests, let
// in-flight runs finish (a run that cannot finish in time keeps its state in the database and its
// lease lapses, so another instance resumes it without repeating a billed call), send what the
// outbox holds, then exit.
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { createCascade } from './cascade.ts';
import { createApp } from './app.ts';
import { projectDrift } from './hubspot/project/drift.ts';

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
// A deployed backend whose HubSpot project was generated for another URL (or older code) gets
// requests signed for URLs it does not expect: say so at start. http:// is local development.
if (config.PUBLIC_BASE_URL?.startsWith('https://')) {
  const drift = projectDrift(fileURLToPath(new URL('..', import.meta.url)), config);
  if (drift?.length) log.warn({ files: drift.map((d) => `${d.kind}: ${d.path}`) }, 'the HubSpot project differs from what PUBLIC_BASE_URL generates: run npm run project:generate, then hs project upload');
}
const cascade = await createCascade(config, { log });
// WORKER_CONCURRENCY=0: an HTTP front only (answers HubSpot at once; other instances run the engine).
if (config.WORKER_CONCURRENCY > 0) await cascade.startWorker();
cascade.startOutbox();
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
  server.closeIdleConnections();
  // A hard stop if draining hangs (a vendor or HubSpot not answering): the database keeps the rest.
  setTimeout(() => {
    log.error('shutdown took longer than 30 s; exiting with work left for the next start');
    process.exit(1);
  }, 30_000).unref();
  await cascade.close();
  log.info('stopped cleanly');
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
