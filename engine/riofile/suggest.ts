/** "Did you mean" for unknown keys: the closest known key, if it is close enough to be a typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  // A third of the word (at least 1, at most 3 edits): catches typos and case slips, not unrelated words.
  const allowed = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of candidates) {
    // Words whose lengths differ by more than the allowed edits are never close: skipped without
    // the distance (quadratic in the lengths), so a 500 KB key costs nothing to suggest for.
    const other = candidate.toLowerCase();
    if (Math.abs(other.length - lower.length) > allowed) continue;
    const score = distance(lower, other);
    if (score < bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  return bestScore <= allowed ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
export function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
