import { join } from 'node:path';

/** The environment as far as paths are concerned. */
export interface PathEnv {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value !== '' ? value : undefined;
}

/** `EUN_CONFIG_DIR`, else `$XDG_CONFIG_HOME/eun`, else `~/.config/eun`. */
export function configDir({ env, homedir }: PathEnv): string {
  return (
    nonEmpty(env.EUN_CONFIG_DIR) ??
    join(nonEmpty(env.XDG_CONFIG_HOME) ?? join(homedir, '.config'), 'eun')
  );
}

/** `EUN_CACHE_DIR`, else `$XDG_CACHE_HOME/eun`, else `~/.cache/eun`. */
export function cacheDir({ env, homedir }: PathEnv): string {
  return (
    nonEmpty(env.EUN_CACHE_DIR) ?? join(nonEmpty(env.XDG_CACHE_HOME) ?? join(homedir, '.cache'), 'eun')
  );
}

/** The config file: one JSON document with every profile. */
export function configFile(paths: PathEnv): string {
  return join(configDir(paths), 'config.json');
}
