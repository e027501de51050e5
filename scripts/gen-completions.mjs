#!/usr/bin/env node
// Generates the bash, zsh and fish completion scripts of eun from the oclif manifest, so
// that every command, flag and fixed flag value appears without being listed by hand.
//
//   node scripts/gen-completions.mjs [--out DIR] [--manifest FILE] [--check]
//
// Reads oclif.manifest.json (run `tsc -p tsconfig.build.json && oclif manifest` first) and
// the manifests of the plugins named in package.json. Writes completions/eun.bash,
// completions/_eun and completions/eun.fish (or into DIR). With --check it writes nothing
// and exits 1 when a committed script differs from what it would generate.
//
// Dynamic values (profile names, service-account refs) are read at keypress time by a tiny
// `node -e` program embedded in each script: local files only, never the network.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/** How the value of a flag or argument is completed. */
const KIND = {
  none: 'none',
  options: 'options',
  profiles: 'profiles',
  refs: 'refs',
  clientIds: 'client-ids',
  dirs: 'dirs',
  files: 'files',
};

/** Which flags take dynamic values, by flag name (the same meaning in every command). */
function flagKind(flag) {
  if (flag.options?.length) return KIND.options;
  if (flag.name === 'profile') return KIND.profiles;
  if (flag.name === 'client-id') return KIND.clientIds;
  if (/(^|-)dir$/.test(flag.name)) return KIND.dirs;
  if (/(^|-)file$/.test(flag.name)) return KIND.files;
  return KIND.none;
}

/** Which positional arguments take dynamic values, by argument name and command. */
function argKind(commandId, arg) {
  if (arg.options?.length) return KIND.options;
  if (arg.name === 'ref') return KIND.refs;
  // Profile commands name an existing profile, except `profile add` which makes a new one.
  if (commandId.startsWith('profile ') && commandId !== 'profile add' && arg.name === 'name') return KIND.profiles;
  return KIND.none;
}

/** Code-unit order: the same on every machine, unlike localeCompare, so output never churns. */
const byText = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** The first line of a text, for one-line descriptions. */
function oneLine(text) {
  return String(text ?? '')
    .replaceAll('<%= config.bin %>', 'eun')
    .split('\n')[0]
    .trim();
}

/** Loads the command tree: commands (with flags and args) and topics, from manifests. */
export function loadModel(root = ROOT, manifestFile = join(root, 'oclif.manifest.json')) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const bin = pkg.oclif?.bin ?? pkg.name;
  const manifests = [JSON.parse(readFileSync(manifestFile, 'utf8'))];
  for (const plugin of pkg.oclif?.plugins ?? []) {
    const file = join(root, 'node_modules', plugin, 'oclif.manifest.json');
    if (existsSync(file)) manifests.push(JSON.parse(readFileSync(file, 'utf8')));
  }
  const commands = new Map();
  /** Alias ids are known (so that a line using one still completes) but never offered. */
  const aliases = new Map();
  for (const manifest of manifests) {
    for (const raw of Object.values(manifest.commands ?? {})) {
      if (raw.hidden) continue;
      const id = raw.id.replaceAll(':', ' ');
      const flags = Object.values(raw.flags ?? {})
        .filter((f) => !f.hidden)
        .map((f) => ({
          name: f.name,
          char: f.char,
          takesValue: f.type === 'option',
          multiple: Boolean(f.multiple),
          allowNo: Boolean(f.allowNo),
          options: f.options ?? [],
          description: oneLine(f.summary ?? f.description),
          kind: f.type === 'option' ? flagKind(f) : KIND.none,
        }))
        .sort((a, b) => byText(a.name, b.name));
      flags.push({ name: 'help', takesValue: false, multiple: false, allowNo: false, options: [], description: 'Show help.', kind: KIND.none });
      const args = Object.values(raw.args ?? {}).map((a) => ({
        name: a.name,
        options: a.options ?? [],
        description: oneLine(a.description),
        kind: argKind(id, a),
      }));
      const command = {
        id,
        summary: oneLine(raw.summary ?? raw.description),
        flags,
        args,
        // Non-strict commands (token exec) take a command line of their own after `--`.
        passThrough: raw.strict === false && id !== 'help',
      };
      commands.set(id, command);
      for (const alias of raw.aliases ?? []) aliases.set(alias.replaceAll(':', ' '), command);
    }
  }
  const topics = new Map([['', '']]);
  // A topic is offered only once a command lives under it.
  const ids = [...commands.keys()];
  for (const [name, topic] of Object.entries(pkg.oclif?.topics ?? {})) {
    const id = name.replaceAll(':', ' ');
    if (ids.some((c) => c.startsWith(`${id} `))) topics.set(id, oneLine(topic.description));
  }
  for (const id of commands.keys()) {
    const words = id.split(' ');
    for (let i = 1; i < words.length; i++) {
      const topic = words.slice(0, i).join(' ');
      if (!topics.has(topic)) topics.set(topic, '');
    }
  }
  const children = new Map([...topics.keys()].map((t) => [t, []]));
  const parentOf = (id) => (id.includes(' ') ? id.slice(0, id.lastIndexOf(' ')) : '');
  const lastWord = (id) => id.slice(id.lastIndexOf(' ') + 1);
  for (const [id, description] of topics) {
    if (id !== '') children.get(parentOf(id)).push({ word: lastWord(id), description });
  }
  for (const [id, command] of commands) {
    const siblings = children.get(parentOf(id));
    if (!siblings.some((c) => c.word === lastWord(id))) siblings.push({ word: lastWord(id), description: command.summary });
  }
  for (const list of children.values()) list.sort((a, b) => byText(a.word, b.word));
  for (const [alias, command] of aliases) if (!commands.has(alias)) commands.set(alias, { ...command, id: alias, alias: true });
  const sortedCommands = [...commands.values()].sort((a, b) => byText(a.id, b.id));
  return { bin, commands: sortedCommands, topics, children };
}

