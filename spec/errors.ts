/**
 * Turning zod issues into hezi's error lines: `<json path>: <short lowercase message>`, e.g.
 *
 *   linux.namespaces[2].type: unknown namespace "pidd"
 *   process.user.uid: expected a number, got string
 *   process.user.uid: expected uint32 (0 to 4294967295), got -1
 *   process.cwd: is required
 *   annotations["com.example.key"]: expected a string, got number
 *
 * Path segments are joined with `.`, array indices are written `[n]`, and object keys that are
 * not plain identifiers (sysctl names, annotation keys, `io.max`...) are written `["key"]`.
 * An error about the document itself (not an object, ...) has no path and no `: ` prefix.
 *
 * This module only imports zod's types, so it costs nothing at run time.
 */
import type { ZodError, ZodIssue } from 'zod';

/**
 * `/^[A-Za-z_$][A-Za-z0-9_$]*$/`, as a loop: the parsers run it for every key of a record in a
 * config (annotations, sysctls), and a regular expression's first run costs a command ~1 MB of
 * peak RSS (src/util/text.ts).
 */
export function isIdentifier(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36; // A-Z a-z _ $
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

/** `path` with one more segment: `.name`, `[n]`, or `["key"]` for keys that are not identifiers. */
export function appendPath(path: string, seg: string | number): string {
  if (typeof seg === 'number') return `${path}[${seg}]`;
  if (isIdentifier(seg)) return path === '' ? seg : `${path}.${seg}`;
  return `${path}[${JSON.stringify(seg)}]`;
}

/** `['linux', 'namespaces', 2, 'type']` -> `linux.namespaces[2].type`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) out = appendPath(out, seg);
  return out;
}

/** The line for a problem at a path: `<path>: <message>`, or the message alone at the top. */
export function issueLine(where: string, what: string): string {
  return where === '' ? what : `${where}: ${what}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  null: 'null',
};

const RECEIVED: Record<string, string> = {
  nan: 'NaN',
  float: 'a non-integer number',
};

/** zod's invalid_type issue in words: `is required`, or `expected <type>, got <type>`. */
export function invalidTypeMessage(expected: string, received: string): string {
  if (received === 'undefined') return 'is required';
  // z.enum reports its expected type as the union of its literals: `'a' | 'b'`.
  const e = expected.startsWith("'") ? 'a string' : (EXPECTED[expected] ?? expected);
  return `expected ${e}, got ${RECEIVED[received] ?? received}`;
}

function issueMessage(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return invalidTypeMessage(issue.expected, issue.received);
    case 'invalid_enum_value':
    case 'custom':
    case 'too_small':
    case 'too_big':
      // The schemas in this directory give these their final wording.
      return issue.message;
    default:
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

/** One error line for one zod issue. */
export function formatIssue(issue: ZodIssue): string {
  return issueLine(formatPath(issue.path), issueMessage(issue));
}

/** All error lines for a failed parse, in document (schema) order. */
export function formatIssues(error: ZodError): string[] {
  return error.issues.map(formatIssue);
}
