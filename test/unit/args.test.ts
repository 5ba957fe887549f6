import { describe, expect, it } from 'vitest';
import { arityError, parseArgs } from '../../src/cli/args';
import { GLOBAL_OPTIONS } from '../../src/cli/globals';
import { command as create } from '../../src/cli/create';
import { command as run } from '../../src/cli/run';

const createOpts = { ...GLOBAL_OPTIONS, ...create.options };

describe('argument parsing (runc conventions)', () => {
  it('takes --flag value and --flag=value', () => {
    const a = parseArgs(['--bundle', '/b', '--pid-file=/p', 'c1'], createOpts);
    expect(a.values['bundle']).toBe('/b');
    expect(a.values['pid-file']).toBe('/p');
    expect(a.positionals).toEqual(['c1']);
  });
  it('takes short aliases and single-dash long flags', () => {
    const a = parseArgs(['-b', '/b', '-no-pivot', 'c1'], createOpts);
    expect(a.values['bundle']).toBe('/b');
    expect(a.values['no-pivot']).toBe(true);
  });
  it("accepts containerd's single-dash long form (restore -no-subreaper) like urfave/cli", () => {
    const opts = { ...GLOBAL_OPTIONS, 'no-subreaper': { type: 'boolean' as const, describe: '' }, bundle: { type: 'string' as const, describe: '' } };
    const a = parseArgs(['-no-subreaper', '-bundle', '/b', 'c1'], opts);
    expect(a.values['no-subreaper']).toBe(true);
    expect(a.values['bundle']).toBe('/b');
    expect(a.positionals).toEqual(['c1']);
  });
  it('parses numbers and booleans with values', () => {
    const a = parseArgs(['--preserve-fds', '2', '--no-new-keyring=false', 'x'], createOpts);
    expect(a.values['preserve-fds']).toBe(2);
    expect(a.values['no-new-keyring']).toBe(false);
    expect(() => parseArgs(['--preserve-fds', 'two', 'x'], createOpts)).toThrow(/invalid value "two"/);
  });
  it('accepts flags after the container id', () => {
    const a = parseArgs(['c1', '--detach'], { ...GLOBAL_OPTIONS, ...run.options });
    expect(a.values['detach']).toBe(true);
    expect(a.positionals).toEqual(['c1']);
  });
  it('rejects unknown flags with urfave/cli words', () => {
    expect(() => parseArgs(['--nope', 'c1'], createOpts)).toThrow('flag provided but not defined: -nope');
  });
  it('stops at the command for global parsing and keeps the rest', () => {
    const a = parseArgs(['--root', '/r', '--log-format=json', 'kill', 'c1', '9'], GLOBAL_OPTIONS, 1);
    expect(a.values['root']).toBe('/r');
    expect(a.values['log-format']).toBe('json');
    expect(a.positionals).toEqual(['kill', 'c1', '9']);
  });
  it('--rootless takes an optional value like runc', () => {
    expect(parseArgs(['--rootless', 'create'], GLOBAL_OPTIONS, 1).positionals).toEqual(['create']);
    expect(parseArgs(['--rootless', 'true', 'create'], GLOBAL_OPTIONS, 1).values['rootless']).toBe('true');
  });
  it('defaults apply', () => {
    expect(parseArgs(['x'], GLOBAL_OPTIONS).values['root']).toBe('/run/hezi');
  });
});

describe('arityError (runc\'s checkArgs)', () => {
  it('words an exact, a minimum and a maximum count as runc does, and passes counts that fit', () => {
    expect(arityError('state', { min: 1, max: 1 }, 0)).toBe('hezi: "state" requires exactly 1 argument(s)');
    expect(arityError('state', { min: 1, max: 1 }, 2)).toBe('hezi: "state" requires exactly 1 argument(s)');
    expect(arityError('state', { min: 1, max: 1 }, 1)).toBeUndefined();
    expect(arityError('kill', { min: 1, max: 2 }, 0)).toBe('hezi: "kill" requires a minimum of 1 argument(s)');
    expect(arityError('kill', { min: 1, max: 2 }, 3)).toBe('hezi: "kill" requires a maximum of 2 argument(s)');
    expect(arityError('kill', { min: 1, max: 2 }, 2)).toBeUndefined();
    expect(arityError('exec', { min: 1 }, 40)).toBeUndefined();
    expect(arityError('list', { min: 0, max: 0 }, 1)).toBe('hezi: "list" requires exactly 0 argument(s)');
    expect(arityError('x', undefined, 9)).toBeUndefined();
  });
});