// The program that prints dynamic values, one "value<TAB>description" per line. It runs
// under whatever `node` is on PATH (possibly old), so it is plain ES5 with no dependency, and
// it holds no single quote or backslash so it can sit inside single quotes in every shell.
//   argv: KIND [PROFILE]; KIND is profiles | refs | client-ids.
// Profiles: the config file's profiles plus the built-in `default`. Refs and client ids: the
// completion cache `$EUN_CACHE_DIR/completion/accounts-<profile>.json` written by
// `eun sa list`, ignored when older than a day.
const VALUES_JS = [
  'var fs=require("fs"),P=require("path"),os=require("os"),e=process.env,T=String.fromCharCode(9);',
  'var kind=process.argv[1],given=process.argv[2];',
  'function home(){return os.homedir()}',
  'function read(f){try{return JSON.parse(fs.readFileSync(f,"utf8"))}catch(x){return null}}',
  'var cfgDir=e.EUN_CONFIG_DIR||P.join(e.XDG_CONFIG_HOME||P.join(home(),".config"),"eun");',
  'var cfg=read(P.join(cfgDir,"config.json"))||{};',
  'var profiles=cfg.profiles&&typeof cfg.profiles==="object"?cfg.profiles:{};',
  'if(kind==="profiles"){var names=Object.keys(profiles);if(names.indexOf("default")<0)names.push("default");',
  'names.sort().forEach(function(n){var p=profiles[n]||{};console.log(n+T+(n===cfg.activeProfile?"active, ":"")+(p.flavor?p.flavor+" "+p.issuer:"built-in"))})}',
  'else{var prof=given||e.EUN_PROFILE||cfg.activeProfile||"default";',
  'if(/^[A-Za-z0-9._-]{1,64}$/.test(prof)){',
  'var cacheDir=e.EUN_CACHE_DIR||P.join(e.XDG_CACHE_HOME||P.join(home(),".cache"),"eun");',
  'var c=read(P.join(cacheDir,"completion","accounts-"+prof+".json"));',
  'var at=c&&Date.parse(c.writtenAt);',
  'if(c&&Array.isArray(c.accounts)&&at>Date.now()-864e5&&at<Date.now()+6e4){var seen={};',
  'c.accounts.forEach(function(a){if(a&&a.name)seen[a.name]=(seen[a.name]||0)+1});',
  'c.accounts.forEach(function(a){if(!a||typeof a.clientId!=="string")return;',
  'if(kind==="client-ids"){console.log(a.clientId+T+(a.name||""));return}',
  'if(a.name&&seen[a.name]===1)console.log(a.name+T+(a.id||a.clientId));',
  'if(typeof a.id==="string")console.log(a.id+T+(a.name||""))})}}}',
].join('');

