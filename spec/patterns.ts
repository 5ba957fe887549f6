/**
 * The spec's string patterns (constants.ts) as code, for matchingIssue (checks.ts): a config
 * that names an rlimit would otherwise run a regular expression in every create, and the first
 * one a process runs brings JavaScriptCore's regexp engine into memory (~1 MB of peak RSS; see
 * src/util/text.ts). Keyed by the pattern's source; test/unit/text.test.ts checks each against
 * its expression. A pattern without an entry is matched by its expression.
 */

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isUpper = (c: number): boolean => c >= 65 && c <= 90;

/** every character of s from `from` passes `ok`, and there is at least one */
function allFrom(s: string, from: number, ok: (c: number) => boolean): boolean {
  if (s.length <= from) return false;
  for (let i = from; i < s.length; i++) if (!ok(s.charCodeAt(i))) return false;
  return true;
}

export const PATTERN_CHECKS: Readonly<Record<string, (s: string) => boolean>> = {
  '^CAP_[A-Z_]+$': (s) => s.startsWith('CAP_') && allFrom(s, 4, (c) => isUpper(c) || c === 95),
  '^RLIMIT_[A-Z]+$': (s) => s.startsWith('RLIMIT_') && allFrom(s, 7, isUpper),
  '^[1-9][0-9]*[KMG]B$': (s) => {
    const n = s.length;
    if (n < 3 || s.charCodeAt(n - 1) !== 66) return false; // B
    const unit = s.charCodeAt(n - 2);
    if (unit !== 75 && unit !== 77 && unit !== 71) return false; // K M G
    const first = s.charCodeAt(0);
    if (first < 49 || first > 57) return false; // 1-9
    for (let i = 1; i < n - 2; i++) if (!isDigit(s.charCodeAt(i))) return false;
    return true;
  },
  '^[0-9, -]*$': (s) => s.length === 0 || allFrom(s, 0, (c) => isDigit(c) || c === 44 || c === 32 || c === 45),
  // `$` without the m flag is the end of the string; [^\n] is any other character
  '^MB:[^\\n]*$': (s) => s.startsWith('MB:') && s.indexOf('\n', 3) < 0,
};
