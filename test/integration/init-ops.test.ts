/**
 * The mechanism layer on its own: hand-built plans run by the real hezi-init through the real
 * addon (build/Release), no CLI and no plan compiler. Needs root (namespaces, mounts, mknod).
 *
 * Each test spawns the init, drives the sync socket the way the runtime does (PID, SYNC → ACK,
 * READY / ERROR / EOF) and checks the effects from the host.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePlan } from '../../src/plan/encode';
import { op, type Op } from '../../src/plan/ops';
import type { InitMsg, Native } from '../../src/native/addon';
import { buildRootfs } from '../support/rootfs';

const REPO = path.resolve(__dirname, '..', '..');
const BUILD = path.join(REPO, 'build', 'Release');
// the init the executable embeds (scripts/build.js: the musl build where musl-gcc is installed)
const INIT = fs.existsSync(path.join(REPO, 'build', 'hezi-init')) ? path.join(REPO, 'build', 'hezi-init') : path.join(BUILD, 'hezi-init');
const IS_ROOT = process.getuid?.() === 0;
const BUILT = fs.existsSync(path.join(BUILD, 'hezi.node')) && fs.existsSync(INIT);

if (!IS_ROOT) console.warn('[hezi init-ops] SKIPPED: needs root');
else if (!BUILT) console.warn('[hezi init-ops] SKIPPED: build/Release/hezi.node or hezi-init missing (run node-gyp rebuild)');

const Msg = { SYNC: 1, PID: 2, ERROR: 3, READY: 4, ACK: 16, ABORT: 17 } as const;
const CLONE = { NEWNS: 0x00020000, NEWUTS: 0x04000000, NEWIPC: 0x08000000, NEWUSER: 0x10000000, NEWPID: 0x20000000 };
const MS = { BIND: 0x1000, REC: 0x4000, PRIVATE: 1 << 18 };
const E = { ENOENT: 2, ENOTDIR: 20, EPROTO: 71, ETIMEDOUT: 110 };
const S_IFCHR = 0o020000;
const MOUNT_ATTR_NOSUID = 0x2;
const MOUNT_ATTR_NODEV = 0x4;
const MOUNT_ATTR_NOEXEC = 0x8;
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

let n: Native;
let work: string;

interface Run {
  initPid: number;
  syncFd: number;
  msgs: InitMsg[];
  /** the forked container process (from PID), 0 when the plan has no FORK */
  containerPid: number;
  closed: boolean;
}

function spawn(ops: Op[] | Buffer, stdio: [number, number, number] = [0, 1, 2], preserveFds = 0): Run {
  const plan = Buffer.isBuffer(ops) ? ops : encodePlan(ops);
  const { pid, syncFd } = n.spawnInit(INIT, plan, stdio, preserveFds);
  return { initPid: pid, syncFd, msgs: [], containerPid: 0, closed: false };
}

/**
 * Read messages until READY, ERROR or EOF. `onSync` answers SYNCs (default: a plain ACK).
 * Returns the last message (null on EOF).
 */
function drive(r: Run, onSync?: (m: InitMsg, r: Run) => void): InitMsg | null {
  for (;;) {
    const m = n.recvMsg(r.syncFd, 10_000);
    if (m === null) return null;
    r.msgs.push(m);
    if (m.type === Msg.PID) r.containerPid = m.pid;
    else if (m.type === Msg.SYNC) onSync ? onSync(m, r) : n.sendMsg(r.syncFd, Msg.ACK);
    else return m;
  }
}

function close(r: Run): void {
  if (!r.closed) fs.closeSync(r.syncFd);
  r.closed = true;
}

/** reap the init (and the container process, if any); returns their wait results */
function finish(r: Run): { init: ReturnType<Native['waitPid']>; container: ReturnType<Native['waitPid']> | null } {
  close(r);
  const init = n.waitPid(r.initPid, false);
  const container = r.containerPid ? n.waitPid(r.containerPid, false) : null;
  return { init, container };
}

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(work, `${name}-`));
}

function vmRssKb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]);
}

