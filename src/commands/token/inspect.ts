import { Args, Flags } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { UsageError, toTerminalJson } from '../../core/errors.js';
import { createHttpClient } from '../../core/http/client.js';
import { loadTokenProfile } from '../../core/tokens/credentials.js';
import { type JwtInspection, inspectJwt, verifyJwt } from '../../core/tokens/inspect.js';
import { renderFields } from '../../ui/table.js';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

function relative(seconds: number): string {
  const abs = Math.abs(seconds);
  const text = abs >= 3600 ? `${Math.floor(abs / 3600)}h${Math.floor((abs % 3600) / 60)}m` : abs >= 60 ? `${Math.floor(abs / 60)}m${abs % 60}s` : `${abs}s`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

export default class TokenInspect extends EunCommand {
  static override summary = 'Decode a JWT: header, claims, expiry.';
  static override description =
    'Decodes a JWT given as the argument or on standard input (preferred: it stays out of the process list). With --verify, checks its signature, issuer and lifetime against the JWKS of the issuer (--issuer, else $EUN_ISSUER, else the profile\'s).';
  static override examples = ['<%= config.bin %> token get | <%= config.bin %> token inspect', '<%= config.bin %> token get | <%= config.bin %> token inspect --verify --json'];
  static override args = { token: Args.string({ description: 'The JWT (default: read from standard input).' }) };
  static override flags = {
    verify: Flags.boolean({ description: "Verify the signature against the issuer's JWKS." }),
    issuer: Flags.string({ description: 'Issuer to verify against (default: $EUN_ISSUER, else the profile\'s).' }),
  };

  async run(): Promise<JwtInspection> {
    const { args, flags } = await this.parse(TokenInspect);
    let token = args.token;
    if (token === undefined) {
      if (process.stdin.isTTY) throw new UsageError('missing TOKEN: pass it as an argument or on standard input');
      token = (await readStdin()).trim();
      if (token === '') throw new UsageError('missing TOKEN: standard input was empty');
    }
    const deps = this.deps;
    const result = inspectJwt(token, deps.now());
    if (flags.verify) {
      const issuer = flags.issuer ?? deps.env.EUN_ISSUER ?? (await loadTokenProfile(deps, flags.profile)).profile.issuer;
      const http = createHttpClient(deps);
      try {
        await verifyJwt(deps, http, token, issuer);
      } finally {
        await http.close();
      }
      result.verified = true;
    }
    const isTTY = deps.stdout.isTTY;
    const fields: Array<[string, string | undefined]> = [
      ['algorithm', String(result.header.alg ?? '')],
      ['key id', result.header.kid === undefined ? undefined : String(result.header.kid)],
      ['issuer', result.claims.iss === undefined ? undefined : String(result.claims.iss)],
      ['subject', result.claims.sub === undefined ? undefined : String(result.claims.sub)],
      ['issued', result.issuedAt ?? undefined],
      ['expires', result.expiresAt === null ? 'never (no exp claim)' : `${result.expiresAt} (${result.expired ? 'expired ' : ''}${relative(result.expiresIn ?? 0)})`],
      ['verified', flags.verify ? 'yes (signature, issuer and lifetime)' : undefined],
    ];
    this.out(`${renderFields(fields, isTTY)}\nheader: ${toTerminalJson(result.header, 2)}\nclaims: ${toTerminalJson(result.claims, 2)}`);
    return result;
  }
}
