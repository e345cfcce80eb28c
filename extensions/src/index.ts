// @cascade/extensions: the contact card and the settings page, plus the typed /ui client they share.
export { EnrichCard } from './card/index.ts';
export type { CardActions, CardContext, EnrichCardProps } from './card/index.ts';
export { SettingsPage } from './settings/index.ts';
export type { SettingsActions, SettingsContext, SettingsPageProps } from './settings/index.ts';
export { ApiFailure, createClient } from './api/client.ts';
export type { Client, ClientOptions } from './api/client.ts';
export type * from './api/contract.ts';