function wchan(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/wchan`, 'utf8');
  } catch {
    return '';
  }
}

describe.skipIf(!IS_ROOT || !BUILT)('hezi-init ops (as root)', () => {
  beforeAll(() => {
    n = require(path.join(BUILD, 'hezi.node')) as Native;
    // the container processes are grandchildren: adopt them so they can be reaped
    n.setChildSubreaper(true);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-initops-'));
  });
  afterAll(() => {
    n?.setChildSubreaper(false);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('addon basics: errors carry errno/code/syscall, strerror, flock, mkfifo', () => {
    expect(n.strerror(1)).toBe('Operation not permitted');
    const d = tmp('basics');
    const fifo = path.join(d, 'fifo');
    n.mkfifo(fifo, 0o600);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
    let err: (Error & { errno?: number; code?: string; syscall?: string }) | undefined;
    try {
      n.mkfifo(fifo, 0o600);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).toBe('mkfifo: File exists');
    expect(err?.errno).toBe(17);
    expect(err?.code).toBe('EEXIST');
    expect(err?.syscall).toBe('mkfifo');
    const fd = fs.openSync(path.join(d, 'lock'), 'w');
    n.flock(fd, 'ex', true);
    n.flock(fd, 'un', false);
    fs.closeSync(fd);
    expect(() => n.umount2(path.join(d, 'not-a-mount'), 0)).toThrow(/^umount2: /);
    expect(() => n.spawnInit(path.join(d, 'missing'), Buffer.alloc(0), [0, 1, 2], 0)).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'open' }),
    );
  });

  it('new uts/mount/pid namespaces: FORK, SETHOSTNAME, MOUNT tmpfs, LOOKUP_EXEC, EXEC', () => {
    const d = tmp('ns');
    const out = path.join(d, 'out');
    const mnt = path.join(d, 'mnt');
    const r = spawn([
      op.unshare(CLONE.NEWUTS | CLONE.NEWNS | CLONE.NEWPID, 'create namespaces'),
      op.fork(),
      op.mount('', '', '/', '', MS.REC | MS.PRIVATE, '', 'make / private'),
      op.sethostname('hezi-init-test'),
      op.mkdirAll('', mnt, 0o755, 'create mnt'),
      op.mountAt({ src: 'tmpfs', root: d, rel: 'mnt', fstype: 'tmpfs', options: ['size=1m'], attrSet: MOUNT_ATTR_NOSUID, flags: 0 }, 'mount tmpfs (resolved in root)'),
      op.lookupExec(['/nonexistent/sh', '/bin/sh'], 'find sh'),
      op.exec(
        [
          '/bin/sh',
          '-c',
          'hostname > $OUT; echo $$ >> $OUT; grep -c " $MNT tmpfs " /proc/self/mounts >> $OUT; echo x > $MNT/f; ls /proc/self/fd | wc -l >> $OUT',
        ],
        [`OUT=${out}`, `MNT=${mnt}`, PATH_ENV],
      ),
    ]);
    const last = drive(r);
    expect(last).toBeNull(); // the sync socket is CLOEXEC: EOF at the exec
    expect(r.msgs.map((m) => m.type)).toEqual([Msg.PID]);
    expect(r.msgs[0]?.op).toBe(1);
    const { init, container } = finish(r);
    expect(init).toEqual({ pid: r.initPid, code: 0, signal: null });
    expect(container).toEqual({ pid: r.containerPid, code: 0, signal: null });
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('hezi-init-test');
    expect(os.hostname()).not.toBe('hezi-init-test');
    expect(lines[1]).toBe('1'); // pid 1 of the new pid namespace
    expect(lines[2]).toBe('1'); // the tmpfs was mounted in its mount namespace ...
    expect(fs.existsSync(path.join(mnt, 'f'))).toBe(false); // ... and not on the host
    expect(lines[3]).toBe('4'); // 0, 1, 2 and ls's own directory fd: nothing else leaked
  });

  it('a failing op comes back as ERROR {op index, errno}', () => {
    const d = tmp('fail');
    const r = spawn([
      op.unshare(CLONE.NEWNS, 'mount ns'),
      op.mount('', '', '/', '', MS.REC | MS.PRIVATE, '', 'make / private'),
      op.mount(path.join(d, 'no-such-source'), '', d, '', MS.BIND, '', 'bind a missing source'),
      op.exec(['/bin/true'], []),
    ]);
    const m = drive(r);
    expect(m).toMatchObject({ type: Msg.ERROR, op: 2, err: E.ENOENT });
    expect(finish(r).init.code).toBe(1);

    // a missing target inside a root, and an existing non-directory for MKDIR_ALL
    fs.writeFileSync(path.join(d, 'file'), '');
    const r2 = spawn([op.mkdirAll(d, 'file/sub', 0o755, 'mkdir under a file')]);
    expect(drive(r2)).toMatchObject({ type: Msg.ERROR, op: 0, err: E.ENOTDIR });
    expect(finish(r2).init.code).toBe(1);
    const r3 = spawn([
      op.unshare(CLONE.NEWNS, 'mount ns'),
      op.mountAt({ src: 'tmpfs', root: d, rel: 'missing/target', fstype: 'tmpfs', flags: 0 }, 'mount on a missing target'),
    ]);
    expect(drive(r3)).toMatchObject({ type: Msg.ERROR, op: 1, err: E.ENOENT });
    expect(finish(r3).init.code).toBe(1);

    // LOOKUP_EXEC with nothing executable; a plan with a bad magic (op -1)
    const r4 = spawn([op.lookupExec([path.join(d, 'nope'), path.join(d, 'file')], 'lookup')]);
    expect(drive(r4)).toMatchObject({ type: Msg.ERROR, op: 0, err: 13 /* EACCES: d/file is not executable */ });
    finish(r4);
    const bad = encodePlan([op.setsid()]);
    bad.write('XXXX', 0, 'latin1');
    const r5 = spawn(bad);
    expect(drive(r5)).toMatchObject({ type: Msg.ERROR, op: -1, err: E.EPROTO });
    expect(finish(r5).init.code).toBe(1);
  });

  it('user namespace: SYNC for the id maps, then root inside', () => {
    const d = tmp('userns');
    const outFd = fs.openSync(path.join(d, 'out'), 'w');
    const r = spawn(
      [
        op.unshare(CLONE.NEWUSER, 'create user namespace'),
        op.sync(1, 'write uid/gid maps'),
        op.setgroups([]),
        op.setresgid(0),
        op.setresuid(0),
        op.lookupExec(['/bin/sh'], 'sh'),
        op.exec(['/bin/sh', '-c', 'id -u; id -g; cat /proc/self/uid_map'], [PATH_ENV]),
      ],
      [0, outFd, 2],
    );
    fs.closeSync(outFd);
    const last = drive(r, (m, run) => {
      expect(m).toMatchObject({ type: Msg.SYNC, op: 1, pid: 1 });
      fs.writeFileSync(`/proc/${run.initPid}/uid_map`, '0 100000 65536\n');
      fs.writeFileSync(`/proc/${run.initPid}/gid_map`, '0 100000 65536\n');
      n.sendMsg(run.syncFd, Msg.ACK);
    });
    expect(last).toBeNull();
    expect(finish(r).init).toMatchObject({ code: 0 });
    const lines = fs.readFileSync(path.join(d, 'out'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('0');
    expect(lines[1]).toBe('0');
    expect(lines[2]?.trim().split(/\s+/)).toEqual(['0', '100000', '65536']);
  });

  it('RUN_HOOK: state on stdin, exit status, exec errno, timeout; ABORT; recvMsg timeout', () => {
    const d = tmp('hooks');
    const hookOut = path.join(d, 'hook-out');
    const state = JSON.stringify({ ociVersion: '1.2.0', id: 'x', status: 'creating', pid: 1 });
    const mk = (hook: Op) => [op.sync(2, 'state'), hook];
    const answer = (m: InitMsg, run: Run) => n.sendMsg(run.syncFd, Msg.ACK, Buffer.from(state));

    const ok = spawn(mk(op.runHook('/bin/sh', ['sh', '-c', 'cat > "$HOOKOUT"'], [`HOOKOUT=${hookOut}`], 5000, 'hook')));
    expect(drive(ok, answer)).toBeNull();
    expect(finish(ok).init.code).toBe(0);
    expect(fs.readFileSync(hookOut, 'utf8')).toBe(state);

    const exit3 = spawn(mk(op.runHook('/bin/sh', ['sh', '-c', 'exit 3'], [], 0, 'hook')));
    expect(drive(exit3, answer)).toMatchObject({ type: Msg.ERROR, op: 1, err: 0, status: 3 << 8 });
    finish(exit3);

    const missing = spawn(mk(op.runHook(path.join(d, 'no-hook'), ['x'], [], 0, 'hook')));
    expect(drive(missing, answer)).toMatchObject({ type: Msg.ERROR, op: 1, err: E.ENOENT });
    finish(missing);

    const t0 = Date.now();
    const slow = spawn(mk(op.runHook('/bin/sleep', ['sleep', '20'], [], 300, 'hook')));
    expect(drive(slow, answer)).toMatchObject({ type: Msg.ERROR, op: 1, err: E.ETIMEDOUT });
    expect(Date.now() - t0).toBeLessThan(5000);
    finish(slow);

    // the runtime says no: the init leaves silently with 1; an unanswered SYNC times recvMsg out
    const aborted = spawn([op.sync(7, 'x'), op.exec(['/bin/true'], [])]);
    expect(n.recvMsg(aborted.syncFd, 5000)).toMatchObject({ type: Msg.SYNC, op: 0, pid: 7 });
    expect(() => n.recvMsg(aborted.syncFd, 50)).toThrow(expect.objectContaining({ code: 'ETIMEDOUT', errno: E.ETIMEDOUT }));
    n.sendMsg(aborted.syncFd, Msg.ABORT);
    expect(n.recvMsg(aborted.syncFd, 5000)).toBeNull();
    expect(finish(aborted).init.code).toBe(1);
  });

  it('filesystem ops resolve inside the root: MKDIR_ALL, TOUCH, MKNOD, SYMLINK', () => {
    const root = tmp('root');
    fs.symlinkSync('/', path.join(root, 'esc')); // an absolute symlink must stay inside root
    fs.symlinkSync('../../..', path.join(root, 'up'));
    const marker = `hezi-initops-escape-${process.pid}`;
    const r = spawn([
      op.mkdirAll(root, `esc/${marker}/deep`, 0o755, 'mkdir through an absolute symlink'),
      op.mkdirAll(root, '/dev', 0o755, 'mkdir /dev'),
      op.touch(root, `up/${marker}-file`, 0o644, 'touch through ..'),
      op.mknod(root, '/dev/null', S_IFCHR | 0o666, 259n /* makedev(1,3) */, 0, 0, 'mknod /dev/null'),
      op.mknod(root, '/dev/null', S_IFCHR | 0o666, 259n, 0, 0, 'mknod /dev/null again (replaces)'),
      op.symlink('/proc/self/fd', root, '/dev/fd', true, 'symlink'),
      op.symlink('/proc/self/fd', root, '/dev/fd', true, 'symlink again (exists, ignored)'),
      op.touch(root, '/etc/hosts', 0o600, 'touch with parents'),
    ]);
    expect(drive(r)).toBeNull();
    expect(finish(r).init).toMatchObject({ code: 0 });
    expect(fs.statSync(path.join(root, marker, 'deep')).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join('/', marker))).toBe(false);
    expect(fs.statSync(path.join(root, `${marker}-file`)).isFile()).toBe(true);
    expect(fs.existsSync(path.join('/', `${marker}-file`))).toBe(false);
    const dev = fs.statSync(path.join(root, 'dev/null'));
    expect(dev.isCharacterDevice()).toBe(true);
    expect(dev.rdev).toBe(259);
    expect(dev.mode & 0o7777).toBe(0o666);
    expect(fs.readlinkSync(path.join(root, 'dev/fd'))).toBe('/proc/self/fd');
    expect(fs.statSync(path.join(root, 'etc/hosts')).mode & 0o777).toBe(0o600 & ~process.umask());

    const r2 = spawn([op.symlink('x', root, '/dev/fd', false, 'symlink over an existing one')]);
    expect(drive(r2)).toMatchObject({ type: Msg.ERROR, op: 0, err: 17 });
    finish(r2);
  });

  it('pivot_root into a rootfs, masked and read-only paths, WAIT_FIFO; a waiting init stays small', () => {
    const d = tmp('pivot');
    const rootfs = path.join(d, 'rootfs');
    buildRootfs(rootfs);
    fs.writeFileSync(path.join(rootfs, 'home/test/secret'), 'secret');
    const fifo = path.join(d, 'exec.fifo');
    n.mkfifo(fifo, 0o622);
    const outFd = fs.openSync(path.join(d, 'out'), 'w');
    const r = spawn(
      [
        op.unshare(CLONE.NEWNS | CLONE.NEWPID | CLONE.NEWUTS | CLONE.NEWIPC, 'namespaces'),
        op.fork(),
        op.setsid(),
        op.mount('', '', '/', '', MS.REC | MS.PRIVATE, '', 'make / private'),
        op.mount(rootfs, '', rootfs, '', MS.BIND | MS.REC, '', 'bind rootfs'),
        op.mountAt({ src: 'proc', root: rootfs, rel: '/proc', fstype: 'proc', attrSet: MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, flags: 0 }, 'mount proc'),
        op.mkdirAll(rootfs, '/dev', 0o755, 'mkdir /dev'),
        op.mountAt({ src: 'tmpfs', root: rootfs, rel: '/dev', fstype: 'tmpfs', options: ['mode=755', 'size=64k'], attrSet: MOUNT_ATTR_NOSUID, flags: 0 }, 'mount /dev'),
        op.mknod(rootfs, '/dev/null', S_IFCHR | 0o666, 259n, 0, 0, 'mknod /dev/null'),
        op.openFifo(fifo),
        op.pivotRoot(rootfs),
        op.remountRo('/', 0, 'read-only root'),
        op.sethostname('pivoted'),
        op.maskPath('/proc/cmdline'),
        op.maskPath('/home/test'),
        op.maskPath('/proc/does-not-exist'),
        op.readonlyPath('/proc/sys'),
        op.readonlyPath('/proc/does-not-exist'),
        op.umask(0o022),
        op.closeFds(3),
        op.chdir('/tmp', 'chdir'),
        op.lookupExec(['/usr/bin/sh', '/bin/sh'], 'sh'),
        op.ready(),
        op.waitFifo(),
        op.exec(
          [
            '/bin/sh',
            '-c',
            'echo pid=$$ cwd=$(pwd) host=$(hostname); wc -c < /proc/cmdline; ls -A /home/test | wc -l; ' +
              'touch /rofs 2>/dev/null || echo rofs; { echo 1 > /proc/sys/kernel/ns_last_pid; } 2>/dev/null || echo rosys; ' +
              'grep -c " /proc/sys " /proc/self/mountinfo',
          ],
          ['PATH=/bin:/usr/bin'],
        ),
      ],
      [0, outFd, 2],
    );
    fs.closeSync(outFd);
    const last = drive(r);
    expect(last).toMatchObject({ type: Msg.READY });
    expect(r.msgs[0]).toMatchObject({ type: Msg.PID, op: 1 });
    const cpid = r.containerPid;
    expect(n.waitPid(r.initPid, false)).toMatchObject({ code: 0 }); // the FORK parent left at once

    // the init now closes the sync socket and blocks in open(exec.fifo, O_WRONLY)
    expect(n.recvMsg(r.syncFd, 5000)).toBeNull();
    close(r);
    for (let k = 0; k < 200 && !/fifo|partner|open/.test(wchan(cpid)); k++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    const rss = vmRssKb(cpid);
    console.log(`[hezi init-ops] VmRSS of an init waiting on exec.fifo: ${rss} kB (wchan ${wchan(cpid) || '?'})`);
    expect(rss).toBeLessThan(2048);
    // CVE-2019-5736: /proc/<pid>/exe is the sealed memfd, never the runtime's binary
    expect(fs.readlinkSync(`/proc/${cpid}/exe`)).toMatch(/^\/memfd:hezi-init/);
    expect(() => fs.openSync(`/proc/${cpid}/exe`, 'r+')).toThrow();

    // `start`: open the read side, read the "0"
    const rfd = fs.openSync(fifo, 'r');
    const buf = Buffer.alloc(8);
    expect(fs.readSync(rfd, buf)).toBe(1);
    expect(buf.toString('latin1', 0, 1)).toBe('0');
    fs.closeSync(rfd);
    expect(n.waitPid(cpid, false)).toEqual({ pid: cpid, code: 0, signal: null });
    const lines = fs.readFileSync(path.join(d, 'out'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('pid=1 cwd=/tmp host=pivoted');
    expect(lines[1]?.trim()).toBe('0'); // /proc/cmdline is /dev/null now
    expect(lines[2]?.trim()).toBe('0'); // /home/test is an empty read-only tmpfs
    expect(lines[3]).toBe('rofs');
    expect(lines[4]).toBe('rosys');
    expect(Number(lines[5])).toBeGreaterThanOrEqual(1);
  });

  it('WRITE_PROC writes through the procfs at /proc only: never into a file bound over the target, nor into a /proc that is not procfs', () => {
    // the LSM attribute writes' op (CVE-2019-16884, CVE-2025-52881 class), tried on a harmless
    // namespaced file: kernel.domainname of a new uts namespace
    const d = tmp('writeproc');
    const decoy = path.join(d, 'decoy');
    fs.writeFileSync(decoy, 'decoy\n');
    const domain = path.join(d, 'domain');
    const r = spawn([
      op.unshare(CLONE.NEWNS | CLONE.NEWUTS, 'mount and uts namespaces'),
      op.mount('', '', '/', '', MS.REC | MS.PRIVATE, '', 'make / private'),
      op.writeProc('sys/kernel/domainname', 'hezi-ok', 'write domainname'),
      op.lookupExec(['/bin/sh'], 'find sh'),
      op.exec(['/bin/sh', '-c', `cat /proc/sys/kernel/domainname > ${domain}`], [PATH_ENV]),
    ]);
    expect(drive(r)).toBeNull();
    finish(r);
    expect(fs.readFileSync(domain, 'utf8')).toBe('hezi-ok\n');

    const bound = spawn([
      op.unshare(CLONE.NEWNS | CLONE.NEWUTS, 'mount and uts namespaces'),
      op.mount('', '', '/', '', MS.REC | MS.PRIVATE, '', 'make / private'),
      op.mount(decoy, '', '/proc/sys/kernel/domainname', '', MS.BIND, '', 'bind a file over the target'),
      op.writeProc('sys/kernel/domainname', 'redirected', 'write domainname'),
    ]);
    expect(drive(bound)).toMatchObject({ type: Msg.ERROR, op: 3, err: 18 /* EXDEV: a mount is crossed */ });
    finish(bound);
    expect(fs.readFileSync(decoy, 'utf8')).toBe('decoy\n');

    const fake = spawn([
      op.unshare(CLONE.NEWNS, 'mount namespace'),
      op.mount('', '', '/', '', MS.REC | MS.PRIVATE, '', 'make / private'),
      op.mount('tmpfs', '', '/proc', 'tmpfs', 0, '', 'a tmpfs on /proc'),
      op.writeProc('self/oom_score_adj', '0', 'write oom_score_adj'),
    ]);
    expect(drive(fake)).toMatchObject({ type: Msg.ERROR, op: 3, err: 124 /* EMEDIUMTYPE: not procfs */ });
    finish(fake);
  });

  it('preserveFds: sync and plan fds land at 3+N and 4+N; waitPidAsync', async () => {
    const d = tmp('preserve');
    const a = fs.openSync(path.join(d, 'a'), 'w');
    const b = fs.openSync(path.join(d, 'b'), 'w');
    const r = spawn([op.sync(1, 'look at me'), op.exec(['/bin/sh', '-c', 'exit 5'], [])], [0, a, b], 2);
    fs.closeSync(a);
    fs.closeSync(b);
    const m = n.recvMsg(r.syncFd, 5000);
    expect(m).toMatchObject({ type: Msg.SYNC, pid: 1 });
    const argv = fs.readFileSync(`/proc/${r.initPid}/cmdline`, 'latin1').split('\0').filter(Boolean);
    expect(argv).toEqual(['hezi-init', '5', '6']);
    expect(fs.readlinkSync(`/proc/${r.initPid}/fd/5`)).toMatch(/^socket:/);
    expect(fs.existsSync(`/proc/${r.initPid}/fd/6`)).toBe(false); // the plan fd is closed once mapped
    expect(fs.readlinkSync(`/proc/${r.initPid}/fd/1`)).toBe(path.join(d, 'a'));
    expect(fs.readlinkSync(`/proc/${r.initPid}/fd/2`)).toBe(path.join(d, 'b'));
    const done = n.waitPidAsync(r.initPid);
    n.sendMsg(r.syncFd, Msg.ACK);
    expect(await done).toEqual({ pid: r.initPid, code: 5, signal: null });
    close(r);
  });
});
