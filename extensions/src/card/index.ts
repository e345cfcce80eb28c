export { EnrichCard } from './EnrichCard.tsx';
export type { CardActions, CardContext, EnrichCardProps } from './types.ts';
