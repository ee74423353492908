/**
 * The version name of a commit: `v` + its first five hex digits (`v9f3c1`), longer only when a
 * live version of another commit already has that name. Short because it is part of object names
 * and of a hostname label (`<app>-v9f3c1--<riaApp>--<env>`), which has 63 characters in all.
 */
export function versionName(commit: string, taken: ReadonlyArray<{ name: string; commit: string }> = []): string {
  for (let length = 5; length < commit.length; length++) {
    const name = `v${commit.slice(0, length)}`;
    if (!taken.some((v) => v.name === name && v.commit !== commit)) return name;
  }
  return `v${commit}`;
}
