// VendorResults every adapter builds alike, so that the same situation reads the same in the ledger
// whatever the vendor: an operation the adapter does not have, a lookup with nothing to send, and a
// 200 whose body cannot be read (maybe paid for, so counted as billed and not retried).
import type { VendorResult } from './types.ts';

export function unknownOperation(vendorId: string, operationId: string): VendorResult {
  return { outcome: 'invalid_input', httpStatus: 0, billed: false, message: `${vendorId} has no operation "${operationId}"` };
}

export function noInput(message = 'lookup has no parameters'): VendorResult {
  return { outcome: 'invalid_input', httpStatus: 0, billed: false, message };
}

/**
 * A 200 that could not be read. The vendor bills what it answers, so the call may have been paid for:
 * a miss counted as billed, not retried (assume the worst about cost, cache it, move on down the waterfall).
 */
export function unreadableAnswer(vendorName: string, httpStatus: number, what: string): VendorResult {
  return {
    outcome: 'miss',
    httpStatus,
    billed: true,
    message: `unreadable 200 answer from ${vendorName} (${what}); counted as billed, not retried`,
  };
}
