/**
 * Branch patterns of apps/<name>.yaml (`branches: [main, release/*, feature/**]`): `*` matches
 * any run of characters within one path segment (no `/`), `**` any run at all, everything else
 * is literal. Branch names come from app repositories, which are hostile: a RegExp built from
 * the pattern backtracks (`*-*-*-*-*-*-*-*-x` against a 60-character name took 23 s in V8's
 * engine), so patterns are matched by simulating their automaton instead: one pass over the
 * branch name, a set of pattern positions carried along, O(branch length × pattern length) in
 * the worst case and no backtracking. (picomatch and minimatch compile to RegExp as well; V8's
 * linear engine is behind a flag; the automaton is 40 lines.)
 */

type Token = { kind: 'char'; char: string } | { kind: 'star' } | { kind: 'globstar' };

export interface BranchGlob {
  readonly pattern: string;
  readonly tokens: readonly Token[];
}

export function compileBranchGlob(pattern: string): BranchGlob {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '*') {
      tokens.push({ kind: 'char', char: pattern[i]! });
      continue;
    }
    // `**` first, then a lone `*`: `***` is `**` followed by `*`, as the RegExp version read it.
    if (pattern[i + 1] === '*') {
      tokens.push({ kind: 'globstar' });
      i++;
    } else tokens.push({ kind: 'star' });
  }
  return { pattern, tokens };
}

/**
 * Whether `text` matches the whole pattern. `active[i]` says "the first i tokens can match what
 * was read so far"; a star stays active on any character it accepts, and is skipped (an
 * epsilon step) by marking the position after it. `work` counts token visits, so tests can
 * check the bound without timing anything.
 */
export function matchBranchGlob(glob: BranchGlob, text: string, work?: { steps: number }): boolean {
  const { tokens } = glob;
  const n = tokens.length;
  let active = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  active[0] = 1;
  closeOverStars(tokens, active);
  for (let c = 0; c < text.length; c++) {
    const ch = text[c]!;
    next.fill(0);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!active[i]) continue;
      const t = tokens[i]!;
      if (t.kind === 'char') {
        if (t.char === ch) { next[i + 1] = 1; any = true; }
      } else if (t.kind === 'globstar' || ch !== '/') {
        next[i] = 1;
        any = true;
      }
    }
    if (work) work.steps += n;
    if (!any) return false;
    closeOverStars(tokens, next);
    [active, next] = [next, active];
  }
  return active[n] === 1;
}

/** Stars may match nothing: wherever a star is active, the position after it is too (left to right, so runs of stars chain). */
function closeOverStars(tokens: readonly Token[], set: Uint8Array): void {
  for (let i = 0; i < tokens.length; i++) {
    if (set[i] && tokens[i]!.kind !== 'char') set[i + 1] = 1;
  }
}
