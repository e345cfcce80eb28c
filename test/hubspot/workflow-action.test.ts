// The workflow action's body: a valid request becomes a trigger, any bad field is named in the
// answer, nothing HubSpot (or anyone) could send makes the parser throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockResponse, completionOutputs, DEFAULT_ACTION_GROUPS, parseActionRequest } from '../../server/hubspot/workflow-action.ts';

const valid = (over: Record<string, unknown> = {}) => ({
  callbackId: 'ap-123-456-7',
  origin: { portalId: 123, actionDefinitionId: 9, actionDefinitionVersion: 1 },
  context: { source: 'WORKFLOWS', workflowId: 9 },
  object: { objectId: 904, objectType: 'CONTACT', properties: { email: 'ada@acme.example', firstname: null } },
  inputFields: { fields: 'email, Company,email_verification', force_refresh: 'true' },
  ...over,
});

const fieldsOf = (body: unknown) => {
  const r = parseActionRequest(body);
  return r.ok ? [] : r.problems.map((p) => p.field);
};

describe('workflow action request', () => {
  it('turns HubSpot\'s body into a trigger keyed by callbackId', () => {
    const r = parseActionRequest(valid());
    expect(r).toEqual({
      ok: true,
      trigger: {
        callbackId: 'ap-123-456-7',
        portalId: 123,
        contactId: '904',
        groups: ['email', 'company', 'email_verification'],
        forceRefresh: true,
        properties: { email: 'ada@acme.example', firstname: null },
      },
    });
  });

  it('defaults to e-mail, person and company when the workflow chose nothing', () => {
    const r = parseActionRequest(valid({ inputFields: {} }));
    expect(r.ok && r.trigger.groups).toEqual([...DEFAULT_ACTION_GROUPS]);
    expect(r.ok && r.trigger.forceRefresh).toBe(false);
  });

  it('names every bad field', () => {
    expect(fieldsOf(valid({ callbackId: '' }))).toEqual(['callbackId']);
    expect(fieldsOf(valid({ origin: { portalId: 'abc' } }))).toEqual(['origin.portalId']);
    expect(fieldsOf(valid({ object: { objectId: 904, objectType: 'COMPANY' } }))).toEqual(['object.objectType']);
    expect(fieldsOf(valid({ object: { objectId: 'x1', objectType: 'CONTACT' } }))).toEqual(['object.objectId']);
    expect(fieldsOf(valid({ inputFields: { fields: 'email,phonebook' } }))).toEqual(['inputFields.fields']);
    expect(fieldsOf(valid({ inputFields: { force_refresh: 'maybe' } }))).toEqual(['inputFields.force_refresh']);
    const r = parseActionRequest(valid({ inputFields: { fields: 'telepathy' } }));
    expect(!r.ok && r.problems[0]!.message).toMatch(/"telepathy".*email, email_verification, person, company, phone/);
  });

  it('never throws, whatever arrives, and anything it accepts is a well-formed trigger', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.record({ callbackId: fc.string(), origin: fc.record({ portalId: fc.integer() }), object: fc.record({ objectId: fc.oneof(fc.integer(), fc.string()), objectType: fc.constantFrom('CONTACT', 'contact', 'DEAL') }), inputFields: fc.dictionary(fc.constantFrom('fields', 'force_refresh', 'other'), fc.string()) })), (body) => {
        const r = parseActionRequest(body);
        if (r.ok) {
          expect(r.trigger.callbackId.length).toBeGreaterThan(0);
          expect(r.trigger.portalId).toBeGreaterThan(0);
          expect(r.trigger.contactId).toMatch(/^\d+$/);
          expect(new Set(r.trigger.groups).size).toBe(r.trigger.groups.length);
        } else {
          expect(r.problems.length).toBeGreaterThan(0);
          for (const p of r.problems) expect(p.field.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('workflow action responses', () => {
  it('blocks at once, with an expiration', () => {
    expect(blockResponse()).toEqual({ outputFields: { hs_execution_state: 'BLOCK', hs_expiration_duration: 'P1D' } });
  });

  it('completes with outputs a workflow can branch on; a failed run continues the workflow', () => {
    const base = { groups: ['email' as const], satisfied: ['email' as const], fieldsFilled: ['work_email', 'job_title'], sources: ['apollo', 'hunter'], skips: {} };
    expect(completionOutputs({ ...base, status: 'enriched', errorCode: null, costMc: 13_000 })).toEqual({
      status: 'enriched',
      fields_filled: 'work_email;job_title',
      sources: 'apollo;hunter',
      cost_cents: '13.00',
      error_code: '',
      hs_execution_state: 'SUCCESS',
    });
    expect(completionOutputs({ ...base, status: 'failed', errorCode: 'all_vendors_failed', costMc: 0 })).toMatchObject({
      hs_execution_state: 'FAIL_CONTINUE',
      error_code: 'all_vendors_failed',
    });
  });
});
