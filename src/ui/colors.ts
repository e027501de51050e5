import { Chalk } from 'chalk';

/**
 * Colour functions for output to a stream: none when it is not a terminal or NO_COLOR is set;
 * FORCE_COLOR turns colour on anywhere (chalk reads it).
 */
export function colors(isTTY: boolean, env: Readonly<Record<string, string | undefined>> = process.env) {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  const level = noColor ? 0 : force || isTTY ? 1 : 0;
  const chalk = new Chalk({ level: level as 0 | 1 });
  return {
    bold: (s: string) => chalk.bold(s),
    dim: (s: string) => chalk.dim(s),
    green: (s: string) => chalk.green(s),
    red: (s: string) => chalk.red(s),
    yellow: (s: string) => chalk.yellow(s),
    cyan: (s: string) => chalk.cyan(s),
  };
}
