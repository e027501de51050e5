import { confirm, input, password, select, checkbox } from '@inquirer/prompts';

/** Prompts draw on stderr so that stdout carries only results. */
const context = { output: process.stderr };

/** Asks for a line of text. */
export function promptText(message: string, options: { default?: string; validate?: (v: string) => true | string } = {}) {
  return input({ message, ...options }, context);
}

/** Asks for a secret without echoing it. */
export function promptSecret(message: string) {
  return password({ message, mask: '*' }, context);
}

/** Asks to pick one of `choices`. */
export function promptSelect<T extends string>(message: string, choices: readonly T[]) {
  return select<T>({ message, choices: choices.map((value) => ({ value, name: value })) }, context);
}

/** Asks to pick any of `choices`. */
export function promptCheckbox<T extends string>(message: string, choices: readonly T[], checked: readonly T[] = []) {
  return checkbox<T>(
    { message, choices: choices.map((value) => ({ value, name: value, checked: checked.includes(value) })) },
    context,
  );
}

/** Asks yes or no (default no). */
export function promptConfirm(message: string, defaultValue = false) {
  return confirm({ message, default: defaultValue }, context);
}
