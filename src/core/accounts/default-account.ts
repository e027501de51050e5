/** The profile's default service account (what `eun token get` uses without --client-id). */
import type { PathEnv } from '../config/paths.js';
import { type DefaultAccount, type ResolvedProfile, allProfiles, loadConfig, updateConfig } from '../config/profiles.js';

/**
 * Makes `account` the default of the profile when `force` is set or the profile has none yet.
 * Returns true when it is the default afterwards.
 */
export function offerDefaultAccount(paths: PathEnv, resolved: ResolvedProfile, account: DefaultAccount, force: boolean): Promise<boolean> {
  return updateConfig(paths, (config) => {
    // The built-in default profile is saved to the file the first time it changes.
    const profile = config.profiles[resolved.name] ?? { ...(allProfiles(config)[resolved.name] ?? resolved.profile) };
    if (profile.defaultAccount && !force) return profile.defaultAccount.clientId === account.clientId;
    const chosen: DefaultAccount = { clientId: account.clientId };
    if (account.id) chosen.id = account.id;
    if (account.name) chosen.name = account.name;
    if (account.scope) chosen.scope = account.scope;
    profile.defaultAccount = chosen;
    config.profiles[resolved.name] = profile;
    return true;
  });
}

/**
 * Keeps the profile's default account in step when that account changes (`name`, `scope`)
 * or goes away (`'drop'`). Does nothing, and writes nothing, when `clientId` is not the
 * default. Returns true when it was.
 */
export async function followDefaultAccount(
  paths: PathEnv,
  resolved: ResolvedProfile,
  clientId: string,
  change: Pick<DefaultAccount, 'name' | 'scope'> | 'drop',
): Promise<boolean> {
  // Read first: most changes do not touch the default, and then the file stays as it is.
  if ((await loadConfig(paths)).profiles[resolved.name]?.defaultAccount?.clientId !== clientId) return false;
  return updateConfig(paths, (config) => {
    const profile = config.profiles[resolved.name];
    if (!profile?.defaultAccount || profile.defaultAccount.clientId !== clientId) return false;
    if (change === 'drop') delete profile.defaultAccount;
    else {
      if (change.name !== undefined) profile.defaultAccount.name = change.name;
      if (change.scope !== undefined) {
        if (change.scope === '') delete profile.defaultAccount.scope;
        else profile.defaultAccount.scope = change.scope;
      }
    }
    return true;
  });
}
