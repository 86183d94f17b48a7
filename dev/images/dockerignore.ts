// Pure: .dockerignore rules with the semantics of Docker's (moby's)
// patternmatcher, which buildah uses too: patterns are cleaned paths relative
// to the context; `*` and `?` stay within one path element, `**` spans any
// number; a pattern that matches a directory matches everything below it;
// the last matching rule decides, and `!` lets a path back in. The image
// cache fingerprints the build context through these rules, so a file the
// build never sees never forces a rebuild.

export interface IgnoreRule {
  pattern: string;
  exclusion: boolean;
  regex: RegExp;
}

function cleanPath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.length === 0 ? '.' : out.join('/');
}

/** Translates one cleaned pattern to an anchored regular expression (moby's `compile`). */
export function patternRegex(pattern: string): RegExp {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        source += i + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else {
        source += '[^/]*';
      }
    } else if (ch === '?') {
      source += '[^/]';
    } else if (ch === '\\') {
      const next = pattern[i + 1];
      if (next !== undefined) {
        source += `\\${next}`;
        i++;
      } else {
        source += '\\\\';
      }
    } else if ('.+()|{}$^'.includes(ch)) {
      source += `\\${ch}`;
    } else {
      source += ch;
    }
  }
  return new RegExp(`${source}$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    const pattern = cleanPath(line);
    rules.push({ pattern, exclusion, regex: patternRegex(pattern) });
  }
  return rules;
}

/** Whether a context-relative path is left out of the build context. */
export function isIgnored(rules: IgnoreRule[], path: string): boolean {
  const parts = cleanPath(path).split('/');
  let ignored = false;
  for (const rule of rules) {
    let match = false;
    for (let i = parts.length; i >= 1 && !match; i--) match = rule.regex.test(parts.slice(0, i).join('/'));
    if (match) ignored = !rule.exclusion;
  }
  return ignored;
}

/**
 * Whether a walk must look inside an ignored directory: only when some `!`
 * rule could let a path below it back in.
 */
export function mayReinclude(rules: IgnoreRule[], dir: string): boolean {
  const dirParts = cleanPath(dir).split('/');
  return rules.some((rule) => {
    if (!rule.exclusion) return false;
    const parts = rule.pattern.split('/');
    for (let i = 0; i < dirParts.length; i++) {
      const part = parts[i];
      if (part === undefined) return false;
      if (part.includes('**')) return true;
      if (!patternRegex(part).test(dirParts[i]!)) return false;
    }
    return parts.length > dirParts.length;
  });
}