if (/['\\]/.test(VALUES_JS)) throw new Error('VALUES_JS must hold no single quote or backslash');

const HEADER = (comment) =>
  `${comment} Shell completion for eun. Generated by scripts/gen-completions.mjs from the command\n` +
  `${comment} manifest: do not edit by hand. Print it with \`eun completion <shell>\`.\n`;

/** Quotes a string for a shell case pattern or word list inside double quotes. */
const dq = (s) => `"${s.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
/** Quotes a string in single quotes (bash, zsh). */
const sq = (s) => `'${s.replaceAll("'", `'\\''`)}'`;

function flagWords(flag) {
  const words = [`--${flag.name}`];
  if (flag.allowNo) words.push(`--no-${flag.name}`);
  if (flag.char) words.push(`-${flag.char}`);
  return words;
}

// ---------------------------------------------------------------- bash

function bash(model) {
  const { bin, commands, topics, children } = model;
  const lines = [HEADER('#')];
  lines.push(`# Works with or without the bash-completion package (bash 3.2 and newer).`);
  lines.push(``);
  lines.push(`_${bin}_values() {`);
  lines.push(`  command -v node >/dev/null 2>&1 || return 0`);
  lines.push(`  node -e ${sq(VALUES_JS)} "$@" 2>/dev/null | cut -f1`);
  lines.push(`}`);
  lines.push(``);
  // Node kind: topic or command.
  lines.push(`# Sets _${bin}_kind to topic, command or nothing for a command id.`);
  lines.push(`_${bin}_node() {`);
  lines.push(`  case "$1" in`);
  lines.push(`    ${[...topics.keys()].filter((t) => !commands.some((c) => c.id === t)).map(dq).join('|')}) _${bin}_kind=topic ;;`);
  lines.push(`    ${commands.map((c) => dq(c.id)).join('|')}) _${bin}_kind=command ;;`);
  lines.push(`    *) _${bin}_kind= ;;`);
  lines.push(`  esac`);
  lines.push(`}`);
  lines.push(``);
  lines.push(`# Sets _${bin}_words to the words that may follow a topic.`);
  lines.push(`_${bin}_children() {`);
  lines.push(`  case "$1" in`);
  for (const [topic, list] of children) {
    if (list.length) lines.push(`    ${dq(topic)}) _${bin}_words=${dq(list.map((c) => c.word).join(' '))} ;;`);
  }
  lines.push(`    *) _${bin}_words= ;;`);
  lines.push(`  esac`);
  lines.push(`}`);
  lines.push(``);
  lines.push(`# Sets _${bin}_words to a command's flags and _${bin}_valued to those taking a value.`);
  lines.push(`_${bin}_flags() {`);
  lines.push(`  case "$1" in`);
  for (const c of commands) {
    const all = c.flags.flatMap(flagWords);
    const valued = c.flags.filter((f) => f.takesValue).flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]);
    lines.push(`    ${dq(c.id)}) _${bin}_words=${dq(all.join(' '))}; _${bin}_valued=${dq(` ${valued.join(' ')} `)} ;;`);
  }
  lines.push(`    *) _${bin}_words=; _${bin}_valued= ;;`);
  lines.push(`  esac`);
  lines.push(`}`);
  lines.push(``);
  const valueCase = (kind, options) => {
    switch (kind) {
      case KIND.options:
        return `_${bin}_words=${dq(options.join(' '))}`;
      case KIND.profiles:
        return `_${bin}_words=$(_${bin}_values profiles); _${bin}_mode=lines`;
      case KIND.refs:
        return `_${bin}_words=$(_${bin}_values refs "$_${bin}_profile"); _${bin}_mode=lines`;
      case KIND.clientIds:
        return `_${bin}_words=$(_${bin}_values client-ids "$_${bin}_profile"); _${bin}_mode=lines`;
      case KIND.dirs:
        return `_${bin}_mode=dirs`;
      case KIND.files:
        return `_${bin}_mode=files`;
      default:
        return `:`;
    }
  };
  lines.push(`# Sets _${bin}_words (or _${bin}_mode) to the values of flag $2 of command $1.`);
  lines.push(`_${bin}_flag_values() {`);
  lines.push(`  _${bin}_words=; _${bin}_mode=`);
  lines.push(`  case "$1|$2" in`);
  for (const c of commands) {
    for (const f of c.flags) {
      if (!f.takesValue || f.kind === KIND.none) continue;
      const pats = [`${c.id}|--${f.name}`, ...(f.char ? [`${c.id}|-${f.char}`] : [])];
      lines.push(`    ${pats.map(dq).join('|')}) ${valueCase(f.kind, f.options)} ;;`);
    }
  }
  lines.push(`  esac`);
  lines.push(`}`);
  lines.push(``);
  lines.push(`# Sets _${bin}_words (or _${bin}_mode) to the values of positional argument $2 (from 1) of command $1.`);
  lines.push(`_${bin}_arg_values() {`);
  lines.push(`  _${bin}_words=; _${bin}_mode=`);
  lines.push(`  case "$1|$2" in`);
  for (const c of commands) {
    c.args.forEach((a, i) => {
      if (a.kind !== KIND.none) lines.push(`    ${dq(`${c.id}|${i + 1}`)}) ${valueCase(a.kind, a.options)} ;;`);
    });
  }
  lines.push(`  esac`);
  lines.push(`}`);
  lines.push(``);
  lines.push(String.raw`_${bin}() {
  local cur=${'$'}{COMP_WORDS[COMP_CWORD]} prev= i w id= kind=topic nargs=0 dashdash= help=
  local _${bin}_kind _${bin}_words _${bin}_valued _${bin}_mode _${bin}_profile=
  COMPREPLY=()
  # COMP_WORDBREAKS splits --flag=value into --flag, =, value.
  if [[ $cur == "=" ]]; then cur=; prev=${'$'}{COMP_WORDS[COMP_CWORD-1]}
  elif (( COMP_CWORD > 1 )) && [[ ${'$'}{COMP_WORDS[COMP_CWORD-1]} == "=" ]]; then prev=${'$'}{COMP_WORDS[COMP_CWORD-2]}
  elif (( COMP_CWORD > 0 )); then prev=${'$'}{COMP_WORDS[COMP_CWORD-1]}
  fi
  # Walk the words before the cursor: topics and the command, then its flags and arguments.
  i=1
  # ${bin} help TOPIC COMMAND: complete the command path only.
  if [[ ${'$'}{COMP_WORDS[1]} == help ]] && (( COMP_CWORD > 1 )); then
    help=1; i=2
  fi
  while (( i < COMP_CWORD )); do
    w=${'$'}{COMP_WORDS[i]}
    if [[ $w == "--" && $kind == command ]]; then dashdash=$i; break; fi
    if [[ $w == -* ]]; then
      [[ $kind == command ]] && _${bin}_flags "$id"
      if [[ $w == --profile ]] && (( i + 1 < COMP_CWORD )); then
        _${bin}_profile=${'$'}{COMP_WORDS[i+1]}
        [[ $_${bin}_profile == "=" ]] && _${bin}_profile=${'$'}{COMP_WORDS[i+2]}
      fi
      if [[ ${'$'}{COMP_WORDS[i+1]} == "=" ]]; then i=$((i + 3)); continue; fi
      if [[ $kind == command && $_${bin}_valued == *" $w "* ]]; then i=$((i + 2)); continue; fi
      i=$((i + 1)); continue
    fi
    if [[ $kind == topic ]]; then
      _${bin}_node "${'$'}{id:+$id }$w"
      if [[ -n $_${bin}_kind ]]; then id=${'$'}{id:+$id }$w; kind=$_${bin}_kind; i=$((i + 1)); continue; fi
      return 0
    fi
    nargs=$((nargs + 1)); i=$((i + 1))
  done
  [[ -z $_${bin}_profile ]] || [[ $_${bin}_profile =~ ^[A-Za-z0-9._-]+$ ]] || _${bin}_profile=
  if [[ -n $dashdash ]]; then
    if (( COMP_CWORD == dashdash + 1 )); then
      COMPREPLY=($(compgen -c -- "$cur"))
    elif declare -F _command_offset >/dev/null 2>&1; then
      _command_offset $((dashdash + 1))
    else
      COMPREPLY=($(compgen -f -- "$cur"))
    fi
    return 0
  fi
  if [[ $kind == topic ]]; then
    if [[ $cur == -* ]]; then
      [[ -n $help ]] && return 0
      _${bin}_words=--help
      [[ -z $id ]] && _${bin}_words+=" --version"
    else
      _${bin}_children "$id"
    fi
    COMPREPLY=($(compgen -W "$_${bin}_words" -- "$cur"))
    return 0
  fi
  [[ -n $help ]] && return 0
  _${bin}_flags "$id"
  if [[ $prev == -* && $_${bin}_valued == *" $prev "* ]]; then
    _${bin}_flag_values "$id" "$prev"
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$_${bin}_words" -- "$cur"))
    return 0
  else
    _${bin}_arg_values "$id" $((nargs + 1))
    # Nothing to offer for this argument: offer the flags.
    [[ -z $_${bin}_words && -z $_${bin}_mode ]] && _${bin}_flags "$id"
  fi
  case $_${bin}_mode in
    dirs) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
    files) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
    lines) local IFS=$'\n'; COMPREPLY=($(compgen -W "$_${bin}_words" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -W "$_${bin}_words" -- "$cur")) ;;
  esac
  return 0
}

complete -F _${bin} ${bin}
`);
  return lines.join('\n');
}

