import { type ConfigFile, type ResolvedProfile, activeProfileName, getProfile, loadConfig } from '../core/config/profiles.js';
import type { Deps } from '../core/deps.js';

/** The config and the profile a command runs against (`--profile`, `EUN_PROFILE`, active). */
export async function resolveProfile(deps: Deps, flag: string | undefined): Promise<ResolvedProfile & { config: ConfigFile }> {
  const config = await loadConfig(deps);
  const name = activeProfileName(config, flag, deps.env);
  return { ...getProfile(config, name), config };
}
