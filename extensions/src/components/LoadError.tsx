// A failed load with the backend's own sentence and a way to try again.
import { Button, ErrorState, Text } from '@hubspot/ui-extensions';
import { messageOf } from '../api/client.ts';

export function LoadError({ title, error, onRetry }: { title: string; error: unknown; onRetry: () => void }) {
  return (
    <ErrorState title={title}>
      <Text>{messageOf(error)}</Text>
      <Button onClick={() => onRetry()} testId="retry">
        Try again
      </Button>
    </ErrorState>
  );
}
