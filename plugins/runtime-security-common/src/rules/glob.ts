/**
 * Compiles a glob (`*` any run of characters, `?` one character, `[abc]`
 * a class; everything else literal) to an anchored RegExp. `*` also matches
 * `/`, so `*sh` matches `/bin/bash`.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end > i + 1) {
        let cls = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        i = end;
      } else re += '\\[';
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

/** True when the pattern has glob characters. */
export function isGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/** A compiled list of exact strings and globs. */
export interface StringMatcher {
  test(value: string | undefined): boolean;
}

/** Builds a matcher: exact values go to a Set, globs to RegExps. */
export function stringMatcher(patterns: readonly string[]): StringMatcher {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (isGlob(p)) globs.push(globToRegExp(p));
    else exact.add(p);
  }
  return {
    test(value) {
      if (value === undefined) return false;
      if (exact.has(value)) return true;
      for (const g of globs) if (g.test(value)) return true;
      return false;
    },
  };
}