// ---------------------------------------------------------------- zsh

/** Escapes a description for an _arguments `[...]` spec or a _describe `word:desc` entry. */
const zdesc = (s) => s.replace(/[\\\]\[:]/g, (c) => `\\${c}`);

function zshAction(kind, options, bin) {
  switch (kind) {
    case KIND.options:
      return `(${options.map((o) => o.replace(/[\\ ()]/g, (c) => `\\${c}`)).join(' ')})`;
    case KIND.profiles:
      return `_${bin}_profiles`;
    case KIND.refs:
      return `_${bin}_refs`;
    case KIND.clientIds:
      return `_${bin}_client_ids`;
    case KIND.dirs:
      return '_directories';
    case KIND.files:
      return '_files';
    default:
      return ' ';
  }
}

function zshFlagSpecs(command, bin) {
  const specs = [];
  for (const f of command.flags) {
    const desc = `[${zdesc(f.description)}]`;
    const value = f.takesValue ? `:${f.name}:${zshAction(f.kind, f.options, bin)}` : '';
    const names = f.takesValue ? [`--${f.name}=`, ...(f.char ? [`-${f.char}+`] : [])] : [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])];
    const exclusive = [`--${f.name}`, ...(f.char ? [`-${f.char}`] : []), ...(f.allowNo ? [`--no-${f.name}`] : [])];
    const prefix = f.multiple ? '*' : `(${exclusive.join(' ')})`;
    for (const name of names) specs.push(sq(`${prefix}${name}${desc}${value}`));
    if (f.allowNo) specs.push(sq(`(${exclusive.join(' ')})--no-${f.name}${desc}`));
  }
  command.args.forEach((a, i) => {
    specs.push(sq(`${i + 1}:${a.name}${a.description ? ` (${a.description.replaceAll(':', '\\:')})` : ''}:${zshAction(a.kind, a.options, bin)}`));
  });
  if (command.passThrough) specs.push(sq(`*::command:_normal`));
  return specs;
}

