// The outcome of the last write in a tab.
import { Alert } from '@hubspot/ui-extensions';
import type { SaveState } from './use-save.ts';

export function SaveStatus({ save, testId }: { save: SaveState; testId: string }) {
  if (save.error) {
    return (
      <Alert title="Not saved" variant="danger" testId={`${testId}-error`}>
        {save.error}
      </Alert>
    );
  }
  if (save.done) {
    return (
      <Alert title="Saved" variant="success" testId={`${testId}-done`}>
        {save.done}
      </Alert>
    );
  }
  return null;
}
