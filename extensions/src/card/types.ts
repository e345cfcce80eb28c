// The card's props: structural subsets of what hubspot.extend<'crm.record.sidebar'> hands the render
// callback, so the entry file passes HubSpot's `context` and `actions` straight through.

export type AlertKind = 'info' | 'warning' | 'success' | 'danger' | 'tip';

export interface CardContext {
  portal: { id: number };
  user: { id: number };
  crm: { objectId: number };
}

export interface CardActions {
  refreshObjectProperties: () => void;
  addAlert?: (alert: { type?: AlertKind; message: string; title?: string }) => void;
}

export interface EnrichCardProps {
  backendUrl: string;
  context: CardContext;
  actions: CardActions;
  /** Test seams; the entry file leaves them unset. */
  newRequestId?: () => string;
  pollIntervalMs?: number;
  maxWaitMs?: number;
}