function zsh(model) {
  const { bin, commands, topics, children } = model;
  const out = [`#compdef ${bin}`, HEADER('#')];
  out.push(`_${bin}_values() {`);
  out.push(`  (( $+commands[node] )) || return 0`);
  out.push(`  node -e ${sq(VALUES_JS)} "$@" 2>/dev/null`);
  out.push(`}`);
  out.push(``);
  out.push(`# Offers "value<TAB>description" lines from _${bin}_values.`);
  out.push(`_${bin}_describe_values() {`);
  out.push(`  local tag=$1 label=$2 line; shift 2`);
  out.push(`  local -a vals`);
  out.push(`  for line in "\${(@f)$(_${bin}_values "$@")}"; do`);
  out.push(`    [[ -n $line ]] && vals+=("\${\${line%%$'\\t'*}//:/\\\\:}:\${line#*$'\\t'}")`);
  out.push(`  done`);
  out.push(`  _describe -t $tag $label vals`);
  out.push(`}`);
  out.push(`_${bin}_profiles() { _${bin}_describe_values profiles profile profiles }`);
  out.push(`_${bin}_refs() { _${bin}_describe_values accounts 'service account' refs "\${opt_args[--profile]}" }`);
  out.push(`_${bin}_client_ids() { _${bin}_describe_values accounts 'client id' client-ids "\${opt_args[--profile]}" }`);
  out.push(``);
  out.push(`# Prints topic or command for a command id.`);
  out.push(`_${bin}_node() {`);
  out.push(`  case $1 in`);
  out.push(`    (${[...topics.keys()].filter((t) => !commands.some((c) => c.id === t)).map(dq).join('|')}) print topic ;;`);
  out.push(`    (${commands.map((c) => dq(c.id)).join('|')}) print command ;;`);
  out.push(`  esac`);
  out.push(`}`);
  out.push(``);
  out.push(`# Offers the topics and commands below a topic.`);
  out.push(`_${bin}_children() {`);
  out.push(`  local -a vals`);
  out.push(`  case $1 in`);
  for (const [topic, list] of children) {
    if (!list.length) continue;
    out.push(`    (${dq(topic)}) vals=(`);
    for (const c of list) out.push(`      ${sq(`${c.word.replaceAll(':', '\\:')}:${c.description}`)}`);
    out.push(`    ) ;;`);
  }
  out.push(`  esac`);
  out.push(`  _describe -t commands ${sq(`${bin} command`)} vals`);
  out.push(`}`);
  out.push(``);
  out.push(`# Words before the cursor that are values of a flag of this command (so not arguments).`);
  out.push(`_${bin}_valued() {`);
  out.push(`  case $1 in`);
  for (const c of commands) {
    const valued = c.flags.filter((f) => f.takesValue).flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]);
    out.push(`    (${dq(c.id)}) print -- ${dq(` ${valued.join(' ')} `)} ;;`);
  }
  out.push(`  esac`);
  out.push(`}`);
  out.push(``);
  out.push(`# Completes the options and arguments of a command.`);
  out.push(`_${bin}_command() {`);
  out.push(`  case $1 in`);
  for (const c of commands) {
    out.push(`    (${dq(c.id)})`);
    out.push(`      _arguments -S : \\`);
    const specs = zshFlagSpecs(c, bin);
    specs.forEach((s, i) => out.push(`        ${s}${i < specs.length - 1 ? ' \\' : ''}`));
    out.push(`      ;;`);
  }
  out.push(`  esac`);
  out.push(`}`);
  out.push(``);
  out.push(String.raw`_${bin}() {
  local id= kind=topic w valued
  integer i=2 help=0
  # ${bin} help TOPIC COMMAND: complete the command path only.
  if [[ ${'$'}{words[2]} == help ]] && (( CURRENT > 2 )); then
    help=1; i=3
  fi
  # Walk the topic words before the cursor to the command.
  while (( i < CURRENT )); do
    w=${'$'}{words[i]}
    if [[ $w == -* ]]; then
      valued=$(_${bin}_valued "$id")
      [[ $w != *=* && $valued == *" $w "* ]] && (( i++ ))
      (( i++ )); continue
    fi
    kind=$(_${bin}_node "${'$'}{id:+$id }$w")
    [[ -n $kind ]] || return 1
    id=${'$'}{id:+$id }$w
    (( i++ ))
    [[ $kind == command ]] && break
  done
  if [[ $kind == topic ]]; then
    if [[ $PREFIX == -* ]]; then
      (( help )) && return 1
      local -a opts=('--help:Show help.')
      [[ -z $id ]] && opts+=('--version:Show the version.')
      _describe -t options 'option' opts
    else
      _${bin}_children "$id"
    fi
    return
  fi
  (( help )) && return 1
  # Hand the words after the command id to _arguments as if the command were one word.
  words=("${bin} $id" "${'$'}{(@)words[i,-1]}")
  (( CURRENT -= i - 2 ))
  _${bin}_command "$id"
}

if [[ ${'$'}{zsh_eval_context[-1]} == loadautofunc ]]; then
  _${bin} "$@"
else
  compdef _${bin} ${bin}
fi
`);
  return out.join('\n');
}

