// "Enrich now" / "Force refresh": POST the run, then poll it until it is done, with a progress value
// for the bar. Polling stops on unmount, after a few failed polls in a row, or after maxWaitMs (the
// run keeps going server-side; the card just stops watching).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunView } from '../api/contract.ts';
import { messageOf } from '../api/client.ts';
import type { Client } from '../api/client.ts';

export interface EnrichNotice {
  variant: 'info' | 'warning' | 'danger';
  title: string;
  message: string;
}

export interface EnrichState {
  running: boolean;
  progress: { done: number; total: number } | null;
  notice: EnrichNotice | null;
  start: (force: boolean) => void;
  /** Watch a run started elsewhere (a workflow) that the card found in flight; once per run. */
  track: (runId: string) => void;
}

export interface EnrichOptions {
  client: Client;
  contactId: number;
  newRequestId: () => string;
  pollIntervalMs: number;
  maxWaitMs: number;
  /** Called once when the watched run is done. */
  onDone: (run: RunView) => void;
  /** Called when the card stops watching without a result (timeout, errors). */
  onGiveUp: () => void;
}

const MAX_POLL_FAILURES = 3;

export function useEnrich(opts: EnrichOptions): EnrichState {
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [notice, setNotice] = useState<EnrichNotice | null>(null);
  // Bumped on unmount and on every new watch: a loop whose generation is stale stops silently.
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // Runs already watched: a run the card gave up on is not picked up again when the reload shows it in flight.
  const watched = useRef(new Set<string>());
  const optsRef = useRef(opts);
  optsRef.current = opts;

  useEffect(
    () => () => {
      generation.current++;
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const watch = useCallback((runId: string) => {
    watched.current.add(runId);
    const gen = ++generation.current;
    if (timer.current) clearTimeout(timer.current);
    const { pollIntervalMs, maxWaitMs } = optsRef.current;
    // The first poll is immediate, so maxWaitMs / pollIntervalMs more polls cover the whole wait.
    const maxPolls = Math.ceil(maxWaitMs / pollIntervalMs) + 1;
    let polls = 0;
    let failures = 0;
    setRunning(true);

    const stop = (n: EnrichNotice | null) => {
      setRunning(false);
      setProgress(null);
      if (n) setNotice(n);
    };

    const tick = async () => {
      if (gen !== generation.current) return;
      polls++;
      try {
        const run = await optsRef.current.client.run(runId);
        if (gen !== generation.current) return;
        failures = 0;
        setProgress(run.progress);
        if (run.state === 'done') {
          stop(null);
          setNotice(null);
          optsRef.current.onDone(run);
          return;
        }
      } catch (err) {
        if (gen !== generation.current) return;
        if (++failures >= MAX_POLL_FAILURES) {
          stop({ variant: 'danger', title: 'Lost track of the run', message: messageOf(err) });
          optsRef.current.onGiveUp();
          return;
        }
      }
      if (polls >= maxPolls) {
        stop({
          variant: 'warning',
          title: 'Still running',
          message: `The run is taking longer than ${Math.round(maxWaitMs / 60_000) || 1} minutes. Cascade keeps working in the background: reopen this record later to see the result.`,
        });
        optsRef.current.onGiveUp();
        return;
      }
      timer.current = setTimeout(() => void tick(), pollIntervalMs);
    };
    void tick();
  }, []);

  const start = useCallback(
    (force: boolean) => {
      const gen = ++generation.current;
      setRunning(true);
      setProgress({ done: 0, total: 0 });
      setNotice(null);
      const { client, contactId, newRequestId } = optsRef.current;
      client.enrich(contactId, { force, requestId: newRequestId() }).then(
        (accepted) => {
          if (gen !== generation.current) return;
          if (accepted.coalesced) {
            setNotice({
              variant: 'info',
              title: 'Already running',
              message: 'This contact already had an enrichment in progress; the card joined it instead of starting another.',
            });
          }
          watch(accepted.runId);
        },
        (err: unknown) => {
          if (gen !== generation.current) return;
          setRunning(false);
          setProgress(null);
          setNotice({ variant: 'danger', title: 'Could not start enrichment', message: messageOf(err) });
        },
      );
    },
    [watch],
  );

  const track = useCallback(
    (runId: string) => {
      if (!watched.current.has(runId)) watch(runId);
    },
    [watch],
  );

  return { running, progress, notice, start, track };
}
