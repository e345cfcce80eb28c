// The contact's last run: status, when, how much, why (suppressed, vendor errors) and what it found.
import { Alert, Flex, StatusTag, Text } from '@hubspot/ui-extensions';
import type { RunView } from '../api/contract.ts';
import { formatCents, formatDateTime, STATUS_LABELS, STATUS_VARIANTS } from '../format.ts';
import { RunFields } from './RunFields.tsx';
import { vendorProblems } from './vendor-problems.ts';

export function RunSummary({ run, vendorName }: { run: RunView | null; vendorName: (id: string) => string }) {
  if (!run) return <Text testId="never-enriched">This contact has not been enriched yet.</Text>;
  const problems = vendorProblems(run.steps, vendorName);
  const finished = run.state === 'done' && run.status;
  return (
    <Flex direction="column" gap="sm">
      <Flex direction="row" gap="sm" align="center">
        {finished ? (
          <StatusTag variant={STATUS_VARIANTS[run.status!]} testId="run-status">
            {STATUS_LABELS[run.status!]}
          </StatusTag>
        ) : (
          <StatusTag variant="info" hollow testId="run-status">
            {run.state === 'queued' ? 'Queued' : 'Running'}
          </StatusTag>
        )}
        <Text variant="microcopy" testId="run-meta">
          {`${formatDateTime(run.finishedAt ?? run.createdAt)} · cost ${formatCents(run.costCents)} · via ${run.source}${run.forceRefresh ? ' (forced refresh)' : ''}`}
        </Text>
      </Flex>
      {run.status === 'suppressed' && (
        <Alert title="Suppressed" variant="info" testId="suppressed">
          A vendor reported that this person asked not to be processed (a privacy opt-out). Cascade wrote no personal data
          to the contact and will not enrich it.
        </Alert>
      )}
      {problems.length > 0 && (
        <Alert title="Vendor errors" variant="danger" testId="vendor-errors">
          {problems.map((p) => (
            <Text key={p}>{p}</Text>
          ))}
        </Alert>
      )}
      {run.state === 'done' && run.status !== 'suppressed' && <RunFields fields={run.fields} vendorName={vendorName} />}
    </Flex>
  );
}
