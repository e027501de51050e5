import type { IncomingMessage, ServerResponse } from 'node:http';

/** The fault modes of `POST /__admin/faults`. */
export const FAULT_MODES = ['503', '429', 'html502', 'nonjson', 'truncated', 'huge', 'hang', 'drop', 'delay'] as const;

/** One kind of injected failure. */
export type FaultMode = (typeof FAULT_MODES)[number];

/** A fault for the next `count` requests whose path starts with `path`. */
export interface FaultSpec {
  path: string;
  mode: FaultMode;
  count?: number;
  retryAfter?: number;
  delayMs?: number;
}

/** Size of the body of the `huge` mode: far more than any token response. */
const HUGE_BYTES = 16 * 1024 * 1024;

/** Validates one fault spec from JSON; throws a TypeError naming the bad field. */
export function parseFault(input: unknown): FaultSpec {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new TypeError('a fault must be an object');
  const spec = input as Record<string, unknown>;
  if (typeof spec.path !== 'string' || !spec.path.startsWith('/')) throw new TypeError('path must be a path starting with /');
  if (!FAULT_MODES.includes(spec.mode as FaultMode)) throw new TypeError(`mode must be one of ${FAULT_MODES.join(', ')}`);
  for (const field of ['count', 'retryAfter', 'delayMs'] as const) {
    const value = spec[field];
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 0)) {
      throw new TypeError(`${field} must be a non-negative integer`);
    }
  }
  return {
    path: spec.path,
    mode: spec.mode as FaultMode,
    count: (spec.count as number | undefined) ?? 1,
    ...(spec.retryAfter !== undefined ? { retryAfter: spec.retryAfter as number } : {}),
    ...(spec.delayMs !== undefined ? { delayMs: spec.delayMs as number } : {}),
  };
}

/** Pending faults, consumed in order by matching requests. */
export class Faults {
  private pending: Array<FaultSpec & { remaining: number }> = [];
  private readonly hanging = new Set<ServerResponse>();

  add(spec: FaultSpec): void {
    this.pending.push({ ...spec, remaining: spec.count ?? 1 });
  }

  clear(): void {
    this.pending = [];
  }

  /** Takes the first pending fault matching `path`, if any. */
  take(path: string): FaultSpec | undefined {
    const fault = this.pending.find((f) => f.remaining > 0 && path.startsWith(f.path));
    if (!fault) return undefined;
    fault.remaining--;
    this.pending = this.pending.filter((f) => f.remaining > 0);
    return fault;
  }

  /**
   * Plays a fault on a request. Returns true when the response is dealt with, false when the
   * request should go on to its handler (after a `delay`).
   */
  async play(fault: FaultSpec, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    // Drain the body of answered requests; a delayed one goes on to its handler unread.
    if (fault.mode !== 'delay') req.resume();
    switch (fault.mode) {
      case '503':
      case '429': {
        const status = Number(fault.mode);
        const body = JSON.stringify({
          error: status === 503 ? 'temporarily_unavailable' : 'rate_limited',
          message: status === 503 ? 'service unavailable (injected)' : 'too many requests (injected)',
        });
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter !== undefined || status === 429) headers['retry-after'] = String(fault.retryAfter ?? 1);
        res.writeHead(status, headers).end(body);
        return true;
      }
      case 'html502':
        res
          .writeHead(502, { 'content-type': 'text/html' })
          .end('<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>\n');
        return true;
      case 'nonjson':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Sign in to continue</body></html>\n');
        return true;
      case 'truncated': {
        const body = '{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0cnVuY2F0ZWQifQ.c2ln","token_type":"Bearer","expires_in":900}';
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        res.write(body.slice(0, 30));
        // Let the first bytes leave, then cut the connection short of the declared length.
        setTimeout(() => res.destroy(), 20);
        return true;
      }
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        res.write('{"padding":"');
        let sent = 0;
        const pump = (): void => {
          while (sent < HUGE_BYTES) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end('"}');
        };
        res.on('error', () => {});
        pump();
        return true;
      }
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return true;
      case 'drop':
        req.socket.destroy();
        return true;
      case 'delay':
        await new Promise((r) => setTimeout(r, fault.delayMs ?? 1000));
        return false;
    }
  }

  /** Ends the requests left hanging (on shutdown). */
  closeHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }
}
