import { CliExit } from '../context.js';
import { COMMANDS, optionsOf } from './index.js';
import type { CommandSpec, Run } from './types.js';

/**
 * Completion scripts generated from the command metadata (COMMANDS: names,
 * subcommands, options), never from command code, so a command added there
 * completes without touching this file. Each script works out the command path
 * typed so far ("flock org store"), skipping options and their values, and
 * offers that path's subcommands and options.
 */

interface Node {
  /** "flock", "flock token", "flock org store". */
  path: string;
  /** Subcommand names, then option flags. */
  words: Array<{ word: string; summary: string; takesValue: boolean }>;
}

function collect(specs: CommandSpec[], path: string, networked: boolean, into: Node[]): void {
  for (const spec of specs) {
    const here = `${path} ${spec.name}`;
    const inherited = networked || spec.networked === true;
    const options = optionsOf(spec, networked).map((o) => ({ word: o.flags.split(/[ ,]/)[0]!, summary: o.description, takesValue: /[<[]/.test(o.flags) }));
    const subs = (spec.subcommands ?? []).map((s) => ({ word: s.name, summary: s.summary, takesValue: false }));
    into.push({ path: here, words: [...subs, ...options, { word: '--help', summary: 'show help', takesValue: false }] });
    collect(spec.subcommands ?? [], here, inherited, into);
  }
}

function tree(): Node[] {
  const top: Node = {
    path: 'flock',
    words: [
      ...COMMANDS.map((c) => ({ word: c.name, summary: c.summary, takesValue: false })),
      { word: '--help', summary: 'show help', takesValue: false },
      { word: '--version', summary: 'show the version', takesValue: false },
    ],
  };
  const nodes = [top];
  collect(COMMANDS, 'flock', false, nodes);
  return nodes;
}

/** Options that take a value anywhere: the word after one is its value, not a command. */
function valued(nodes: Node[]): string[] {
  return [...new Set(nodes.flatMap((n) => n.words.filter((w) => w.takesValue).map((w) => w.word)))].sort();
}

// Names and flags are plain words ([a-z-]); quoting still keeps a stray character from breaking the script.
const sh = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function bash(nodes: Node[]): string {
  const cases = nodes.map((n) => `    ${sh(n.path)}) words=${sh(n.words.map((w) => w.word).join(' '))} ;;`).join('\n');
  return `# flock completions for bash: source <(flock completions bash)
_flock() {
  COMPREPLY=()
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path=flock words="" w i
  case " ${valued(nodes).join(' ')} " in *" $prev "*) return 0 ;; esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case " ${valued(nodes).join(' ')} " in *" $w "*) ((i++)); continue ;; esac
    case "$w" in -*) continue ;; esac
    case "$path $w" in
${nodes.map((n) => `      ${sh(n.path)}) path="$path $w" ;;`).join('\n')}
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _flock flock
`;
}

function zsh(nodes: Node[]): string {
  const table = nodes.map((n) => `  ${sh(n.path)} ${sh(n.words.map((w) => w.word).join(' '))}`).join('\n');
  return `#compdef flock
# flock completions for zsh: source <(flock completions zsh) after compinit
typeset -gA _flock_words
_flock_words=(
${table}
)
_flock() {
  local cmdpath=flock w i
  local -a valued=(${valued(nodes).join(' ')})
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    if (( \${valued[(Ie)$w]} )); then (( i++ )); continue; fi
    [[ $w == -* ]] && continue
    (( \${+_flock_words[$cmdpath $w]} )) && cmdpath="$cmdpath $w"
  done
  (( \${valued[(Ie)\${words[CURRENT-1]}]} )) && return 0
  compadd -- \${=_flock_words[$cmdpath]}
}
(( $+functions[compdef] )) && compdef _flock flock
`;
}

function fish(nodes: Node[]): string {
  const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const lines: string[] = [];
  for (const n of nodes) {
    for (const w of n.words) {
      const what = w.word.startsWith('--') ? `-l ${w.word.slice(2)}${w.takesValue ? ' -r' : ''}` : `-a ${quote(w.word)}`;
      lines.push(`complete -c flock -n ${quote(`test (__flock_path) = ${quote(n.path)}`)} ${what} -d ${quote(w.summary)}`);
    }
  }
  return `# flock completions for fish: flock completions fish | source
function __flock_path
    set -l words (commandline -opc)
    set -e words[1]
    set -l path flock
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        if contains -- $w ${valued(nodes).join(' ')}
            set skip 1
            continue
        end
        string match -q -- '-*' $w; and continue
        contains -- "$path $w" ${nodes.map((n) => quote(n.path)).join(' ')}; and set path "$path $w"
    end
    echo $path
end
complete -c flock -f
${lines.join('\n')}
`;
}

const SHELLS: Record<string, (nodes: Node[]) => string> = { bash, zsh, fish };

export const completions: Run = async ([shell], _options, ctx) => {
  const generate = SHELLS[shell!];
  if (generate === undefined) throw new CliExit(`Unknown shell "${shell}": use ${Object.keys(SHELLS).join(', ')}`);
  // The script ends with a newline of its own; out() adds one.
  ctx.out(generate(tree()).trimEnd());
  return 0;
};
