// Audit paging over an opaque cursor: the stack holds the cursor of every page up to the current
// one (null for the first), so "Previous" is a pop and "Next" a push of the page's nextCursor.
export type CursorStack = (string | null)[];

export const FIRST_PAGE: CursorStack = [null];

export const currentCursor = (stack: CursorStack): string | null => stack[stack.length - 1] ?? null;

export function nextPage(stack: CursorStack, nextCursor: string | null): CursorStack {
  return nextCursor ? [...stack, nextCursor] : stack;
}

export function previousPage(stack: CursorStack): CursorStack {
  return stack.length > 1 ? stack.slice(0, -1) : stack;
}
