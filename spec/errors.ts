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

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['linux', 'namespaces', 2, 'type']` -> `linux.namespaces[2].type`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
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

function issueMessage(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.received === 'undefined') return 'is required';
      // z.enum reports its expected type as the union of its literals: `'a' | 'b'`.
      const expected = issue.expected.startsWith("'") ? 'a string' : (EXPECTED[issue.expected] ?? issue.expected);
      return `expected ${expected}, got ${RECEIVED[issue.received] ?? issue.received}`;
    }
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
  const where = formatPath(issue.path);
  const what = issueMessage(issue);
  return where === '' ? what : `${where}: ${what}`;
}

/** All error lines for a failed parse, in document (schema) order. */
export function formatIssues(error: ZodError): string[] {
  return error.issues.map(formatIssue);
}
