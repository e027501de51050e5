import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { EunCommand } from '../../cli/base-command.js';
import { UsageError } from '../../core/errors.js';

export default class EmulatorStart extends EunCommand {
  static override summary = 'Run the local emulator of both server flavors.';
  static override description =
    'Starts a real OAuth 2.0 / OpenID server implementing both API flavors (eunifyer and centrali), ' +
    'for offline use and tests. It prints its URLs when ready and stops on Ctrl-C or SIGTERM. ' +
    'Demo user: demo / demo. Faults for tests can be armed with EUN_EMULATOR_FAULTS (a JSON array).';
  static override examples = [
    '<%= config.bin %> emulator start',
    '<%= config.bin %> emulator start --port 0 --json',
    '<%= config.bin %> emulator start --data-dir ./.emulator --auto-approve',
  ];
  static override flags = {
    port: Flags.integer({ description: 'Port to listen on (0: any free port).', default: 8080, min: 0, max: 65535 }),
    host: Flags.string({ description: 'Address to listen on.', default: '127.0.0.1' }),
    'data-dir': Flags.string({ description: 'Keep signing keys and accounts in this directory (default: memory only).' }),
    'auto-approve': Flags.boolean({ description: 'Approve every device and browser login as the demo user at once.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(EmulatorStart);
    // Imported here so that no other command pays for loading oidc-provider.
    const { startEmulator } = await import('../../emulator/server.js');
    const { parseFault } = await import('../../emulator/faults.js');
    let faults;
    const rawFaults = process.env.EUN_EMULATOR_FAULTS;
    if (rawFaults) {
      try {
        const parsed: unknown = JSON.parse(rawFaults);
        faults = (Array.isArray(parsed) ? parsed : [parsed]).map(parseFault);
      } catch (err) {
        throw new UsageError(`EUN_EMULATOR_FAULTS: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    let emulator;
    try {
      emulator = await startEmulator({
        host: flags.host,
        port: flags.port,
        autoApprove: flags['auto-approve'],
        ...(flags['data-dir'] ? { dataDir: resolve(flags['data-dir']) } : {}),
        ...(faults ? { faults } : {}),
        onError: (message) => this.deps.debug(message),
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UsageError(`port ${flags.port} on ${flags.host} is in use`, { hint: 'pick another with --port (0: any free port)', cause: err });
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${flags.host}`, { cause: err });
      throw err;
    }
    const { base, eunifyerIssuer, eunifyerApi, centraliIssuer } = emulator;
    if (!/^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(flags.host)) {
      this.info(`warning: the emulator's admin API (/__admin/) has no authentication; anyone who can reach ${flags.host} can mint tokens`);
    }
    // Listen for signals before printing the ready line: a test may signal as soon as it reads it.
    const stopped = new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void emulator.close().then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    if (this.jsonEnabled()) {
      process.stdout.write(`${JSON.stringify({ eunifyerIssuer, eunifyerApi, centraliIssuer, base })}\n`);
    } else {
      process.stdout.write(`eunifyer issuer: ${eunifyerIssuer}\neunifyer API:    ${eunifyerApi}\ncentrali issuer: ${centraliIssuer}\n`);
      this.info(`eun emulator listening on ${base} (demo user: demo / demo${flags['auto-approve'] ? ', logins auto-approved' : ''}); Ctrl-C to stop`);
    }
    await stopped;
  }
}
