import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('starts with defaults on an empty environment (the embedded default)', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.APOLLO_BASE_URL).toBe('https://api.apollo.io/api/v1');
    expect(c.PORT).toBe(3000);
  });

  it('names every bad variable, without echoing its value', () => {
    const p = problems({ PORT: 'eighty', HUNTER_BASE_URL: 'ftp://x', DATABASE_URL: 'mysql://u:hunter2@h/db', ENCRYPTION_KEYS: 'k1:short' });
    const vars = p.map((x) => x.variable).sort();
    expect(vars).toEqual(['DATABASE_URL', 'ENCRYPTION_KEYS', 'HUNTER_BASE_URL', 'PORT']);
    expect(JSON.stringify(p)).not.toContain('hunter2');
  });

  it('names bad HubSpot settings, without echoing the client secret', () => {
    const p = problems({ HUBSPOT_CLIENT_SECRET: 'short', HUBSPOT_CALLS_PER_10S: '500', WORKFLOW_BLOCK_EXPIRATION: 'tomorrow', TOKEN_REFRESH_CRON: 'every five minutes', HUBSPOT_API_BASE_URL: 'api.hubapi.com' });
    expect(p.map((x) => x.variable).sort()).toEqual(['HUBSPOT_API_BASE_URL', 'HUBSPOT_CALLS_PER_10S', 'HUBSPOT_CLIENT_SECRET', 'TOKEN_REFRESH_CRON', 'WORKFLOW_BLOCK_EXPIRATION']);
    expect(p.find((x) => x.variable === 'HUBSPOT_CALLS_PER_10S')!.message).toMatch(/at most 110/);
    expect(JSON.stringify(p)).not.toContain('short');
    expect(loadConfig({ WORKFLOW_BLOCK_EXPIRATION: 'PT12H' }).WORKFLOW_BLOCK_EXPIRATION).toBe('PT12H');
  });

  it('requires ENCRYPTION_KEYS with Postgres (only the embedded default generates its own key)', () => {
    expect(problems({ DATABASE_URL: 'postgres://u@h/db' })).toEqual([
      expect.objectContaining({ variable: 'ENCRYPTION_KEYS' }),
    ]);
  });

  it('strips trailing slashes from base URLs so paths join cleanly', () => {
    expect(loadConfig({ APOLLO_BASE_URL: 'http://127.0.0.1:9/api/v1/' }).APOLLO_BASE_URL).toBe('http://127.0.0.1:9/api/v1');
  });

  it('parses a rotation list, first key active', () => {
    const k = Buffer.alloc(32, 1).toString('base64');
    const c = loadConfig({ ENCRYPTION_KEYS: `k2:${k},k1:${k}` });
    expect(c.ENCRYPTION_KEYS?.map((x) => x.id)).toEqual(['k2', 'k1']);
  });
});
