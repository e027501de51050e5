import { type ConfigFile, type Profile, allProfiles, apiBase, loginClientId } from './profiles.js';

/** A profile as `--json` shows it. */
export interface ProfileView {
  name: string;
  active: boolean;
  builtIn: boolean;
  flavor: Profile['flavor'];
  issuer: string;
  api: string;
  workspace?: string;
  loginClientId: string;
  defaultClientId?: string;
}

/** Describes one profile for output. */
export function viewProfile(config: ConfigFile, name: string, active: string): ProfileView {
  const profile = allProfiles(config)[name] as Profile;
  const view: ProfileView = {
    name,
    active: name === active,
    builtIn: config.profiles[name] === undefined,
    flavor: profile.flavor,
    issuer: profile.issuer,
    api: apiBase(profile),
    loginClientId: loginClientId(profile),
  };
  if (profile.workspace) view.workspace = profile.workspace;
  if (profile.defaultAccount) view.defaultClientId = profile.defaultAccount.clientId;
  return view;
}
