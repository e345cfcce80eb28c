// passport-hubspot-oauth2 1.0.3 ships no types: a passport-oauth2 strategy (CommonJS) whose
// constructor takes the same options. Only what server/hubspot/oauth.ts uses is declared.
declare module 'passport-hubspot-oauth2' {
  import type OAuth2Strategy from 'passport-oauth2';

  const hubspot: { Strategy: typeof OAuth2Strategy; OAuth2Strategy: typeof OAuth2Strategy };
  export default hubspot;
}
