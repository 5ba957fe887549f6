/**
 * /dev inside the container: the default devices and symlinks, linux.devices with their
 * type, numbers, mode and owner, and the device cgroup (linux.resources.devices).
 */
import { expect, it } from 'vitest';
import { describeResult, describeRoot, runContainer, runOk, type Spec } from '../support/bundle';
import { parseStatLines, STAT_FORMAT } from '../support/linux';

/** The devices every container gets (runtime-spec "Default Devices"), with their numbers. */
const DEFAULT_DEVICES: Record<string, [number, number]> = {
  '/dev/null': [1, 3],
  '/dev/zero': [1, 5],
  '/dev/full': [1, 7],
  '/dev/random': [1, 8],
  '/dev/urandom': [1, 9],
  '/dev/tty': [5, 0],
};

const DEFAULT_LINKS: Record<string, string> = {
  '/dev/fd': '/proc/self/fd',
  '/dev/stdin': '/proc/self/fd/0',
  '/dev/stdout': '/proc/self/fd/1',
  '/dev/stderr': '/proc/self/fd/2',
  '/dev/ptmx': 'pts/ptmx',
};

const statDev = `stat -c '${STAT_FORMAT}' /dev/* /dev/pts/ptmx`;

function addDevices(...devices: Spec[]): (spec: Spec) => void {
  return (spec) => {
    spec.linux.devices = [...(spec.linux.devices ?? []), ...devices];
  };
}

function allowDevices(...rules: Spec[]): (spec: Spec) => void {
  return (spec) => {
    spec.linux.resources.devices.push(...rules);
  };
}

describeRoot('devices', () => {
  it('the default devices are char devices with their numbers, mode 0666, owned by root', () => {
    const st = parseStatLines(runOk(undefined, statDev));
    for (const [p, [major, minor]] of Object.entries(DEFAULT_DEVICES)) {
      expect(st[p], p).toMatchObject({ kind: 'character special file', major, minor, mode: '666', uid: 0, gid: 0 });
    }
  });

  it('the default symlinks point where they should', () => {
    const st = parseStatLines(runOk(undefined, statDev));
    for (const [p, target] of Object.entries(DEFAULT_LINKS)) {
      expect(st[p], p).toMatchObject({ kind: 'symbolic link', target });
    }
    // /dev/ptmx leads to the container's own devpts instance
    expect(st['/dev/pts/ptmx']).toMatchObject({ kind: 'character special file', major: 5, minor: 2 });
  });

  it('ls -l /dev lists exactly the default devices, links and mount points (no host devices, no console without a terminal)', () => {
    const out = runOk(undefined, 'ls -l /dev');
    const names = out
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('total'))
      .map((l) => l.trim().split(/\s+/))
      .map((f) => (f[0]!.startsWith('l') ? f[f.length - 3]! : f[f.length - 1]!));
    expect(names.sort()).toEqual(['fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero']);
    const nullLine = out.split('\n').find((l) => / null$/.test(l))!;
    expect(nullLine).toMatch(/^crw-rw-rw-\s+1 root\s+root\s+1,\s+3 /);
  });

  it('the default devices work: null swallows, zero reads zeros, full refuses writes', () => {
    const out = runOk(undefined, 'echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | od -An -tx1; echo x > /dev/full; echo full-rc=$?; head -c 8 /dev/urandom | wc -c');
    expect(out).toMatch(/^null-ok\n\s*00 00 00 00\nfull-rc=1\n8\n$/);
  });

  it('linux.devices are created with their type, numbers, mode, uid and gid', () => {
    const st = parseStatLines(
      runOk(
        addDevices(
          { path: '/dev/custom-null', type: 'c', major: 1, minor: 3, fileMode: 0o640, uid: 1000, gid: 5 },
          { path: '/dev/myloop', type: 'b', major: 7, minor: 7, fileMode: 0o600, uid: 0, gid: 0 },
          { path: '/dev/deep/er/zero', type: 'c', major: 1, minor: 5, fileMode: 0o666, uid: 0, gid: 0 },
        ),
        `stat -c '${STAT_FORMAT}' /dev/custom-null /dev/myloop /dev/deep/er/zero`,
      ),
    );
    expect(st['/dev/custom-null']).toMatchObject({ kind: 'character special file', major: 1, minor: 3, mode: '640', uid: 1000, gid: 5 });
    expect(st['/dev/myloop']).toMatchObject({ kind: 'block special file', major: 7, minor: 7, mode: '600', uid: 0, gid: 0 });
    expect(st['/dev/deep/er/zero']).toMatchObject({ kind: 'character special file', major: 1, minor: 5, mode: '666' });
  });

  it('a device in linux.devices is usable when the device cgroup allows it', () => {
    const out = runOk(
      addDevices({ path: '/dev/custom-null', type: 'c', major: 1, minor: 3, fileMode: 0o666, uid: 0, gid: 0 }),
      'echo hi > /dev/custom-null && echo wrote',
    );
    expect(out).toBe('wrote\n');
  });

  it('the device cgroup denies a device that no rule allows, and allows it with a rule (access r only)', () => {
    const loop = { path: '/dev/myloop', type: 'b', major: 7, minor: 7, fileMode: 0o666, uid: 0, gid: 0 };
    const cmd = 'cat < /dev/myloop > /dev/null; echo read-rc=$?; true > /dev/myloop; echo write-rc=$?';
    const denied = runContainer(addDevices(loop), cmd);
    expect(denied.status, describeResult(denied)).toBe(0);
    expect(denied.stdout).toBe('read-rc=1\nwrite-rc=1\n');
    expect(denied.stderr).toMatch(/Operation not permitted/);

    const allowed = runContainer(
      (spec) => {
        addDevices(loop)(spec);
        allowDevices({ allow: true, type: 'b', major: 7, minor: 7, access: 'r' })(spec);
      },
      cmd,
    );
    expect(allowed.status, describeResult(allowed)).toBe(0);
    expect(allowed.stdout).toBe('read-rc=0\nwrite-rc=1\n');
  });
});
