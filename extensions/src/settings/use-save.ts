// One write at a time per form: its pending state, the backend's error (with field-level problems
// for the inputs) and a success line.
import { useCallback, useState } from 'react';
import { ApiFailure, messageOf } from '../api/client.ts';

export interface SaveState {
  saving: boolean;
  error: string | null;
  done: string | null;
  problems: { field: string; message: string }[];
  run: <T>(write: () => Promise<T>, doneMessage: string) => Promise<T | undefined>;
  /** Props for the input bound to `field` (also matches problems on its sub-fields). */
  fieldError: (field: string) => { error: boolean; validationMessage?: string };
  reset: () => void;
}

export function useSave(notify?: (message: string) => void): SaveState {
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);

  const reset = useCallback(() => {
    setError(null);
    setDone(null);
    setProblems([]);
  }, []);

  const run = useCallback(
    async <T,>(write: () => Promise<T>, doneMessage: string): Promise<T | undefined> => {
      setSaving(true);
      setError(null);
      setDone(null);
      setProblems([]);
      try {
        const out = await write();
        setDone(doneMessage);
        notify?.(doneMessage);
        return out;
      } catch (err) {
        setError(messageOf(err));
        setProblems(err instanceof ApiFailure ? err.problems : []);
        return undefined;
      } finally {
        setSaving(false);
      }
    },
    [notify],
  );

  const fieldError = useCallback(
    (field: string) => {
      const want = normalizePath(field);
      const p = problems.find((x) => {
        const got = normalizePath(x.field);
        return got === want || got.startsWith(`${want}.`);
      });
      return p ? { error: true, validationMessage: p.message } : { error: false };
    },
    [problems],
  );

  return { saving, error, done, problems, run, fieldError, reset };
}

/** `caps[1].capCents` and `caps.1.capCents` name the same input. */
export function normalizePath(path: string): string {
  return path.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}
