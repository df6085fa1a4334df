import type { Incompatibility, Term } from './pubgrub.js';

/**
 * Puts PubGrub's derivation of "no solution" into sentences, as pub does:
 * walk the tree of incompatibilities from the root cause, one sentence per
 * derived step ("Because A and B, C."), chaining steps with "And because";
 * a step that is used twice gets a number, "(1)", to be referred back to.
 */
export interface Describer {
  readonly root: string;
  /** Who asks, before the range: "your flock.toml asks for", "your-name/banner 0.1.0 needs". */
  depender(pkg: string, version: string): string;
  /** "your-name/palette ^0.2" for a positive term's versions (null: the package is not selected at all). */
  versions(term: Term): string;
  /** Whether the term says the package is selected (rather than "not at these versions"). */
  positive(term: Term): boolean;
  /** The opposite term's versions, for "needs P S" from a negative term. */
  negated(term: Term): string;
}

export function explain(failure: Incompatibility, d: Describer): string {
  const lines: Array<{ text: string; number?: number }> = [];
  const numbers = new Map<Incompatibility, number>();
  const uses = new Map<Incompatibility, number>();
  const count = (inc: Incompatibility) => {
    uses.set(inc, (uses.get(inc) ?? 0) + 1);
    if (uses.get(inc) === 1 && inc.cause.kind === 'derived') {
      count(inc.cause.left);
      count(inc.cause.right);
    }
  };
  count(failure);

  const text = (inc: Incompatibility) => describe(inc, d);
  const ref = (inc: Incompatibility) => (numbers.has(inc) ? `${text(inc)} (${numbers.get(inc)})` : text(inc));
  const write = (inc: Incompatibility, sentence: string) => {
    lines.push({ text: sentence });
    if ((uses.get(inc) ?? 0) > 1) {
      numbers.set(inc, numbers.size + 1);
      lines.at(-1)!.number = numbers.get(inc);
    }
  };
  const derived = (inc: Incompatibility) => inc.cause.kind === 'derived';

  function visit(inc: Incompatibility): void {
    if (inc.cause.kind !== 'derived') return;
    const { left, right } = inc.cause;
    const conclusion = text(inc);
    if (derived(left) && derived(right)) {
      const [l, r] = [numbers.has(left), numbers.has(right)];
      if (l && r) write(inc, `Because ${ref(left)} and ${ref(right)}, ${conclusion}.`);
      else if (l || r) {
        const [numbered, other] = l ? [left, right] : [right, left];
        visit(other);
        write(inc, `And because ${ref(numbered)}, ${conclusion}.`);
      } else {
        visit(left);
        if (!numbers.has(left)) {
          numbers.set(left, numbers.size + 1);
          lines.at(-1)!.number = numbers.get(left);
        }
        visit(right);
        write(inc, `And because ${ref(left)}, ${conclusion}.`);
      }
    } else if (derived(left) || derived(right)) {
      const [inner, external] = derived(left) ? [left, right] : [right, left];
      if (numbers.has(inner)) write(inc, `Because ${text(external)} and ${ref(inner)}, ${conclusion}.`);
      else if (inner.cause.kind === 'derived' && uses.get(inner) === 1 && derived(inner.cause.left) !== derived(inner.cause.right)) {
        // Collapsible: say the inner step's external cause here instead of a sentence of its own.
        const [deeper, outer] = derived(inner.cause.left) ? [inner.cause.left, inner.cause.right] : [inner.cause.right, inner.cause.left];
        visit(deeper);
        write(inc, `And because ${text(outer)} and ${text(external)}, ${conclusion}.`);
      } else {
        visit(inner);
        write(inc, `And because ${text(external)}, ${conclusion}.`);
      }
    } else {
      write(inc, `Because ${text(left)} and ${text(right)}, ${conclusion}.`);
    }
  }

  if (failure.cause.kind === 'derived') visit(failure);
  else lines.push({ text: `${capitalise(text(failure))}.` });
  // The first sentence after "Cannot resolve" starts with "Because", not "And because".
  if (lines[0]) lines[0].text = lines[0].text.replace(/^And because/, 'Because');
  return ['Cannot resolve dependencies:', ...lines.map((l) => (l.number ? `${l.text} (${l.number})` : l.text))].join('\n');
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** One incompatibility in words. */
function describe(inc: Incompatibility, d: Describer): string {
  const cause = inc.cause;
  if (cause.kind === 'root') return 'your flock.toml must be satisfied';
  if (cause.kind === 'dependency') {
    const who = d.depender(cause.pkg, cause.version);
    // Without the dependency's term no version matched at all: the cause says so in the same sentence.
    return `${who} ${cause.dep} ${cause.range}${cause.unmatched ? ` (${cause.unmatched})` : ''}`;
  }
  if (cause.kind === 'unavailable') return cause.reason;
  const terms = inc.terms.filter((t) => !(t.pkg === d.root && d.positive(t)));
  const positives = terms.filter((t) => d.positive(t));
  const negatives = terms.filter((t) => !d.positive(t));
  if (terms.length === 0) return 'no choice of versions satisfies your flock.toml';
  if (positives.length === 0) return `your flock.toml needs ${negatives.map((t) => d.negated(t)).join(' or ')}`;
  if (positives.length === 1 && negatives.length === 0) {
    const v = d.versions(positives[0]!);
    return /^\S+ \d+\.\d+\.\d+\S*$/.test(v) ? `${v} cannot be used` : `no version of ${v} can be used`;
  }
  if (positives.length === 1) return `${d.versions(positives[0]!)} needs ${negatives.map((t) => d.negated(t)).join(' or ')}`;
  if (negatives.length === 0) return `${positives.map((t) => d.versions(t)).join(' and ')} cannot all be used together`;
  return `${positives.map((t) => d.versions(t)).join(' and ')} cannot be used unless ${negatives.map((t) => d.negated(t)).join(' or ')} is`;
}
