import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { errors, type Configuration, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { adapterFactory } from './adapter.js';
import type { BearerVerifier } from './auth.js';
import { escapeHtml } from './http.js';
import type { SigningJwk } from './keys.js';
import type { Settings } from './settings.js';
import type { TokenStats } from './stats.js';
import { secretMatches, type AccountStore, type Flavor } from './store.js';
import { DEMO_USER, DEFAULT_WORKSPACE, type UserDirectory } from './users.js';

/** Where each flavor's issuer lives under the emulator's base URL. */
export const ISSUER_PREFIX: Record<Flavor, string> = { eunifyer: '/realms/eunify', centrali: '/centrali' };

/** The public login client of both issuers (API.md §2). */
export const LOGIN_CLIENT_ID = 'eun-cli';

/** Scopes the issuers know, besides `openid` and `offline_access`. */
export const API_SCOPES: Record<Flavor, string[]> = {
  eunifyer: [
    'admin:access',
    'partner:orgs:read',
    'partner:orgs:write',
    'partner:users:read',
    'partner:users:write',
    'partner:billing:read',
    'drive:read',
    'drive:write',
    'sites:read',
    'sites:write',
  ],
  centrali: ['records:read', 'records:write', 'structures:read', 'structures:write', 'profile', 'email'],
};

const OIDC_SCOPES = ['openid', 'offline_access'];

const KEYCLOAK_ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  jwks: '/protocol/openid-connect/certs',
  device_authorization: '/protocol/openid-connect/auth/device',
  code_verification: '/device',
  revocation: '/protocol/openid-connect/revoke',
  introspection: '/protocol/openid-connect/token/introspect',
  userinfo: '/protocol/openid-connect/userinfo',
  end_session: '/protocol/openid-connect/logout',
};

const CENTRALI_ROUTES = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  jwks: '/oidc/jwks',
  device_authorization: '/oidc/device/auth',
  code_verification: '/oidc/device',
  revocation: '/oidc/token/revocation',
  introspection: '/oidc/token/introspection',
  userinfo: '/oidc/me',
  end_session: '/oidc/session/end',
};

/** Everything an issuer needs from the emulator around it. */
export interface IssuerContext {
  base: string;
  key: SigningJwk;
  accounts: AccountStore;
  users: UserDirectory;
  settings: Settings;
  stats: TokenStats;
  /** Approve every device login as the demo user at once. */
  autoApprove: boolean;
  verifier: BearerVerifier;
}

/** A user token minted directly (the admin API's `user-token`). */
export interface UserTokenResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: 'Bearer';
  scope: string;
}

/** One OpenID provider (oidc-provider) for one flavor, mounted under its prefix. */
export class Issuer {
  readonly issuer: string;
  readonly prefix: string;
  /** The resource indicator (and `aud`) of this flavor's API. */
  readonly resource: string;
  readonly routes: typeof KEYCLOAK_ROUTES;
  readonly provider: Provider;
  private readonly callback: (req: IncomingMessage, res: ServerResponse) => void;

  constructor(
    readonly flavor: Flavor,
    private readonly ctx: IssuerContext,
  ) {
    this.prefix = ISSUER_PREFIX[flavor];
    this.issuer = `${ctx.base}${this.prefix}`;
    this.resource = flavor === 'eunifyer' ? `${ctx.base}/api/v1` : `${ctx.base}/centrali/api`;
    this.routes = flavor === 'eunifyer' ? KEYCLOAK_ROUTES : CENTRALI_ROUTES;
    this.provider = new Provider(this.issuer, this.configuration());
    this.provider.proxy = false;
    this.patchClientSecretComparison();
    this.provider.use(this.tokenEndpointMiddleware());
    this.provider.use(this.autoApproveMiddleware());
    this.provider.use(this.introspectJwtMiddleware());
    this.callback = this.provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;
  }

  /** Full URL of one of this issuer's endpoints. */
  url(route: keyof typeof KEYCLOAK_ROUTES): string {
    return `${this.issuer}${this.routes[route]}`;
  }

