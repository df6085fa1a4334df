/**
 * PubGrub (conflict-driven version solving, as in Dart's pub and uv): decide
 * one version at a time, derive what the decisions force, and on a conflict
 * learn a new incompatibility from its causes and jump back to the decision
 * that made it. Finds a solution whenever one exists; when none does, the
 * learnt incompatibilities form the derivation that explain.ts puts in words.
 *
 * Every package here has a finite, known list of versions (its "universe",
 * loaded before any term names it), so a term is a plain bit set: bit i is
 * universe[i], and one bit past the end stands for "not selected". A positive
 * term ("P is selected, at one of these versions") lacks that bit; a negative
 * one ("P is not selected at these versions") has it. Intersection, negation
 * and "does this satisfy that" are then &, complement and subset.
 */

export interface Term {
  pkg: string;
  set: bigint;
}

export type Cause =
  /** The root must be selected. */
  | { kind: 'root' }
  /** pkg at version needs dep within `range` (the dep's term may be dropped when no version matches at all). */
  | { kind: 'dependency'; pkg: string; version: string; dep: string; range: string; unmatched?: string }
  /** No usable version of pkg in the term's set; `reason` says why (none match, yanked, too new). */
  | { kind: 'unavailable'; pkg: string; reason: string }
  | { kind: 'derived'; left: Incompatibility; right: Incompatibility };

/** Terms that cannot all hold at once. */
export interface Incompatibility {
  terms: Term[];
  cause: Cause;
}

export interface Dependency {
  /** The solver package it needs (already known to `universe`). */
  pkg: string;
  /** The versions that satisfy it, as bits of that package's universe. */
  versions: bigint;
  /** How the requirement was written, for explanations. */
  range: string;
  /** The package's name as the user knows it, for explanations. */
  label: string;
  /** When `versions` is empty: why, in words ("no version of a/b matches ^2 (available: 1.0.0)"). */
  unmatched?: string;
}

export interface SolverProvider {
  readonly root: string;
  /** Versions of a package the solver has been told about (via root or a dependency), oldest first. */
  universe(pkg: string): readonly string[];
  /** Version indexes allowed by `set`, in the order to try them (best first); a usable version only. */
  candidates(pkg: string, set: bigint): number[];
  /** Why no version in `set` can be used. */
  unavailable(pkg: string, set: bigint): string;
  /** Loads what is needed and answers what pkg at universe[index] depends on. */
  dependencies(pkg: string, index: number): Promise<Dependency[]>;
}

export class NoSolution extends Error {
  constructor(readonly incompatibility: Incompatibility) {
    super('no solution');
  }
}

export class TooMuchWork extends Error {}

interface Assignment {
  pkg: string;
  set: bigint;
  level: number;
  /** null for a decision. */
  cause: Incompatibility | null;
}

const bit = (i: number) => 1n << BigInt(i);

