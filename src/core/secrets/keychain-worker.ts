/**
 * The keychain worker: a child process that makes the native keychain calls for its parent,
 * which kills it (SIGKILL) when a call exceeds its time budget. A keychain waiting on an
 * unlock prompt nobody answers never returns, and would even hold up `process.exit` in the
 * process that made the call; isolated here, it can never keep `eun` from ending.
 *
 * Protocol: one JSON request per line on stdin, one JSON response per line on stdout.
 * This file imports nothing of ours and uses only erasable TypeScript, so that Node can run
 * the source itself (type stripping) as well as the compiled file.
 */
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import type { AsyncEntry as AsyncEntryType, Credential, EntryOptions } from '@napi-rs/keyring';

/** A request from the parent. */
export interface WorkerRequest {
  id: number;
  op: 'get' | 'set' | 'delete' | 'list';
  service: string;
  account?: string;
  value?: string;
}

/** The worker's answer to one request. */
export type WorkerResponse =
  | { id: number; ok: true; value?: string | null; deleted?: boolean; accounts?: string[] }
  | { id: number; ok: false; message: string };

interface KeyringModule {
  AsyncEntry: typeof AsyncEntryType;
  findCredentialsAsync(service: string): Promise<Credential[]>;
}

// Pinned to the Secret Service: unpinned, keyring falls back to the kernel keyring, which
// forgets everything at logout and is not what the user would call their keychain.
const OPTIONS: EntryOptions = { linux: { store: 'secret-service' } };

function send(response: WorkerResponse): void {
  process.stdout.write(`${JSON.stringify(response)}\n`);
}

// An entry opens its own Secret Service session (~5 ms); reused, a call takes under 1 ms.
const entries = new Map<string, AsyncEntryType>();

function entryFor(keyring: KeyringModule, service: string, account: string): AsyncEntryType {
  const key = JSON.stringify([service, account]);
  let entry = entries.get(key);
  if (!entry) {
    entry = new keyring.AsyncEntry(service, account, OPTIONS);
    entries.set(key, entry);
  }
  return entry;
}

async function handle(keyring: KeyringModule, request: WorkerRequest): Promise<WorkerResponse> {
  const { id, op, service } = request;
  if (op === 'list') {
    const found = await keyring.findCredentialsAsync(service);
    return { id, ok: true, accounts: found.map((c) => c.account) };
  }
  const entry = entryFor(keyring, service, request.account ?? '');
  if (op === 'get') return { id, ok: true, value: await entry.getPassword() };
  if (op === 'set') {
    await entry.setPassword(request.value ?? '');
    return { id, ok: true };
  }
  return { id, ok: true, deleted: await entry.deleteCredential() };
}

function main(): void {
  let keyring: KeyringModule | undefined;
  let loadError: string | undefined;
  try {
    keyring = createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;
  } catch (err) {
    loadError = `cannot load @napi-rs/keyring: ${err instanceof Error ? err.message : String(err)}`;
  }
  // Requests run one at a time, in order.
  let queue: Promise<void> = Promise.resolve();
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    queue = queue.then(async () => {
      let request: WorkerRequest;
      try {
        request = JSON.parse(line) as WorkerRequest;
      } catch {
        return;
      }
      if (!keyring) return send({ id: request.id, ok: false, message: loadError ?? 'no keyring' });
      try {
        send(await handle(keyring, request));
      } catch (err) {
        // Start afresh next time: the session may be what failed.
        entries.clear();
        send({ id: request.id, ok: false, message: err instanceof Error ? err.message : String(err) });
      }
    });
  });
  // The parent is gone: end now, even if a native call is still waiting (exit would wait).
  lines.on('close', () => process.kill(process.pid, 'SIGKILL'));
}

main();
