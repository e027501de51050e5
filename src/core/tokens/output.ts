/** How `eun token get` shows a token: plain, as a header, or as JSON. Shared by the hot path and the command. */

/** A token as `eun token get` hands it out. */
export interface TokenResult {
  accessToken: string;
  tokenType: string;
  /** When it was minted (ms since the epoch), when known. */
  issuedAt?: number;
  /** ms since the epoch; undefined when the issuer gave no lifetime. */
  expiresAt?: number;
  scope?: string;
  source: 'cache' | 'minted';
}

/** The `--json` document of `eun token get`. */
export interface TokenJson {
  accessToken: string;
  tokenType: string;
  expiresAt: string | null;
  expiresIn: number | null;
  scope: string | null;
  source: 'cache' | 'minted';
}

/** The `--json` document (times in ISO-8601 UTC, `expiresIn` in whole seconds from `now`). */
export function tokenJson(result: TokenResult, now: number): TokenJson {
  return {
    accessToken: result.accessToken,
    tokenType: result.tokenType,
    expiresAt: result.expiresAt === undefined ? null : new Date(result.expiresAt).toISOString(),
    expiresIn: result.expiresAt === undefined ? null : Math.max(0, Math.floor((result.expiresAt - now) / 1000)),
    scope: result.scope ?? null,
    source: result.source,
  };
}

/** The line `eun token get` prints: the token, or with `header` an Authorization header. */
export function tokenLine(result: TokenResult, header: boolean): string {
  // The scheme is "Bearer" whatever case the issuer used ("bearer" from some servers).
  const scheme = result.tokenType.toLowerCase() === 'bearer' ? 'Bearer' : result.tokenType;
  return header ? `Authorization: ${scheme} ${result.accessToken}\n` : `${result.accessToken}\n`;
}

/** A Kubernetes `ExecCredential` (client.authentication.k8s.io/v1), for kubeconfig `exec` plugins. */
export function execCredential(result: TokenResult): Record<string, unknown> {
  const status: Record<string, string> = { token: result.accessToken };
  if (result.expiresAt !== undefined) status.expirationTimestamp = new Date(result.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status };
}

/** What `eun token get` prints on stdout, by output flag. */
export function renderToken(result: TokenResult, now: number, mode: { json?: boolean; header?: boolean; execCredential?: boolean }): string {
  if (mode.json) return `${JSON.stringify(tokenJson(result, now), null, 2)}\n`;
  if (mode.execCredential) return `${JSON.stringify(execCredential(result))}\n`;
  return tokenLine(result, Boolean(mode.header));
}
