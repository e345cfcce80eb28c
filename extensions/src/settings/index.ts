export { SettingsPage } from './SettingsPage.tsx';
export type { SettingsActions, SettingsContext, SettingsPageProps } from './types.ts';
