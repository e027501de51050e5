import type { Flavor } from './store.js';

/** Tunables of a running emulator, changed through `POST /__admin/settings`. */
export interface Settings {
  /** Lifetime of client-credentials tokens per flavor, seconds (API.md: 900 and 25200). */
  tokenTtl: Record<Flavor, number>;
  /** Lifetime of user access tokens, seconds. */
  userTokenTtl: number;
  /** Poll interval of the device flow (`interval` of the device authorization response), seconds. */
  deviceInterval: number;
  /** Delay added before every token endpoint response, ms. */
  tokenDelayMs: number;
  /** Requests allowed per window and bucket on the management and resource APIs. */
  rateLimit: { limit: number; windowSeconds: number };
}

/** The settings a fresh emulator starts with. */
export function defaultSettings(): Settings {
  return {
    tokenTtl: { eunifyer: 900, centrali: 25200 },
    userTokenTtl: 900,
    deviceInterval: 5,
    tokenDelayMs: 0,
    rateLimit: { limit: 1000, windowSeconds: 60 },
  };
}

function positiveInt(value: unknown, name: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`${name} must be an integer >= ${min}`);
  }
  return value;
}

/** Applies a partial settings object from the admin API; throws a TypeError naming a bad field. */
export function applySettings(settings: Settings, input: Record<string, unknown>): Settings {
  const ttl = input.tokenTtl as Record<string, unknown> | undefined;
  if (ttl !== undefined) {
    if (typeof ttl !== 'object' || ttl === null) throw new TypeError('tokenTtl must be an object');
    if (ttl.eunifyer !== undefined) settings.tokenTtl.eunifyer = positiveInt(ttl.eunifyer, 'tokenTtl.eunifyer');
    if (ttl.centrali !== undefined) settings.tokenTtl.centrali = positiveInt(ttl.centrali, 'tokenTtl.centrali');
  }
  if (input.userTokenTtl !== undefined) settings.userTokenTtl = positiveInt(input.userTokenTtl, 'userTokenTtl');
  if (input.deviceInterval !== undefined) settings.deviceInterval = positiveInt(input.deviceInterval, 'deviceInterval');
  if (input.tokenDelayMs !== undefined) settings.tokenDelayMs = positiveInt(input.tokenDelayMs, 'tokenDelayMs', 0);
  const rate = input.rateLimit as Record<string, unknown> | undefined;
  if (rate !== undefined) {
    if (typeof rate !== 'object' || rate === null) throw new TypeError('rateLimit must be an object');
    settings.rateLimit = {
      limit: positiveInt(rate.limit ?? settings.rateLimit.limit, 'rateLimit.limit', 0),
      windowSeconds: positiveInt(rate.windowSeconds ?? settings.rateLimit.windowSeconds, 'rateLimit.windowSeconds'),
    };
  }
  return settings;
}
