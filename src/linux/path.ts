/**
 * POSIX path joining for the hot commands. node:path would do, but under Bun it is a JavaScript
 * module compiled at first use (~0.3 ms of start-up); these few functions are all they need.
 * Semantics are node:path.posix's (test/unit/path.test.ts compares them).
 */
import { trimTrailingSlashes } from '../util/text';

/** Collapse "//", "." and ".." (".." above the root stays at the root; a relative path keeps its leading ".."); a trailing "/" stays. */
export function normalize(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
      continue;
    }
    out.push(part);
  }
  const body = out.join('/');
  const r = abs ? '/' + body : body === '' ? '.' : body;
  return p.endsWith('/') && r !== '/' ? r + '/' : r;
}

export function join(...parts: string[]): string {
  let joined = '';
  for (const x of parts) if (x !== '') joined = joined ? `${joined}/${x}` : x;
  return joined ? normalize(joined) : '.';
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

/** Absolute, normalized, against the cwd (no symlinks resolved). */
export function resolve(...parts: string[]): string {
  let acc = '';
  for (let i = parts.length - 1; i >= 0 && !acc.startsWith('/'); i--) if (parts[i]) acc = acc ? `${parts[i]}/${acc}` : parts[i]!;
  if (!acc.startsWith('/')) acc = `${process.cwd()}/${acc}`;
  const n = normalize(acc);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

export function dirname(p: string): string {
  const t = trimTrailingSlashes(p);
  if (t === '') return p.startsWith('/') ? '/' : '.';
  const i = t.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : t.slice(0, i);
}

export function basename(p: string): string {
  const t = trimTrailingSlashes(p);
  return t.slice(t.lastIndexOf('/') + 1);
}

/** The path from `from` to `to` (both resolved against the cwd first). */
export function relative(from: string, to: string): string {
  const a = resolve(from);
  const b = resolve(to);
  if (a === b) return '';
  const as = a === '/' ? [] : a.slice(1).split('/');
  const bs = b === '/' ? [] : b.slice(1).split('/');
  let i = 0;
  while (i < as.length && i < bs.length && as[i] === bs[i]) i++;
  const up: string[] = [];
  for (let k = i; k < as.length; k++) up.push('..');
  return [...up, ...bs.slice(i)].join('/');
}

/** node:path.posix's shape, for callers written against it */
export const posix = { normalize, join, isAbsolute, resolve, dirname, basename, relative };
