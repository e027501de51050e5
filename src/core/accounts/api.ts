/** Picks the `ServiceAccountApi` adapter of a profile's flavor: the only place that knows there are two. */
import { type ResolvedProfile, apiBase } from '../config/profiles.js';
import type { Deps } from '../deps.js';
import { UsageError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { centraliApi } from './centrali.js';
import { eunifyerApi } from './eunifyer.js';
import type { ServiceAccountApi } from './types.js';

/** The management API of `resolved`, spoken with the user's bearer `token`. */
export function serviceAccountApi(deps: Deps, http: HttpClient, resolved: ResolvedProfile, token: string): ServiceAccountApi {
  const { profile } = resolved;
  const ctx = { deps, http, token, issuer: profile.issuer, api: apiBase(profile).replace(/\/+$/, '') };
  if (profile.flavor === 'centrali') {
    if (!profile.workspace) {
      throw new UsageError(`profile ${JSON.stringify(resolved.name)} has no workspace`, {
        hint: `add it again with --workspace: eun profile add ${resolved.name} --flavor centrali --issuer ${profile.issuer} --workspace SLUG --force`,
      });
    }
    return centraliApi({ ...ctx, workspace: profile.workspace });
  }
  return eunifyerApi(ctx);
}
