import { Flags } from '@oclif/core';

/** Flags that say which client-credentials token (`eun token get|clear|exec`). No flag takes the secret. */
export const tokenSelectionFlags = {
  'client-id': Flags.string({ description: 'Client id of the service account (default: $EUN_CLIENT_ID, else the profile\'s default account).' }),
  scope: Flags.string({ description: 'Scope to request; repeat it or separate scopes with spaces (default: $EUN_SCOPE).', multiple: true }),
  audience: Flags.string({ description: 'Audience to request (Auth0, Okta) (default: $EUN_AUDIENCE).' }),
  resource: Flags.string({ description: 'RFC 8707 resource indicator; repeatable (default: $EUN_RESOURCE).', multiple: true }),
  issuer: Flags.string({ description: 'OIDC issuer; the token endpoint comes from its discovery document (default: $EUN_ISSUER, else the profile\'s).' }),
  'token-url': Flags.string({ description: 'Token endpoint, to skip discovery (default: $EUN_TOKEN_URL).' }),
};

/** Flags that say how fresh the token must be. */
export const tokenFreshnessFlags = {
  'min-ttl': Flags.string({ description: 'The token must stay valid at least this long (e.g. 90s, 10m, 1h).' }),
  'force-refresh': Flags.boolean({ description: 'Mint a new token even if the cached one is good.' }),
};
