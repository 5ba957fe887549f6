import * as nodePath from 'node:path';
import { describe, expect, it } from 'vitest';
import { basename, dirname, isAbsolute, join, normalize, relative, resolve } from '../../src/linux/path';

const samples = ['', '.', '..', '/', '//', '/a', 'a', 'a/', '/a/', '/a//b', 'a/./b', 'a/../b', '../a', '../../a/b', '/..', '/../a', 'a/b/../..', 'a/b/../../..', '/a/b/c/', 'a/..', './a', '/x/y/..', 'x/../', '../', 'a/b/..'];

describe('src/linux/path agrees with node:path.posix', () => {
  for (const s of samples) {
    it(`normalize/dirname/basename/isAbsolute ${JSON.stringify(s)}`, () => {
      expect(normalize(s)).toBe(nodePath.posix.normalize(s));
      expect(dirname(s)).toBe(nodePath.posix.dirname(s));
      expect(basename(s)).toBe(nodePath.posix.basename(s));
      expect(isAbsolute(s)).toBe(nodePath.posix.isAbsolute(s));
    });
  }
  it('join', () => {
    const cases: string[][] = [['/run/hezi', 'id'], ['/run/hezi/', '/id/'], ['a', '', 'b'], ['', ''], ['/a', '..', 'b'], ['a', '../..', 'c'], ['/', 'exec.fifo'], ['.', 'x']];
    for (const c of cases) expect(join(...c)).toBe(nodePath.posix.join(...c));
  });
  it('relative', () => {
    const cases: Array<[string, string]> = [['/a/b', '/a/b'], ['/', '/a'], ['/a', '/'], ['/a/b/c', '/a/d'], ['/sys/fs/cgroup', '/sys/fs/cgroup/x/y'], ['a', 'b'], ['/a/b', '/a/bc']];
    for (const [f, t] of cases) expect(relative(f, t)).toBe(nodePath.posix.relative(f, t));
  });
  it('resolve', () => {
    const cases: string[][] = [['x'], ['/a', 'b'], ['/a', '/b', 'c'], ['a/../..'], ['/'], ['/a/'], ['', 'a'], ['/a', '..', '..']];
    for (const c of cases) expect(resolve(...c)).toBe(nodePath.posix.resolve(...c));
  });
});
