/**
 * A conservative reading of a `.dockerignore`: which files a build context leaves out. It follows
 * Docker's matcher for the patterns it understands (`*`, `?`, `**`, a leading `/`, a pattern that
 * names a directory leaves out everything under it) and gives up, keeping every file, on anything
 * else (`!` exceptions, character classes, escapes): keeping too much costs only a cache miss,
 * leaving out a file the Dockerfile copies would break the build. The Dockerfile and the
 * .dockerignore itself are always kept, as Docker sends them regardless.
 */
export type ContextFilter = (path: string) => boolean;

const ALWAYS = new Set(['Dockerfile', '.dockerignore']);

function patternRegex(pattern: string): RegExp | undefined {
  if (/[[\]\\]/.test(pattern)) return undefined;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') { re += '(?:.*/)?'; i += 2; } else { re += '.*'; i += 1; }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The filter a .dockerignore's text makes (true: the file is in the context), or undefined to keep everything. */
export function dockerignoreFilter(text: string): ContextFilter | undefined {
  const patterns: RegExp[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('!')) return undefined;
    const cleaned = line.replace(/^\/+/, '').replace(/\/+$/, '').replace(/^\.\//, '');
    if (!cleaned || cleaned === '.') return undefined;
    const re = patternRegex(cleaned);
    if (!re) return undefined;
    patterns.push(re);
  }
  return (path) => {
    if (ALWAYS.has(path)) return true;
    const parts = path.split('/');
    for (let n = 1; n <= parts.length; n++) {
      const prefix = parts.slice(0, n).join('/');
      if (patterns.some((re) => re.test(prefix))) return false;
    }
    return true;
  };
}
