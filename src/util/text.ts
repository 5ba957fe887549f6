/**
 * The few string matches the runtime's commands make, written as loops instead of regular
 * expressions (each function names the expression it replaces; test/unit/text.test.ts checks
 * them against it on generated strings).
 *
 * Why: the first regular expression a process runs brings JavaScriptCore's regexp engine (Yarr:
 * its parser, compiler and JIT) into memory. Measured on a Bun executable here, three small
 * expressions cost ~1.8 MB of peak RSS and every hezi command ran at least two (argument
 * parsing, the container id). The shim runs hezi several times per container, so the commands
 * it runs stay free of them: test/integration/standalone.test.ts checks that with
 * `BUN_JSC_dumpCompiledRegExpPatterns=1`. Code off those paths may use regular expressions.
 */

const isDigit = (c: number): boolean => c >= 48 && c <= 57; // 0-9
const isUpper = (c: number): boolean => c >= 65 && c <= 90; // A-Z
const isLower = (c: number): boolean => c >= 97 && c <= 122; // a-z

/** `/^\d+$/` */
export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** `/^-?\d+$/`, or `/^[+-]?\d+$/` with `plus` */
export function isInteger(s: string, plus = false): boolean {
  const c = s.charCodeAt(0);
  return isDigits(c === 45 || (plus && c === 43) ? s.slice(1) : s);
}

/** `/^[\w+\-.]+$/`: a container id as runc accepts it (letters, digits, `_`, `+`, `-`, `.`) */
export function isIdChars(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(isDigit(c) || isUpper(c) || isLower(c) || c === 95 || c === 43 || c === 45 || c === 46)) return false;
  }
  return true;
}

/** `s.replace(/^--?/, '')`: a flag without its one or two leading dashes */
export function stripDashes(s: string): string {
  if (s.charCodeAt(0) !== 45) return s;
  return s.slice(s.charCodeAt(1) === 45 ? 2 : 1);
}

/** `s.replace(/\/+$/, '')` */
export function trimTrailingSlashes(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** `s.replace(/\\([0-7]{3})/g, …)`: the kernel's octal escapes in mountinfo fields (`\040` for a space) */
export function unescapeOctal(s: string): string {
  let i = s.indexOf('\\');
  if (i < 0) return s;
  let out = '';
  let from = 0;
  while (i >= 0 && i + 3 < s.length) {
    const a = s.charCodeAt(i + 1) - 48;
    const b = s.charCodeAt(i + 2) - 48;
    const c = s.charCodeAt(i + 3) - 48;
    if (a >= 0 && a <= 7 && b >= 0 && b <= 7 && c >= 0 && c <= 7) {
      out += s.slice(from, i) + String.fromCharCode(a * 64 + b * 8 + c);
      from = i + 4;
      i = s.indexOf('\\', from);
    } else i = s.indexOf('\\', i + 1);
  }
  return from === 0 ? s : out + s.slice(from);
}

/** JavaScript's `\s`: \t \n \v \f \r, the space, and Unicode's spaces */
const isSpace = (c: number): boolean =>
  c === 32 || (c >= 9 && c <= 13) || (c >= 0xa0 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff));

/**
 * `s.trim().split(/\s+/)` without the empty strings (`.filter(Boolean)`): the whitespace-separated
 * fields of a line of a kernel file.
 */
export function fields(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    const space = i === s.length || isSpace(s.charCodeAt(i));
    if (space) {
      if (start >= 0) out.push(s.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  return out;
}

/** JavaScript's line terminators: none of them matches `.`; `^` and `$` match beside them with the m flag */
const isLineEnd = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/**
 * `/^\d+:([^:]*):(.*)$/` on a line of /proc/<pid>/cgroup: `[controllers, path]`, or undefined for a
 * line of another shape (an empty last line).
 */
export function cgroupLine(line: string): [string, string] | undefined {
  const a = line.indexOf(':');
  if (a <= 0 || !isDigits(line.slice(0, a))) return undefined;
  const b = line.indexOf(':', a + 1);
  if (b < 0) return undefined;
  const path = line.slice(b + 1);
  for (let i = 0; i < path.length; i++) if (isLineEnd(path.charCodeAt(i))) return undefined; // (.*)
  return [line.slice(a + 1, b), path];
}

/** `new RegExp(`^${line}$`, 'm').test(text)` for a literal `line`: whether a line of text is `line` */
export function hasLine(text: string, line: string): boolean {
  for (let i = text.indexOf(line); i >= 0; i = text.indexOf(line, i + 1)) {
    const end = i + line.length;
    if ((i === 0 || isLineEnd(text.charCodeAt(i - 1))) && (end === text.length || isLineEnd(text.charCodeAt(end)))) return true;
  }
  return false;
}
