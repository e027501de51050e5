import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFault, type Faults } from './faults.js';
import { HttpError, readJsonObject, sendJson } from './http.js';
import type { Issuer } from './issuer.js';
import type { RateLimiter } from './rate-limit.js';
import { applySettings, type Settings } from './settings.js';
import type { TokenStats } from './stats.js';
import type { Flavor } from './store.js';

/** What the admin routes need. */
export interface AdminContext {
  issuers: Record<Flavor, Issuer>;
  stats: TokenStats;
  faults: Faults;
  settings: Settings;
  rateLimiter: RateLimiter;
}

function badRequest(err: unknown): HttpError {
  return new HttpError(400, 'validation_error', err instanceof Error ? err.message : String(err));
}

/**
 * The test/admin API under `/__admin/` (no authentication: the emulator listens on loopback
 * for tests and demos). False when the path is not one of its routes.
 */
export async function handleAdmin(ctx: AdminContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  const route = `${req.method ?? 'GET'} ${url.pathname.replace(/\/$/, '')}`;
  switch (route) {
    case 'POST /__admin/user-token': {
      const body = await readJsonObject(req);
      const flavor = body.flavor;
      if (flavor !== 'eunifyer' && flavor !== 'centrali') throw badRequest('flavor must be "eunifyer" or "centrali"');
      for (const field of ['workspace', 'scope', 'sub'] as const) {
        if (body[field] !== undefined && (typeof body[field] !== 'string' || body[field] === '')) {
          throw badRequest(`${field} must be a non-empty string`);
        }
      }
      if (body.ttl !== undefined && (typeof body.ttl !== 'number' || !Number.isInteger(body.ttl) || body.ttl < 1)) {
        throw badRequest('ttl must be a positive integer (seconds)');
      }
      try {
        const token = await ctx.issuers[flavor].mintUserToken({
          ...(body.sub !== undefined ? { sub: body.sub as string } : {}),
          ...(body.workspace !== undefined ? { workspace: body.workspace as string } : {}),
          ...(body.scope !== undefined ? { scope: body.scope as string } : {}),
          ...(body.ttl !== undefined ? { ttl: body.ttl as number } : {}),
        });
        sendJson(res, 200, token);
      } catch (err) {
        if (err instanceof TypeError) throw badRequest(err);
        throw err;
      }
      return true;
    }
    case 'GET /__admin/stats':
      sendJson(res, 200, ctx.stats.toJSON());
      return true;
    case 'POST /__admin/stats/reset':
      ctx.stats.reset();
      sendJson(res, 200, ctx.stats.toJSON());
      return true;
    case 'POST /__admin/faults': {
      const body = await readJsonObject(req);
      try {
        ctx.faults.add(parseFault(body));
      } catch (err) {
        throw badRequest(err);
      }
      sendJson(res, 201, { ok: true });
      return true;
    }
    case 'DELETE /__admin/faults':
      ctx.faults.clear();
      sendJson(res, 200, { ok: true });
      return true;
    case 'GET /__admin/settings':
      sendJson(res, 200, ctx.settings);
      return true;
    case 'POST /__admin/settings': {
      const body = await readJsonObject(req);
      try {
        applySettings(ctx.settings, body);
      } catch (err) {
        throw badRequest(err);
      }
      if (body.rateLimit !== undefined) ctx.rateLimiter.reset();
      sendJson(res, 200, ctx.settings);
      return true;
    }
    default:
      if (url.pathname.startsWith('/__admin/')) throw new HttpError(404, 'not_found', 'no such admin endpoint');
      return false;
  }
}
