/**
 * The two pieces of undici that eun uses: its `request` API and `EnvHttpProxyAgent`.
 *
 * They are loaded from their own files rather than from undici's index, which also loads
 * fetch, WebSocket, mocks and caches: that costs ~40 ms of start-up on every cold
 * `eun token get`, more than the whole token request against a local issuer.
 */
import { createRequire } from 'node:module';
import type { Agent as AgentClass, Dispatcher, EnvHttpProxyAgent as EnvHttpProxyAgentClass } from 'undici';

const require = createRequire(import.meta.url);

/** undici's `request`, called with the dispatcher as `this`. */
export type RawRequest = (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/** undici's `request` function (lib/api/api-request.js). */
export const rawRequest = require('undici/lib/api/api-request.js') as RawRequest;

/** undici's `EnvHttpProxyAgent` (HTTP(S)_PROXY and NO_PROXY), loaded only when a proxy is set. */
export function loadEnvHttpProxyAgent(): typeof EnvHttpProxyAgentClass {
  // undici's index adds its API to Dispatcher.prototype; the proxy agent tunnels https:// with
  // `connect` (HTTP CONNECT), which without the index is missing: add that one method.
  const dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: { connect?: unknown } };
  dispatcher.prototype.connect ??= require('undici/lib/api/api-connect.js');
  return require('undici/lib/dispatcher/env-http-proxy-agent.js') as typeof EnvHttpProxyAgentClass;
}

/** undici's plain `Agent`, for the usual case of no proxy. */
export const Agent = require('undici/lib/dispatcher/agent.js') as typeof AgentClass;
