import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Args } from '@oclif/core';
import { EunCommand } from '../cli/base-command.js';
import { LocalStateError } from '../core/errors.js';

/** The shells eun ships completion scripts for, and each script's file in completions/. */
const SCRIPTS = { bash: 'eun.bash', zsh: '_eun', fish: 'eun.fish' } as const;
type Shell = keyof typeof SCRIPTS;

/** What `eun completion --json` returns. */
export interface CompletionResult {
  shell: Shell;
  script: string;
}

export default class Completion extends EunCommand {
  static override summary = 'Print the shell completion script for bash, zsh or fish.';
  static override description = `Prints the script that makes Tab complete eun's commands, flags, flag values, profile names (from the config file) and service-account names (from the list that eun sa list last saw; never a network call). It is the same file as in the package's completions/ directory. Install it once as in the examples, open a new shell, and re-run it after upgrading eun.

zsh: also put fpath=(~/.zfunc $fpath) in ~/.zshrc before the line that runs compinit (if none does, add autoload -Uz compinit && compinit after it).`;
  static override examples = [
    {
      description: 'bash with the bash-completion package (it loads the script on first use):',
      command:
        'mkdir -p ~/.local/share/bash-completion/completions && <%= config.bin %> completion bash > ~/.local/share/bash-completion/completions/eun',
    },
    { description: 'bash without bash-completion: add this line to ~/.bashrc:', command: 'source <(<%= config.bin %> completion bash)' },
    { description: 'zsh (then the fpath line above in ~/.zshrc):', command: 'mkdir -p ~/.zfunc && <%= config.bin %> completion zsh > ~/.zfunc/_eun' },
    {
      description: 'fish:',
      command: 'mkdir -p ~/.config/fish/completions && <%= config.bin %> completion fish > ~/.config/fish/completions/eun.fish',
    },
  ];
  static override args = {
    shell: Args.string({ description: 'Shell to print the script for.', options: Object.keys(SCRIPTS), required: true }),
  };

  async run(): Promise<CompletionResult> {
    const { args } = await this.parse(Completion);
    const shell = args.shell as Shell;
    const file = join(this.config.root, 'completions', SCRIPTS[shell]);
    let script: string;
    try {
      script = await readFile(file, 'utf8');
    } catch (err) {
      throw new LocalStateError(`cannot read the ${shell} completion script ${file}`, {
        hint: 'reinstall eun (or run npm run build in a checkout)',
        cause: err,
      });
    }
    if (!this.jsonEnabled()) process.stdout.write(script);
    return { shell, script };
  }
}
