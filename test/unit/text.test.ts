/**
 * The string matches written as loops (src/util/text.ts, spec/patterns.ts, spec/errors.ts's
 * isIdentifier, src/linux/signals.ts) against the regular expressions they replace, on strings
 * made of the characters those expressions care about.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as C from '../../spec/constants';
import { isIdentifier } from '../../spec/errors';
import { PATTERN_CHECKS } from '../../spec/patterns';
import { parseSignal } from '../../src/linux/signals';
import { cgroupLine, fields, hasLine, isDigits, isIdChars, isInteger, stripDashes, trimTrailingSlashes, unescapeOctal } from '../../src/util/text';

/** strings over `alphabet`, plus a few characters that are in no class of interest */
const over = (alphabet: string, maxLength = 12) =>
  fc.array(fc.constantFrom(...alphabet.split(''), 'é', '\n', '\u2028', '\u00a0', '\t'), { maxLength }).map((a) => a.join(''));
const RUNS = { numRuns: 3000 };

describe('the string matches, as their regular expressions', () => {
  it('isDigits, isIdChars, isIdentifier', () => {
    fc.assert(fc.property(over('0123456789aZ_'), (s) => isDigits(s) === /^\d+$/.test(s)), RUNS);
    fc.assert(fc.property(over('aZ09_+-.$/ :'), (s) => isIdChars(s) === /^[\w+\-.]+$/.test(s)), RUNS);
    fc.assert(fc.property(over('aZ09_$-.'), (s) => isIdentifier(s) === /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)), RUNS);
    for (const s of ['', '.', '..', 'a.b', 'c1', 'x+y-z_0'])
      expect(isIdChars(s)).toBe(/^[\w+\-.]+$/.test(s));
  });

  it('isInteger, hasLine', () => {
    fc.assert(fc.property(over('0129-+a'), (s) => isInteger(s) === /^-?\d+$/.test(s) && isInteger(s, true) === /^[+-]?\d+$/.test(s)), RUNS);
    fc.assert(fc.property(over('frozen 01\r', 20), (s) => hasLine(s, 'frozen 1') === /^frozen 1$/m.test(s) && hasLine(s, 'frozen 0') === /^frozen 0$/m.test(s)), RUNS);
    expect(hasLine('populated 1\nfrozen 1\n', 'frozen 1')).toBe(true);
    expect(hasLine('populated 1\nfrozen 0\n', 'frozen 1')).toBe(false);
    expect(hasLine('xfrozen 1\nfrozen 10', 'frozen 1')).toBe(false);
  });

  it('stripDashes, trimTrailingSlashes', () => {
    fc.assert(fc.property(over('-a=b'), (s) => stripDashes(s) === s.replace(/^--?/, '')), RUNS);
    fc.assert(fc.property(over('/a.'), (s) => trimTrailingSlashes(s) === s.replace(/\/+$/, '')), RUNS);
  });

  it('unescapeOctal', () => {
    const ref = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    fc.assert(fc.property(over('\\01478a', 16), (s) => unescapeOctal(s) === ref(s)), RUNS);
    expect(unescapeOctal('/mnt/a\\040b\\134c')).toBe('/mnt/a b\\c');
    expect(unescapeOctal('\\\\101')).toBe(ref('\\\\101'));
  });

  it('fields', () => {
    const ref = (s: string) => s.trim().split(/\s+/).filter(Boolean);
    fc.assert(fc.property(over(' \r\u000b\u000c\u3000\ufeffab', 16), (s) => { expect(fields(s)).toEqual(ref(s)); }), RUNS);
    expect(fields('cpu io  memory\n')).toEqual(['cpu', 'io', 'memory']);
  });

  it('cgroupLine', () => {
    const ref = (l: string) => {
      const m = /^\d+:([^:]*):(.*)$/.exec(l);
      return m ? [m[1], m[2]] : undefined;
    };
    fc.assert(fc.property(over('0123:a/,=\r', 14), (s) => { expect(cgroupLine(s)).toEqual(ref(s)); }), RUNS);
    expect(cgroupLine('4:cpu,cpuacct:/user.slice')).toEqual(['cpu,cpuacct', '/user.slice']);
    expect(cgroupLine('0::/')).toEqual(['', '/']);
  });

  it("the spec's patterns (spec/patterns.ts)", () => {
    const patterns = [C.CAPABILITY_NAME_PATTERN, C.RLIMIT_TYPE_PATTERN, C.HUGEPAGE_SIZE_PATTERN, C.CPU_LIST_PATTERN, C.MEM_BW_SCHEMA_PATTERN];
    // every pattern of constants.ts has its code, and no entry is left without its pattern
    expect(Object.keys(PATTERN_CHECKS).sort()).toEqual(patterns.map((p) => p.source).sort());
    const alphabet: Record<string, string> = {
      '^CAP_[A-Z_]+$': 'CAP_SYZa0',
      '^RLIMIT_[A-Z]+$': 'RLIMT_NOFa',
      '^[1-9][0-9]*[KMG]B$': '0129KMGBb',
      '^[0-9, -]*$': '09, -a',
      '^MB:[^\\n]*$': 'MB:0;=',
    };
    for (const re of patterns) {
      expect(re.flags).toBe('');
      const check = PATTERN_CHECKS[re.source]!;
      fc.assert(fc.property(over(alphabet[re.source]!), (s) => check(s) === re.test(s)), RUNS);
    }
    expect(PATTERN_CHECKS['^RLIMIT_[A-Z]+$']!('RLIMIT_NOFILE')).toBe(true);
    expect(PATTERN_CHECKS['^[1-9][0-9]*[KMG]B$']!('2MB')).toBe(true);
  });

  it('parseSignal reads the real-time forms as runc does', () => {
    const names = fc.array(fc.constantFrom('SIG', 'RT', 'MIN', 'MAX', '+', '-', '1', '3', '30', 'x', 'KILL'), { maxLength: 5 }).map((a) => a.join(''));
    const ref = (raw: string): number | undefined => {
      let name = raw.trim().toUpperCase();
      if (!name.startsWith('SIG')) name = 'SIG' + name;
      const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
      if (!rt) return undefined;
      const n = (rt[1] === 'MIN' ? 34 : 64) + (rt[3] ? Number(rt[3]) * (rt[2] === '-' ? -1 : 1) : 0);
      return n >= 34 && n <= 64 ? n : undefined;
    };
    // no standard signal's name holds "RT": for those names the real-time rule decides alone
    fc.assert(fc.property(names.filter((s) => s.includes('RT')), (s) => parseSignal(s) === ref(s)), RUNS);
    expect(parseSignal('RTMIN+3')).toBe(37);
    expect(parseSignal('SIGRTMAX-1')).toBe(63);
    expect(parseSignal('rtmin')).toBe(34);
    expect(parseSignal('SIGRTMIN+31')).toBeUndefined();
    expect(parseSignal('SIGRTMINX')).toBeUndefined();
  });
});