/** Returns the chosen version index of every selected package but the root. */
export async function solve(provider: SolverProvider, maxSteps: number): Promise<Map<string, number>> {
  const byPackage = new Map<string, Incompatibility[]>();
  const assignments: Assignment[] = [];
  const decisions = new Map<string, number>();
  let accumulated = new Map<string, bigint>();
  let steps = 0;

  // A package's universe never changes once known, so its two masks are made once.
  const masks = new Map<string, { none: bigint; full: bigint }>();
  const maskOf = (pkg: string) => {
    let m = masks.get(pkg);
    if (m === undefined) {
      const size = provider.universe(pkg).length;
      m = { none: bit(size), full: bit(size + 1) - 1n };
      masks.set(pkg, m);
    }
    return m;
  };
  const none = (pkg: string) => maskOf(pkg).none;
  const full = (pkg: string) => maskOf(pkg).full;
  const acc = (pkg: string) => accumulated.get(pkg) ?? full(pkg);
  const level = () => decisions.size;

  function addIncompatibility(inc: Incompatibility): void {
    for (const t of inc.terms) (byPackage.get(t.pkg) ?? byPackage.set(t.pkg, []).get(t.pkg)!).push(inc);
  }

  // Packages that must be selected and are not decided yet: what the next decision chooses from. Kept
  // alongside `accumulated`, since scanning all of it before each decision made n packages cost n².
  let pending = new Set<string>();
  const notePending = (pkg: string) => {
    if (!decisions.has(pkg) && (acc(pkg) & none(pkg)) === 0n) pending.add(pkg);
    else pending.delete(pkg);
  };

  function assign(pkg: string, set: bigint, cause: Incompatibility | null, version?: number): void {
    if (cause === null) decisions.set(pkg, version!);
    assignments.push({ pkg, set, level: level(), cause });
    accumulated.set(pkg, acc(pkg) & set);
    notePending(pkg);
  }

  function backtrack(to: number): void {
    while (assignments.length > 0 && assignments.at(-1)!.level > to) {
      const a = assignments.pop()!;
      if (a.cause === null) decisions.delete(a.pkg);
    }
    accumulated = new Map();
    for (const a of assignments) accumulated.set(a.pkg, acc(a.pkg) & a.set);
    pending = new Set();
    for (const pkg of accumulated.keys()) notePending(pkg);
  }

  /** 'satisfied', 'contradicted', or the one term left undecided (all others satisfied), or null. */
  function relation(inc: Incompatibility): 'satisfied' | 'contradicted' | Term | null {
    let undecided: Term | null = null;
    for (const t of inc.terms) {
      const a = acc(t.pkg);
      if ((a & ~t.set) === 0n) continue;
      if ((a & t.set) === 0n) return 'contradicted';
      if (undecided !== null) return null;
      undecided = t;
    }
    return undecided ?? 'satisfied';
  }

  const isFailure = (inc: Incompatibility) =>
    inc.terms.length === 0 || (inc.terms.length === 1 && inc.terms[0]!.pkg === provider.root && (inc.terms[0]!.set & none(provider.root)) === 0n);

  function resolveConflict(conflict: Incompatibility): Incompatibility {
    let inc = conflict;
    for (;;) {
      if (isFailure(inc)) throw new NoSolution(inc);
      if (++steps > maxSteps) throw new TooMuchWork();
      // The earliest assignment by which the partial solution satisfies each term.
      const firstSatisfying = new Map<string, number>();
      const running = new Map<string, bigint>();
      for (let i = 0; i < assignments.length && firstSatisfying.size < inc.terms.length; i++) {
        const a = assignments[i]!;
        const term = inc.terms.find((t) => t.pkg === a.pkg);
        if (!term || firstSatisfying.has(a.pkg)) continue;
        const now = (running.get(a.pkg) ?? full(a.pkg)) & a.set;
        running.set(a.pkg, now);
        if ((now & ~term.set) === 0n) firstSatisfying.set(a.pkg, i);
      }
      let satisfierIndex = -1;
      for (const i of firstSatisfying.values()) satisfierIndex = Math.max(satisfierIndex, i);
      const satisfier = assignments[satisfierIndex]!;
      const term = inc.terms.find((t) => t.pkg === satisfier.pkg)!;
      // The previous satisfier: the latest of the other terms' satisfiers, and the earliest assignment
      // that, together with the satisfier, satisfies the satisfier's own term.
      let previousIndex = -1;
      for (const [pkg, i] of firstSatisfying) if (pkg !== satisfier.pkg) previousIndex = Math.max(previousIndex, i);
      let before = full(satisfier.pkg);
      if ((before & satisfier.set & ~term.set) !== 0n) {
        for (let i = 0; i < satisfierIndex; i++) {
          const a = assignments[i]!;
          if (a.pkg !== satisfier.pkg) continue;
          before &= a.set;
          if ((before & satisfier.set & ~term.set) === 0n) {
            previousIndex = Math.max(previousIndex, i);
            break;
          }
        }
      }
      const previousLevel = previousIndex >= 0 ? assignments[previousIndex]!.level : 1;
      if (satisfier.cause === null || previousLevel !== satisfier.level) {
        if (inc !== conflict) addIncompatibility(inc);
        backtrack(previousLevel);
        return inc;
      }
      // Resolution: the terms of both, the satisfier's package joined (union) from both sides.
      const cause = satisfier.cause;
      const terms = new Map<string, bigint>();
      for (const t of [...inc.terms, ...cause.terms]) {
        if (t.pkg !== satisfier.pkg) terms.set(t.pkg, (terms.get(t.pkg) ?? full(t.pkg)) & t.set);
      }
      const joined = term.set | cause.terms.find((t) => t.pkg === satisfier.pkg)!.set;
      if (joined !== full(satisfier.pkg)) terms.set(satisfier.pkg, joined);
      inc = { terms: [...terms].map(([pkg, set]) => ({ pkg, set })), cause: { kind: 'derived', left: inc, right: cause } };
    }
  }

  function propagate(start: string): void {
    const changed = new Set([start]);
    while (changed.size > 0) {
      const pkg = changed.values().next().value!;
      changed.delete(pkg);
      const list = byPackage.get(pkg) ?? [];
      for (let i = list.length - 1; i >= 0; i--) {
        const inc = list[i]!;
        const r = relation(inc);
        if (r === 'satisfied') {
          const learnt = resolveConflict(inc);
          const left = relation(learnt);
          if (left === null || typeof left === 'string') throw new Error('PubGrub: a learnt incompatibility is not almost satisfied after backjumping');
          assign(left.pkg, full(left.pkg) & ~left.set, learnt);
          changed.clear();
          changed.add(left.pkg);
          break;
        }
        if (r !== null && r !== 'contradicted') {
          assign(r.pkg, full(r.pkg) & ~r.set, inc);
          changed.add(r.pkg);
        }
      }
    }
  }

  // Each pending package's candidates, kept while its set is unchanged: the choice below looks at every
  // pending package before each decision, and asking the provider each time made a graph of n packages cost n².
  const candidateCache = new Map<string, { set: bigint; list: number[] }>();
  function candidatesOf(pkg: string, set: bigint): number[] {
    const cached = candidateCache.get(pkg);
    if (cached?.set === set) return cached.list;
    const list = provider.candidates(pkg, set);
    candidateCache.set(pkg, { set, list });
    return list;
  }

  addIncompatibility({ terms: [{ pkg: provider.root, set: none(provider.root) }], cause: { kind: 'root' } });
  let next = provider.root;
  for (;;) {
    propagate(next);
    if (++steps > maxSteps) throw new TooMuchWork();
    // Next: a package that must be selected and is not decided yet, the one with the fewest candidates.
    let best: { pkg: string; candidates: number[] } | null = null;
    for (const pkg of pending) {
      const set = acc(pkg);
      const candidates = candidatesOf(pkg, set);
      if (best === null || candidates.length < best.candidates.length || (candidates.length === best.candidates.length && pkg < best.pkg)) {
        best = { pkg, candidates };
      }
    }
    if (best === null) break;
    const { pkg, candidates } = best;
    next = pkg;
    const set = acc(pkg) & ~none(pkg);
    if (candidates.length === 0) {
      addIncompatibility({ terms: [{ pkg, set }], cause: { kind: 'unavailable', pkg, reason: provider.unavailable(pkg, set) } });
      continue;
    }
    const version = candidates[0]!;
    const self = bit(version);
    let conflict = false;
    for (const dep of await provider.dependencies(pkg, version)) {
      // A version needing its own package: it is satisfied by itself or it is never usable (one term per package).
      if (dep.pkg === pkg && (dep.versions & self) !== 0n) continue;
      const cause: Cause = { kind: 'dependency', pkg, version: provider.universe(pkg)[version]!, dep: dep.label, range: dep.range, ...(dep.unmatched ? { unmatched: dep.unmatched } : {}) };
      // With no matching version at all, "not dep in nothing" always holds: the term is left out and the cause says why.
      const terms = dep.versions === 0n || dep.pkg === pkg ? [{ pkg, set: self }] : [{ pkg, set: self }, { pkg: dep.pkg, set: full(dep.pkg) & ~dep.versions }];
      const inc = { terms, cause };
      addIncompatibility(inc);
      if (terms.slice(1).every((t) => (acc(t.pkg) & ~t.set) === 0n)) conflict = true;
    }
    if (!conflict) assign(pkg, self, null, version);
  }
  decisions.delete(provider.root);
  return decisions;
}