  /** Hands a request whose path starts with this issuer's prefix to oidc-provider. */
  handle(req: IncomingMessage & { originalUrl?: string }, res: ServerResponse): void {
    req.originalUrl = req.url;
    req.url = (req.url ?? '/').slice(this.prefix.length) || '/';
    this.callback(req, res);
  }

  /** The service account whose client id this is, when active. */
  private serviceAccount(clientId: string | undefined) {
    return clientId ? this.ctx.accounts.byClientId(this.flavor, clientId) : undefined;
  }

  /**
   * Client secrets are stored hashed (adapter.ts hands the hash to oidc-provider as
   * `client_secret`), so the comparison hashes the presented secret.
   */
  private patchClientSecretComparison(): void {
    const proto = this.provider.Client.prototype as unknown as { compareClientSecret(actual: string): boolean };
    proto.compareClientSecret = function compareHashed(this: { clientSecret?: string }, actual: string) {
      return secretMatches(this.clientSecret ?? '', actual);
    };
  }

  /** Records every token request for the stats endpoint, and applies the token delay setting. */
  private tokenEndpointMiddleware() {
    const tokenPath = this.routes.token;
    return async (koa: KoaContextWithOIDC, next: () => Promise<void>) => {
      if (koa.path !== tokenPath || koa.method !== 'POST') return next();
      if (this.ctx.settings.tokenDelayMs > 0) await new Promise((r) => setTimeout(r, this.ctx.settings.tokenDelayMs));
      await next();
      const answer = koa.body as { error?: string; error_description?: string } | undefined;
      if (this.flavor === 'centrali' && answer?.error === 'invalid_client') {
        answer.error_description = 'Invalid client credentials'; // centrali's documented message
      }
      const body = (koa.oidc as unknown as { body?: Record<string, unknown> } | undefined)?.body ?? {};
      const auth = koa.headers.authorization ?? '';
      let clientId = typeof body.client_id === 'string' ? body.client_id : null;
      if (/^basic /i.test(auth)) {
        const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      }
      const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : null);
      this.ctx.stats.record({
        clientId,
        grantType: text('grant_type'),
        scope: text('scope'),
        audience: text('audience'),
        resource: text('resource'),
        authMethod: /^basic /i.test(auth) ? 'client_secret_basic' : body.client_secret ? 'client_secret_post' : 'none',
        status: koa.status,
        at: new Date().toISOString(),
      });
    };
  }

  /**
   * oidc-provider introspects only the tokens it stores; the access tokens here are JWTs, so
   * an "inactive" answer for one of ours is replaced by its verified claims (RFC 7662).
   */
  private introspectJwtMiddleware() {
    const path = this.routes.introspection;
    return async (koa: KoaContextWithOIDC, next: () => Promise<void>) => {
      await next();
      if (koa.path !== path) return;
      const answer = koa.body as { active?: boolean; error?: string } | undefined;
      const token = koa.oidc?.params?.token;
      const refusedJwt = koa.status === 400 && answer?.error === 'unsupported_token_type';
      if (!(refusedJwt || (koa.status === 200 && answer?.active === false))) return;
      if (typeof token !== 'string' || token.split('.').length !== 3) return;
      koa.status = 200;
      try {
        const caller = await this.ctx.verifier.verify(this.flavor, token);
        koa.body = { active: true, token_type: 'Bearer', ...caller.claims };
      } catch {
        // Invalid, expired, or its account rotated, revoked or deleted.
        koa.body = { active: false };
      }
    };
  }

  /** Sets the device flow's poll interval; with `--auto-approve`, approves each device authorization as soon as it is issued. */
  private autoApproveMiddleware() {
    const path = this.routes.device_authorization;
    return async (koa: KoaContextWithOIDC, next: () => Promise<void>) => {
      await next();
      if (koa.path !== path || koa.status !== 200) return;
      // oidc-provider names no interval (clients then poll every 5 s): say the configured one.
      const body = koa.body as { interval?: number } | undefined;
      if (body && typeof body === 'object') body.interval = this.ctx.settings.deviceInterval;
      if (!this.ctx.autoApprove) return;
      const deviceCode = (koa.body as { device_code?: unknown } | undefined)?.device_code;
      if (typeof deviceCode === 'string') await this.approveDeviceAuthorization(deviceCode);
    };
  }

  /**
   * Client credentials: default the scope to the account's scopes and refuse any scope the
   * account does not have (`invalid_scope`, never silently dropped).
   */
  private checkClientCredentialsScope(koa: KoaContextWithOIDC): void {
    const account = this.serviceAccount(koa.oidc.client?.clientId);
    if (!account) return;
    const allowed = new Set(['openid', ...account.scopes]);
    const requested = koa.oidc.params?.scope;
    if (typeof requested !== 'string' || requested.trim() === '') {
      (koa.oidc.params as Record<string, unknown>).scope = account.scopes.join(' ') || undefined;
      return;
    }
    for (const scope of requested.split(' ')) {
      if (scope && !allowed.has(scope)) {
        throw new errors.InvalidScope(`requested scope is not allowed: ${scope}`, scope);
      }
    }
  }

  private resourceServerInfo(koa: KoaContextWithOIDC | undefined, resource: string, clientId: string | undefined): ResourceServer {
    const account = this.serviceAccount(clientId);
    if (account) {
      return {
        scope: ['openid', ...account.scopes].join(' '),
        audience: resource,
        accessTokenFormat: 'jwt',
        accessTokenTTL: this.ctx.settings.tokenTtl[this.flavor],
        jwt: { sign: { alg: 'RS256' } },
      };
    }
    const ttl = (koa as unknown as { emulatorUserTokenTtl?: number } | undefined)?.emulatorUserTokenTtl;
    return {
      scope: [...API_SCOPES[this.flavor], 'openid'].join(' '),
      audience: resource,
      accessTokenFormat: 'jwt',
      accessTokenTTL: ttl ?? this.ctx.settings.userTokenTtl,
      jwt: { sign: { alg: 'RS256' } },
    };
  }

  private configuration(): Configuration {
    const { users, accounts } = this.ctx;
    const flavor = this.flavor;
    const cookiePrefix = flavor === 'eunifyer' ? '_eun_kc' : '_eun_ce';
    return {
      adapter: adapterFactory(flavor, accounts),
      jwks: { keys: [this.ctx.key] },
      cookies: {
        keys: [randomBytes(32).toString('hex')],
        names: { session: `${cookiePrefix}_session`, interaction: `${cookiePrefix}_interaction`, resume: `${cookiePrefix}_resume` },
      },
      routes: this.routes,
      responseTypes: ['code'],
      clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
      scopes: [...OIDC_SCOPES, ...API_SCOPES[flavor]],
      claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'] },
      clients: [
        {
          client_id: LOGIN_CLIENT_ID,
          client_name: 'eun command-line tool',
          application_type: 'native',
          token_endpoint_auth_method: 'none',
          grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: ['http://127.0.0.1/callback', 'http://[::1]/callback'],
        },
      ],
      findAccount: async (_ctx, sub) => {
        const user = users.get(sub);
        if (!user) return undefined;
        return {
          accountId: sub,
          claims: async () => ({ sub, name: user.name, preferred_username: user.username, email: user.email }),
        };
      },
      features: {
        devInteractions: { enabled: false },
        pushedAuthorizationRequests: { enabled: false },
        clientCredentials: { enabled: true },
        // The verification page itself is served by pages.ts; these only back oidc-provider's fallbacks.
        deviceFlow: {
          enabled: true,
          userCodeInputSource: async (koa, form) => simplePage(koa, 'Device login', form),
          userCodeConfirmSource: async (koa, form) => simplePage(koa, 'Device login', form),
          successSource: async (koa) => simplePage(koa, 'Device approved', '<p>You can return to your terminal.</p>'),
        },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (koa, form) =>
            simplePage(koa, 'Sign out', `${form}<button form="op.logoutForm" name="logout" value="yes">Sign out</button>`),
          postLogoutSuccessSource: async (koa) => simplePage(koa, 'Signed out', '<p>You are signed out.</p>'),
        },
        introspection: { enabled: true, allowedPolicy: async () => true },
        revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
        userinfo: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: async (koa) => {
            if (koa.oidc.params?.grant_type === 'client_credentials') this.checkClientCredentialsScope(koa);
            return this.resource;
          },
          useGrantedResource: async () => true,
          getResourceServerInfo: async (koa, resource, client) => {
            if (!URL.canParse(resource)) throw new errors.InvalidTarget();
            return this.resourceServerInfo(koa, resource, client.clientId);
          },
        },
      },
      interactions: { url: async (_ctx, interaction) => `${this.prefix}/interaction/${interaction.uid}` },
      clientBasedCORS: () => false,
      pkce: { required: () => true },
      expiresWithSession: async () => false,
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      extraTokenClaims: async (_ctx, token) => {
        const kind = (token as { kind?: string }).kind;
        if (kind === 'ClientCredentials') {
          const account = this.serviceAccount(token.clientId);
          if (!account) return undefined;
          return {
            ...(flavor === 'centrali' ? { workspace: account.workspace } : { azp: account.clientId }),
            isServiceAccount: 'true',
            groups: account.groups,
            secret_version: account.secretVersion,
          };
        }
        const accountId = (token as { accountId?: string }).accountId;
        const user = accountId ? users.get(accountId) : undefined;
        if (!user) return undefined;
        return {
          ...(flavor === 'centrali' ? { workspace: user.workspace } : {}),
          isServiceAccount: 'false',
          groups: user.groups,
          preferred_username: user.username,
        };
      },
      ttl: {
        AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? this.ctx.settings.userTokenTtl,
        ClientCredentials: () => this.ctx.settings.tokenTtl[flavor],
        AuthorizationCode: 60,
        DeviceCode: 600,
        IdToken: 3600,
        Interaction: 3600,
        Session: 14 * 86400,
        Grant: 30 * 86400,
        RefreshToken: 30 * 86400,
      },
      renderError: async (koa, out) => {
        const items = Object.entries(out)
          .map(([k, v]) => `<li><b>${escapeHtml(k)}</b>: ${escapeHtml(String(v))}</li>`)
          .join('');
        simplePage(koa, 'Something went wrong', `<ul>${items}</ul>`);
      },
    };
  }

  /**
   * Mints a user access token and refresh token directly, as if `sub` had logged in with
   * `eun-cli` (the admin API's documented shortcut for tests).
   */
  async mintUserToken(opts: { sub?: string; workspace?: string; scope?: string; ttl?: number }): Promise<UserTokenResponse> {
    const workspace = opts.workspace ?? DEFAULT_WORKSPACE;
    const sub = opts.sub ?? (workspace === DEMO_USER.workspace ? DEMO_USER.sub : `user-${workspace}`);
    this.ctx.users.ensure(sub, workspace);
    const scope = opts.scope ?? (this.flavor === 'eunifyer' ? 'openid offline_access admin:access' : 'openid offline_access');
    const requested = scope.split(' ').filter(Boolean);
    const known = new Set([...OIDC_SCOPES, ...API_SCOPES[this.flavor]]);
    const unknown = requested.find((s) => !known.has(s));
    if (unknown) throw new TypeError(`unknown scope ${unknown}`);
    const client = await this.provider.Client.find(LOGIN_CLIENT_ID);
    if (!client) throw new Error('login client missing');
    const grantId = await this.saveGrant(sub, requested);
    const apiScopes = requested.filter((s) => s !== 'offline_access');
    const info = this.resourceServerInfo(undefined, this.resource, LOGIN_CLIENT_ID);
    if (opts.ttl !== undefined) info.accessTokenTTL = opts.ttl;
    const at = new this.provider.AccessToken({ accountId: sub, client, grantId, gty: 'device_code', scope: apiScopes.join(' ') });
    at.resourceServer = new this.provider.ResourceServer(this.resource, info);
    const accessToken = await at.save();
    const rt = new this.provider.RefreshToken({
      accountId: sub,
      client,
      grantId,
      gty: 'device_code',
      scope: requested.join(' '),
      resource: this.resource,
      rotations: 0,
      authTime: Math.floor(Date.now() / 1000),
    });
    const refreshToken = await rt.save();
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_in: info.accessTokenTTL ?? this.ctx.settings.userTokenTtl,
      token_type: 'Bearer',
      scope: apiScopes.join(' '),
    };
  }

  /** Adds what an interaction's consent prompt misses to its grant (or a new one); returns the grant id. */
  async completeGrant(details: {
    grantId?: string | undefined;
    session?: { accountId: string } | undefined;
    params: Record<string, unknown>;
    prompt: { details: Record<string, unknown> };
  }): Promise<string> {
    const { Grant } = this.provider;
    const grant =
      (details.grantId ? await Grant.find(details.grantId) : undefined) ??
      new Grant({ accountId: details.session?.accountId ?? DEMO_USER.sub, clientId: String(details.params.client_id) });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    return grant.save();
  }

  /** Saves a grant of `scopes` to the login client for `sub`; returns its id. */
  async saveGrant(sub: string, scopes: string[]): Promise<string> {
    const grant = new this.provider.Grant({ accountId: sub, clientId: LOGIN_CLIENT_ID });
    const oidc = scopes.filter((s) => OIDC_SCOPES.includes(s));
    // `openid` also goes on the API token, as Keycloak puts it there.
    const api = scopes.filter((s) => s === 'openid' || API_SCOPES[this.flavor].includes(s));
    if (oidc.length) grant.addOIDCScope(oidc.join(' '));
    if (api.length) grant.addResourceScope(this.resource, api.join(' '));
    return grant.save();
  }

  /**
   * Approves (or denies) the device login whose user code this is, as `sub`. Returns why it
   * could not when the code is unknown, expired or already used.
   */
  async decideDeviceCode(userCode: string, sub: string | undefined): Promise<'approved' | 'denied' | 'not_found' | 'expired' | 'used'> {
    const normalized = userCode.toUpperCase().replace(/[^A-Z]/g, '');
    const code = await this.provider.DeviceCode.findByUserCode(normalized, { ignoreExpiration: true });
    if (!code) return 'not_found';
    if (code.isExpired) return 'expired';
    if (code.error || code.accountId) return 'used';
    if (!sub) {
      Object.assign(code, { error: 'access_denied', errorDescription: 'End-User denied the login' });
      await code.save();
      return 'denied';
    }
    const params = (code.params ?? {}) as { scope?: string };
    const known = new Set([...OIDC_SCOPES, ...API_SCOPES[this.flavor]]);
    const scopes = (params.scope ?? 'openid').split(' ').filter((s) => known.has(s));
    const grantId = await this.saveGrant(sub, scopes);
    Object.assign(code, {
      accountId: sub,
      grantId,
      scope: scopes.join(' '),
      authTime: Math.floor(Date.now() / 1000),
      resource: this.resource,
    });
    await code.save();
    return 'approved';
  }

  /** Approves every pending device code at once as the demo user (`--auto-approve`). */
  async approveDeviceAuthorization(deviceCode: string): Promise<void> {
    const code = await this.provider.DeviceCode.find(deviceCode);
    if (code?.userCode) await this.decideDeviceCode(code.userCode, DEMO_USER.sub);
  }
}

/** Answers with a minimal HTML page (`body` is trusted HTML). */
function simplePage(koa: KoaContextWithOIDC, title: string, body: string): void {
  koa.type = 'html';
  koa.body = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
