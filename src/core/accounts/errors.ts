/**
 * Management API failures as typed errors with advice: 401 → exit 4 "run eun login",
 * 403 → exit 4 naming the workspace or scope, 404 → exit 3, 400 → exit 2 with the server's
 * reason. Server text is shortened and made safe before it reaches a message.
 */
import { AuthError, type EunError, NetworkError, NotFoundError, UsageError, sanitizeForTerminal } from '../errors.js';
import type { HttpResponse } from '../http/client.js';

/** What a failed request was about, for the message. */
export interface FailureContext {
  /** "create service account", "rotate service account 12". */
  action: string;
  /** The REF the user typed (or the id), for "service account X not found". */
  ref?: string;
  /** For 403: what the caller must have, e.g. "access to workspace acme-corp", "scope admin:access". */
  needs: string;
  /** For 403: what to do about it. */
  forbiddenHint: string;
  /** The thing a 404 is about, when not the account (e.g. "personal access token pat_1"). */
  missing?: string;
}

/** The server's reason from an error body (`message`, `error_description`, `error`), safe for one line. */
export function serverReason(res: HttpResponse): string | undefined {
  const body = res.jsonOrUndefined();
  let reason: unknown;
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    const nested = typeof b.error === 'object' && b.error !== null ? (b.error as Record<string, unknown>) : undefined;
    reason = b.message ?? b.error_description ?? nested?.message ?? b.detail ?? b.error;
    if (Array.isArray(b.errors) && reason === undefined) reason = b.errors.map((e) => (typeof e === 'string' ? e : (e as { message?: unknown })?.message)).join('; ');
  }
  if (typeof reason !== 'string' || reason.trim() === '') return undefined;
  const line = sanitizeForTerminal(reason.replace(/\s+/g, ' ').trim());
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

const SESSION_HINT = 'run eun login (or set EUN_TOKEN to a valid user token or PAT)';

/** The typed error of a failed management response. */
export function managementError(res: HttpResponse, ctx: FailureContext): EunError {
  const reason = serverReason(res);
  const because = reason ? `: ${reason}` : '';
  switch (res.status) {
    case 401:
      return new AuthError(
        /expired/i.test(reason ?? '')
          ? `cannot ${ctx.action}: your session has expired (HTTP 401)`
          : `cannot ${ctx.action}: the server refused your session (HTTP 401${because})`,
        { code: 'unauthorized', hint: SESSION_HINT },
      );
    case 403:
      return new AuthError(`cannot ${ctx.action}: forbidden, the session needs ${ctx.needs} (HTTP 403${because})`, {
        code: 'forbidden',
        hint: ctx.forbiddenHint,
      });
    case 404:
      if (ctx.missing) return new NotFoundError(`${ctx.missing} not found`);
      // "service account" whatever the flavor calls it: the words users script against.
      return new NotFoundError(ctx.ref === undefined ? 'service account not found' : `service account ${ctx.ref} not found`, {
        hint: `list them with eun sa list; it may have been deleted`,
      });
    case 400:
    case 409:
    case 413:
    case 422:
      return new UsageError(`cannot ${ctx.action}: the server refused it (HTTP ${res.status}${because})`);
    default:
      return new NetworkError(`cannot ${ctx.action}: unexpected HTTP ${res.status}${because}`, {
        code: 'bad_response',
        hint: res.status >= 500 ? 'the server may be down; try again later' : 'check that the profile points at the right server (eun profile show)',
      });
  }
}
