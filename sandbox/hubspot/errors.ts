// HubSpot's error answers: every API error is `{status: "error", message, correlationId, category,
// ...}` (optional `subCategory`, `context`, `errors`, `links`), as the published specs' Error schema
// says. OAuth token errors add the OAuth fields (`error`, `error_description`) and keep the legacy
// `status` code (e.g. BAD_REFRESH_TOKEN) in place of "error".
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';

export const correlationId = (): string => randomUUID();

export interface ErrorExtras {
  subCategory?: string;
  context?: Record<string, unknown>;
  errors?: { message: string; in?: string; code?: string; subCategory?: string; context?: Record<string, unknown> }[];
  links?: Record<string, string>;
}

export function errorBody(category: string, message: string, extras: ErrorExtras = {}) {
  return { status: 'error', message, correlationId: correlationId(), category, ...extras };
}

export function sendError(res: Response, status: number, category: string, message: string, extras: ErrorExtras = {}): void {
  res.status(status).json(errorBody(category, message, extras));
}

export const validationError = (res: Response, message: string, extras: ErrorExtras = {}) => sendError(res, 400, 'VALIDATION_ERROR', message, extras);

export const notFound = (res: Response, message: string, extras: ErrorExtras = {}) => sendError(res, 404, 'OBJECT_NOT_FOUND', message, extras);

/** The 429 HubSpot sends when a portal's ten-second (or search's one-second) allowance is spent. */
export function rateLimitBody(policy: 'TEN_SECONDLY_ROLLING' | 'SECONDLY', groupName: string) {
  return {
    status: 'error',
    message: policy === 'TEN_SECONDLY_ROLLING' ? 'You have reached your ten_secondly_rolling limit.' : 'You have reached your secondly limit.',
    errorType: 'RATE_LIMIT',
    correlationId: correlationId(),
    policyName: policy,
    groupName,
  };
}

/** The same body written as HubSpot's batch answers list one failure among their `errors`. */
export function batchError(category: string, message: string, context: Record<string, unknown>) {
  return { status: 'error', category, message, context };
}

/** `{}` is an object; arrays and null are not. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
