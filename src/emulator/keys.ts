import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { readJsonFile, writePrivateFile } from './persist.js';

/** The signing key of both issuers: a private RSA JWK with `kid`, `alg` RS256, `use` sig. */
export type SigningJwk = JWK & { kid: string; alg: 'RS256'; use: 'sig' };

/** Loads the signing key from `DATA_DIR/keys.json`, or makes one (and saves it there when a data dir is given). */
export async function loadSigningKey(dataDir: string | undefined): Promise<SigningJwk> {
  const file = dataDir ? join(dataDir, 'keys.json') : undefined;
  if (file) {
    const saved = await readJsonFile<{ keys: SigningJwk[] }>(file);
    const key = saved?.keys[0];
    if (key) return key;
  }
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const key: SigningJwk = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
  if (file) await writePrivateFile(file, `${JSON.stringify({ keys: [key] }, null, 2)}\n`);
  return key;
}

/** The public half of a signing key, as published at the JWKS endpoint. */
export function publicJwk(key: SigningJwk): JWK {
  const { kty, n, e, kid, alg, use } = key;
  return { kty, n, e, kid, alg, use };
}