// ---------------------------------------------------------------- fish

/** Quotes a string for fish single quotes (where \\ and \' are escapes). */
const fq = (s) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

function fish(model) {
  const { bin, commands, topics, children } = model;
  const out = [HEADER('#')];
  out.push(`function __${bin}_values`);
  out.push(`    command -q node; or return 0`);
  out.push(`    node -e ${fq(VALUES_JS)} $argv 2>/dev/null`);
  out.push(`end`);
  out.push(``);
  out.push(`# Prints topic or command for a command id.`);
  out.push(`function __${bin}_node`);
  out.push(`    switch $argv[1]`);
  out.push(`        case ${[...topics.keys()].filter((t) => !commands.some((c) => c.id === t)).map(fq).join(' ')}`);
  out.push(`            echo topic`);
  out.push(`        case ${commands.map((c) => fq(c.id)).join(' ')}`);
  out.push(`            echo command`);
  out.push(`    end`);
  out.push(`end`);
  out.push(``);
  out.push(`# Prints the flags of a command that take a value (so the next word is not an argument).`);
  out.push(`function __${bin}_valued`);
  out.push(`    switch $argv[1]`);
  for (const c of commands) {
    const valued = c.flags.filter((f) => f.takesValue).flatMap((f) => [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])]);
    if (valued.length) {
      out.push(`        case ${fq(c.id)}`);
      out.push(`            printf '%s\\n' ${valued.join(' ')}`);
    }
  }
  out.push(`    end`);
  out.push(`end`);
  out.push(``);
  out.push(`# Parses the command line before the cursor: prints the command id (or topic), its`);
  out.push(`# kind, the number of positional arguments so far, the --profile given, and whether -- was seen.`);
  out.push(`function __${bin}_state`);
  out.push(`    set -l tokens (commandline -opc)
    # Every rule's condition asks; parse each command line once.
    set -l key (string join \\x1f -- $tokens)
    if set -q __${bin}_state_value[1]; and test "$key" = "$__${bin}_state_key"
        printf '%s\\n' $__${bin}_state_value
        return
    end
    set -e tokens[1]
    set -l id ''
    set -l kind topic
    # \`${bin} help TOPIC COMMAND\`: the command path only (kind "help" offers nothing).
    set -l help 0
    if test "$tokens[1]" = help
        set help 1
        set -e tokens[1]
    end
    set -l nargs 0
    set -l profile ''
    set -l skip 0
    set -l valued
    set -l dashdash 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            test "$profile" = next; and set profile $t
            continue
        end
        if test "$kind" = command; and test "$t" = --
            set dashdash 1
            break
        end
        if string match -q -- '-*' $t
            if test "$kind" = command; and contains -- $t $valued
                set skip 1
                test "$t" = --profile; and set profile next
            end
            string match -q -- '--profile=*' $t; and set profile (string replace -- '--profile=' '' $t)
            continue
        end
        if test "$kind" = topic
            set -l next (string trim -- "$id $t")
            set -l k (__${bin}_node "$next")
            if test -z "$k"
                set kind unknown
                break
            end
            set id $next
            set kind $k
            test $help = 1; and test "$kind" = command; and set kind help
            test "$kind" = command; and set valued (__${bin}_valued "$id")
            continue
        end
        set nargs (math $nargs + 1)
    end
    test "$profile" = next; and set profile ''
    set -g __${bin}_state_key $key
    set -g __${bin}_state_value "$id" $kind $nargs "$profile" $dashdash
    printf '%s\\n' $__${bin}_state_value
end

# True when the line is at topic $argv[1] (a subcommand is expected there).
function __${bin}_at_topic
    set -l s (__${bin}_state)
    test "$s[2]" = topic; and test "$s[1]" = "$argv[1]"
end

# True when the line is in command $argv[1] (before any --); with $argv[2], when the next
# positional argument is number $argv[2].
function __${bin}_in
    set -l s (__${bin}_state)
    test "$s[2]" = command; and test "$s[1]" = "$argv[1]"; and test "$s[5]" = 0; or return 1
    test (count $argv) -lt 2; or test (math $s[3] + 1) = $argv[2]
end

# Prints "value<TAB>description" lines of a kind, for the --profile given on the line.
function __${bin}_dynamic
    set -l s (__${bin}_state)
    __${bin}_values $argv[1] "$s[4]"
end

complete -c ${bin} -f`);
  out.push(``);
  for (const [topic, list] of children) {
    const cond = fq(`__${bin}_at_topic ${fq(topic)}`);
    for (const c of list) out.push(`complete -c ${bin} -n ${cond} -a ${fq(c.word)} -d ${fq(c.description)}`);
    if (list.length) out.push(`complete -c ${bin} -n ${cond} -l help -d 'Show help.'`);
    if (topic === '') out.push(`complete -c ${bin} -n ${cond} -l version -d 'Show the version.'`);
  }
  out.push(``);
  const fishValues = (kind, options) => {
    switch (kind) {
      case KIND.options:
        return `-x -a ${fq(options.join(' '))}`;
      case KIND.profiles:
        return `-x -a '(__${bin}_dynamic profiles)'`;
      case KIND.refs:
        return `-x -a '(__${bin}_dynamic refs)'`;
      case KIND.clientIds:
        return `-x -a '(__${bin}_dynamic client-ids)'`;
      case KIND.dirs:
        return `-x -a '(__fish_complete_directories (commandline -ct))'`;
      case KIND.files:
        return `-r -F`;
      default:
        return '-x';
    }
  };
  for (const c of commands) {
    const cond = fq(`__${bin}_in ${fq(c.id)}`);
    for (const f of c.flags) {
      const names = `-l ${f.name}${f.char ? ` -s ${f.char}` : ''}`;
      const value = f.takesValue ? ` ${fishValues(f.kind, f.options)}` : '';
      out.push(`complete -c ${bin} -n ${cond} ${names}${value} -d ${fq(f.description)}`);
      if (f.allowNo) out.push(`complete -c ${bin} -n ${cond} -l no-${f.name} -d ${fq(f.description)}`);
    }
    c.args.forEach((a, i) => {
      if (a.kind === KIND.none) return;
      const argCond = fq(`__${bin}_in ${fq(c.id)} ${i + 1}`);
      out.push(`complete -c ${bin} -n ${argCond} ${fishValues(a.kind, a.options).replace(/^-[xr] /, '')} -d ${fq(a.description || a.name)}`);
    });
    // After `--` fish consults no completion rule of the command (it offers files), so a
    // pass-through command's own command line gets no rule here.
  }
  out.push(``);
  return out.join('\n');
}

/** The three scripts, by file name. */
export function generate(model) {
  return { [`${model.bin}.bash`]: bash(model), [`_${model.bin}`]: zsh(model), [`${model.bin}.fish`]: fish(model) };
}

function main(argv) {
  const outIndex = argv.indexOf('--out');
  const outDir = outIndex >= 0 ? resolve(argv[outIndex + 1]) : join(ROOT, 'completions');
  const manifestIndex = argv.indexOf('--manifest');
  const check = argv.includes('--check');
  const files = generate(loadModel(ROOT, manifestIndex >= 0 ? resolve(argv[manifestIndex + 1]) : undefined));
  let stale = [];
  if (!check) mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    const file = join(outDir, name);
    if (check) {
      if (!existsSync(file) || readFileSync(file, 'utf8') !== text) stale.push(file);
    } else {
      writeFileSync(file, text);
    }
  }
  if (stale.length) {
    process.stderr.write(`stale completion scripts (run npm run build): ${stale.join(', ')}\n`);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
