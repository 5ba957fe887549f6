/**
 * The standalone executable loads one of two programs per command line (src/cli/dispatch.ts):
 * its quick look at the command line must find the command parseArgs finds, and the small
 * program's table must hold exactly the commands the look sends to it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { COMMANDS } from '../../src/cli/all-commands';
import { resolveCommand } from '../../src/cli/commands';
import { HOT_COMMANDS, commandName, programFor } from '../../src/cli/dispatch';
import { GLOBAL_OPTIONS } from '../../src/cli/globals';
import { HOT_COMMAND_TABLE } from '../../src/cli/hot-commands';

/** what the full program's parse makes of a command line: the command, or undefined for help/version/none */
function parsedCommand(argv: string[]): string | undefined | 'error' {
  try {
    const top = parseArgs(argv, GLOBAL_OPTIONS, 1);
    return top.help || top.values['version'] === true ? undefined : top.positionals[0];
  } catch {
    return 'error';
  }
}

describe('which program runs a command line', () => {
  it('finds the command after the global flags as parseArgs does', () => {
    const cases: Array<[string[], string | undefined]> = [
      [['state', 'c1'], 'state'],
      [['--root', '/run/x', 'kill', 'c1', 'KILL'], 'kill'],
      [['--root=/run/x', '--log', '/l', '--log-format', 'json', 'delete', '--force', 'c1'], 'delete'],
      [['-root', '/r', '--debug', 'start', 'c1'], 'start'],
      [['--systemd-cgroup', '--criu', '/c', 'create', '--bundle', '/b', 'c1'], 'create'],
      [['--rootless', 'state', 'c1'], 'state'],
      [['--rootless', 'true', 'state', 'c1'], 'state'],
      [['--rootless=auto', 'ps', 'c1'], 'ps'],
      [['--debug=false', 'rm', 'c1'], 'rm'],
      [['--', 'state', 'x'], 'state'],
      [['--version'], undefined],
      [['-v', 'state'], undefined],
      [['--version=false', 'state', 'c1'], 'state'],
      [['-v', '--version=0', 'kill', 'c1'], 'kill'],
      [['--help'], undefined],
      [['state', '--help'], 'state'],
      [['-h', 'state'], undefined],
      [[], undefined],
      [['--root'], undefined],
      [['--bogus', 'state', 'c1'], undefined],
    ];
    for (const [argv, want] of cases) {
      expect(commandName(argv), argv.join(' ')).toBe(want);
      const parsed = parsedCommand(argv);
      if (parsed !== 'error') expect(parsed, argv.join(' ')).toBe(want);
    }
  });

  it('agrees with parseArgs on generated command lines', () => {
    const token = fc.oneof(
      fc.constantFrom('--root', '-root', '--root=/r', '--log', '--log=/l', '--log-format', 'json', '--debug', '--debug=true', '--debug=0', '--systemd-cgroup', '--rootless', '--rootless=false', 'true', 'auto', '--criu', '--version', '--version=false', '-v', '--help', '-h', '--', '-', '--bogus'),
      fc.constantFrom('state', 'kill', 'create', 'rm', 'ls', 'exec', 'c1', '/path', 'SIGKILL'),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 7 }), (argv) => {
        const parsed = parsedCommand(argv);
        // a line the parser rejects is rejected by whichever program gets it, with the same words
        if (parsed !== 'error') expect(commandName(argv)).toBe(parsed);
      }),
      { numRuns: 3000 },
    );
  });

  it('sends exactly the small table\'s commands and aliases to the small program', () => {
    expect(Object.keys(HOT_COMMANDS).sort()).toEqual(Object.keys(HOT_COMMAND_TABLE).sort());
    for (const name of Object.keys(HOT_COMMANDS)) expect(resolveCommand(COMMANDS, name), name).toBe(name);
    expect(programFor(['rm', 'c1'])).toBe('hot');
    expect(programFor(['ls'])).toBe('hot');
    expect(programFor(['--root', '/r', 'state', 'c1'])).toBe('hot');
    expect(programFor(['create', '--bundle', '/b', 'c1'])).toBe('full');
    expect(programFor(['exec', 'c1', 'true'])).toBe('full');
    expect(programFor(['--help'])).toBe('full');
  });
});
