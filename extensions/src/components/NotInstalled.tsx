// Shown by the card and the settings page when the backend has no tokens for this portal.
import { Button, EmptyState, Text } from '@hubspot/ui-extensions';

export function NotInstalled({ installUrl }: { installUrl: string }) {
  return (
    <EmptyState title="Cascade is not connected to this HubSpot account" imageName="integrations" layout="vertical">
      <Text>
        Cascade needs to be installed (or reinstalled) before it can enrich contacts. A super admin can do it in one
        step; if that is not you, ask one of your account's super admins.
      </Text>
      <Button href={{ url: installUrl, external: true }} variant="primary" testId="install">
        Install Cascade
      </Button>
    </EmptyState>
  );
}
