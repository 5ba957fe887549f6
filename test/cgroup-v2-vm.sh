#!/usr/bin/env bash
# cgroup-v2-vm.sh — hezi's cgroup manager on a pure cgroup v2 kernel.
#
# Boots the throwaway VM of /work/shared/vm/run-in-vm.sh (pure cgroup v2, every controller
# enabled in the root, no network) and runs a focused set of real containers through ./bin/hezi:
# memory.max / memory.swap.max, OOM kill, cpu.max / cpu.weight, pids.max, the eBPF device
# program, cgroup.freeze (pause/resume), update, ps, events --stats, unified, hugetlb, placement
# (default, relative, absolute, --systemd-cgroup), cleanup on delete, and rootless with cgroup
# delegation (a user-owned subtree as a systemd user session has it: no systemd in the VM).
#
# Builds nothing (the VM has no network): run `npm run build` on the host first (dist/hezi, the
# standalone executable that bin/hezi links to). Exit status: 0 when every check passed, 1 when one failed, 2 when not runnable.
#
# usage (as root, from anywhere):  test/cgroup-v2-vm.sh
#   RUN_IN_VM=/path/to/run-in-vm.sh   the VM launcher (default /work/shared/vm/run-in-vm.sh)
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

if [ "${HEZI_IN_VM:-}" != 1 ]; then
  for f in dist/hezi; do
    [ -e "$repo/$f" ] || { echo "cgroup-v2-vm: $repo/$f is missing: build on the host first" >&2; exit 2; }
  done
  [ "$(id -u)" = 0 ] || { echo "cgroup-v2-vm: needs root" >&2; exit 2; }
  vm=${RUN_IN_VM:-$repo/../shared/vm/run-in-vm.sh}
  [ -x "$vm" ] || { echo "cgroup-v2-vm: no VM launcher at $vm" >&2; exit 2; }
  cd "$repo" || exit 2
  # the rootfs is made here: busybox's applet symlinks take ~2 min under TCG, <1 s on the host
  # (tmp/ is git-ignored and shared read-write with the VM)
  "$repo/scripts/make-rootfs.sh" "$repo/tmp/cgroup-v2-vm/rootfs" >/dev/null || exit 2
  start=$(date +%s)
  "$vm" --mem 2048 --cpus 2 --timeout 900 --env HEZI_IN_VM=1 -- "$repo/test/cgroup-v2-vm.sh"
  rc=$?
  echo "cgroup-v2-vm: exit $rc after $(( $(date +%s) - start )) s" >&2
  exit $rc
fi

# ---- inside the VM ----------------------------------------------------------------------------
cd "$repo" || exit 2
[ -e /sys/fs/cgroup/cgroup.controllers ] || { echo "not a cgroup v2 host" >&2; exit 2; }
work=$(mktemp -d /tmp/hezi-v2.XXXXXX)
[ -x "$repo/tmp/cgroup-v2-vm/rootfs/bin/busybox" ] || { echo "no rootfs at $repo/tmp/cgroup-v2-vm/rootfs" >&2; exit 2; }
exec node - "$repo" "$work" <<'EOF'
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const [repo, work] = process.argv.slice(2);
const HEZI = path.join(repo, 'bin', 'hezi');
const ROOT = path.join(work, 'state');
const CG = '/sys/fs/cgroup';
const MiB = 1024 * 1024;
let failed = 0;
let passed = 0;
let n = 0;

function hezi(args, opts = {}) {
  const r = spawnSync(HEZI, ['--root', ROOT, ...args], { encoding: 'utf8', input: opts.input ?? '', timeout: opts.timeout ?? 120000, cwd: work, env: opts.env ?? process.env });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', cmd: `hezi ${args.join(' ')}` };
}
function check(name, cond, detail = '') {
  if (cond) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? `\n     ${String(detail).replace(/\n/g, '\n     ')}` : ''}`);
  }
}
const show = (r) => `$ ${r.cmd} → ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
const read = (f) => { try { return fs.readFileSync(f, 'utf8').trim(); } catch (e) { return `<${e.code}>`; } };
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** a bundle: runc's default spec (from the test support), terminal off, patched */
function bundle(args, patch) {
  const id = `v2-${++n}`;
  const dir = path.join(work, 'bundles', id);
  fs.mkdirSync(dir, { recursive: true });
  const spec = JSON.parse(fs.readFileSync(path.join(repo, 'test/support/runc-default-spec.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = typeof args === 'string' ? ['sh', '-c', args] : args;
  spec.root = { path: path.join(repo, 'tmp/cgroup-v2-vm/rootfs'), readonly: true };
  if (patch) patch(spec);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return { id, dir };
}
const res = (r, more) => (s) => { s.linux.resources = { ...s.linux.resources, ...r }; if (more) more(s); };
const cgroupns = (s) => s.linux.namespaces.push({ type: 'cgroup' });
function runC(args, patch, extra = []) {
  const b = bundle(args, patch);
  return { ...hezi([...extra, 'run', '--bundle', b.dir, b.id]), id: b.id };
}
function detached(args, patch, extra = []) {
  const b = bundle(args, patch);
  const r = hezi([...extra, 'run', '-d', '--bundle', b.dir, b.id]);
  if (r.status !== 0) throw new Error(show(r));
  const st = JSON.parse(fs.readFileSync(path.join(ROOT, b.id, 'state.json'), 'utf8'));
  return { id: b.id, pid: st.pid, paths: st.cgroupPaths, dir: b.dir };
}
const gone = (id) => !fs.existsSync(path.join(CG, id)) && !fs.existsSync(path.join(ROOT, id));

const t0 = Date.now();
try {
  // 1. limits from inside (cgroup namespace) and on the host; cleanup
  {
    const r = runC('cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight /sys/fs/cgroup/memory.low; cat /proc/self/cgroup',
      res({ memory: { limit: 64 * MiB, swap: 96 * MiB, reservation: 16 * MiB }, pids: { limit: 20 }, cpu: { shares: 1024, quota: 50000, period: 100000 } }, cgroupns));
    check('memory.max, memory.swap.max (= swap - limit), pids.max, cpu.max, cpu.weight (1024 shares → 100), memory.low',
      r.status === 0 && r.stdout === `${64 * MiB}\n${32 * MiB}\n20\n50000 100000\n100\n${16 * MiB}\n0::/\n`, show(r));
    check('run removes the cgroup', gone(r.id));
  }
  // 2. OOM
  {
    const r = runC(['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], res({ memory: { limit: 32 * MiB, swap: 32 * MiB } }));
    check('a process over memory.max is OOM-killed: run exits 137', r.status === 137, show(r));
  }
  // 3. pids
  {
    const r = runC('i=0; while [ $i -lt 10 ]; do sleep 30 & i=$((i+1)); done; echo spawned', res({ pids: { limit: 5 } }));
    check('pids.max: forks past the limit fail', /can't fork|Resource temporarily unavailable/.test(r.stderr + r.stdout), show(r));
  }
  // 4. the eBPF device program
  {
    const kmsg = { path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 };
    const caps = (s) => { for (const k of ['bounding', 'effective', 'permitted']) s.process.capabilities[k].push('CAP_SYSLOG'); s.linux.devices = [kmsg]; };
    const probe = 'head -c1 /dev/kmsg >/dev/null && echo kmsg-open; echo x >/dev/null && echo null-ok; head -c1 /dev/urandom >/dev/null && echo urandom-ok';
    const denied = runC(probe, caps);
    check('device program: a node the rules do not allow cannot be opened (EPERM); /dev/null, /dev/urandom can',
      denied.stdout === 'null-ok\nurandom-ok\n' && /kmsg: Operation not permitted/.test(denied.stderr), show(denied));
    const allowed = runC(probe, res({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'r' }] }, caps));
    check('device program: an allow rule opens it', allowed.stdout === 'kmsg-open\nnull-ok\nurandom-ok\n', show(allowed));
    const last = runC(probe, res({ devices: [{ allow: true, type: 'a', access: 'rwm' }, { allow: false, type: 'c', major: 1, minor: 3, access: 'rwm' }] }, caps));
    check('device program: allow-all then deny c 1:3 — later rules win, runc\'s defaults come last',
      last.stdout === 'kmsg-open\nnull-ok\nurandom-ok\n', show(last));
    const ro = runC('true < /dev/kmsg && echo read-ok; true > /dev/kmsg && echo write-ok; echo end', res({ devices: [{ allow: true, type: 'c', major: 1, minor: 11, access: 'r' }] }, caps));
    check('device program: read-only access refuses a write open', ro.stdout === 'read-ok\nend\n', show(ro));
  }
  // 5. freezer, update, ps, events, unified, hugetlb, delete
  {
    const ctl = path.join(work, 'ctl');
    fs.mkdirSync(ctl, { mode: 0o777 });
    const c = detached('i=0; while true; do i=$((i+1)); echo $i > /ctl/n.tmp; mv /ctl/n.tmp /ctl/n; done',
      res({ memory: { limit: 64 * MiB }, unified: { 'memory.high': String(48 * MiB) }, hugepageLimits: [{ pageSize: '2MB', limit: 4 * MiB }] },
        (s) => s.mounts.push({ destination: '/ctl', type: 'bind', source: ctl, options: ['rbind', 'rw'] })));
    const dir = c.paths[''];
    check('default placement: /sys/fs/cgroup/<id> (parent of our own cgroup "/" + <id>); paths has only ""',
      dir === path.join(CG, c.id) && Object.keys(c.paths).join() === '', JSON.stringify(c.paths));
    check('unified: memory.high written', read(path.join(dir, 'memory.high')) === String(48 * MiB));
    check('hugepageLimits: hugetlb.2MB.max', read(path.join(dir, 'hugetlb.2MB.max')) === String(4 * MiB), read(path.join(dir, 'hugetlb.2MB.max')));
    const counter = () => Number(read(path.join(ctl, 'n'))) || 0;
    const end = Date.now() + 30000;
    while (counter() < 5 && Date.now() < end) sleep(100);
    let r = hezi(['pause', c.id]);
    const frozen = read(path.join(dir, 'cgroup.events'));
    const st = JSON.parse(hezi(['state', c.id]).stdout || '{}').status;
    // the shim's commands run no regular expression (src/util/text.ts), on v2 too, where state reads cgroup.events
    const dumped = hezi(['state', c.id], { env: { ...process.env, BUN_JSC_dumpCompiledRegExpPatterns: '1' } });
    const a = counter();
    sleep(1500);
    const b = counter();
    check('pause: cgroup.freeze, "frozen 1" in cgroup.events, status paused, the counter stops',
      r.status === 0 && /^frozen 1$/m.test(frozen) && st === 'paused' && a === b && a > 0, `${show(r)}\n${frozen}\nstatus=${st} ${a} ${b}`);
    check('state of a paused container compiles no regular expression', dumped.status === 0 && JSON.parse(dumped.stdout || '{}').status === 'paused' && !/^RegExp pattern for/m.test(dumped.stderr), show(dumped));
    r = hezi(['resume', c.id]);
    sleep(1500);
    check('resume: thawed, status running, the counter moves', r.status === 0 && /^frozen 0$/m.test(read(path.join(dir, 'cgroup.events'))) &&
      JSON.parse(hezi(['state', c.id]).stdout || '{}').status === 'running' && counter() > b, show(r));
    r = hezi(['resume', c.id]);
    check('resume of a running container: "container not paused"', r.status === 1 && r.stderr.includes('container not paused'), show(r));

    r = hezi(['update', '--memory', '128m', '--cpu-share', '2048', '--cpu-quota', '20000', '--cpu-period', '100000', '--pids-limit', '77', c.id]);
    check('update: memory.max, cpu.weight (2048 shares → 174), cpu.max, pids.max',
      r.status === 0 && read(path.join(dir, 'memory.max')) === String(128 * MiB) && read(path.join(dir, 'cpu.weight')) === '174' &&
      read(path.join(dir, 'cpu.max')) === '20000 100000' && read(path.join(dir, 'pids.max')) === '77',
      `${show(r)}\n${['memory.max', 'cpu.weight', 'cpu.max', 'pids.max'].map((f) => read(path.join(dir, f))).join(' ')}`);
    r = hezi(['update', '-r', '-', c.id], { input: JSON.stringify({ memory: { limit: 100 * MiB, swap: 150 * MiB }, unified: { 'memory.high': 'max' } }) });
    check('update -r -: memory.swap.max = swap - limit, unified key', r.status === 0 && read(path.join(dir, 'memory.swap.max')) === String(50 * MiB) &&
      read(path.join(dir, 'memory.high')) === 'max', show(r));

    r = hezi(['ps', '--format', 'json', c.id]);
    let pids = [];
    try { pids = JSON.parse(r.stdout); } catch { /* below */ }
    check('ps --format json: the container init\'s host pid', r.status === 0 && pids.includes(c.pid), show(r));
    r = hezi(['events', '--stats', c.id]);
    let ev = {};
    try { ev = JSON.parse(r.stdout); } catch { /* below */ }
    check('events --stats: runc\'s types from v2 files (cpu.usage.total, memory.usage.usage/limit, pids.current/limit)',
      r.status === 0 && ev.type === 'stats' && ev.id === c.id && ev.data.cpu.usage.total > 0 && ev.data.memory.usage.usage > 0 &&
      ev.data.memory.usage.limit === 100 * MiB && ev.data.pids.current >= 1 && ev.data.pids.limit === 77 && typeof ev.data.memory.raw.anon === 'number',
      show(r).slice(0, 2000));

    r = hezi(['pause', c.id]);
    const del = hezi(['delete', '--force', c.id]);
    check('delete --force of a paused container removes its cgroup', r.status === 0 && del.status === 0 && gone(c.id), show(del));
  }
  // 6. placement
  {
    const r1 = runC('cat /proc/self/cgroup', (s) => { s.linux.cgroupsPath = 'rel/one'; });
    check('relative cgroupsPath: under the parent of our own cgroup', r1.status === 0 && r1.stdout === '0::/rel/one\n' && !fs.existsSync(`${CG}/rel/one`), show(r1));
    const r2 = runC('cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max', res({ memory: { limit: 50 * MiB } }, (s) => { s.linux.cgroupsPath = '/hezi-abs/two'; cgroupns(s); }));
    check('absolute cgroupsPath, nested: controllers enabled on the way down', r2.status === 0 && r2.stdout === `0::/\n${50 * MiB}\n` && !fs.existsSync(`${CG}/hezi-abs/two`), show(r2));
    const r3 = runC('cat /sys/fs/cgroup/pids.max', res({ pids: { limit: 9 } }, (s) => { s.linux.cgroupsPath = 'machine-test.slice:hezi:three'; cgroupns(s); }), ['--systemd-cgroup']);
    check('--systemd-cgroup slice:prefix:name → /machine.slice/machine-test.slice/hezi-three.scope (the slices stay, the scope goes)',
      r3.status === 0 && r3.stdout === '9\n' && fs.existsSync(`${CG}/machine.slice/machine-test.slice`) && !fs.existsSync(`${CG}/machine.slice/machine-test.slice/hezi-three.scope`), show(r3));
    const bad = runC('true', res({ cpu: { realtimeRuntime: 1000 } }));
    check('a field v2 cannot apply fails create, naming it, and leaves nothing', bad.status !== 0 &&
      bad.stderr.includes('linux.resources.cpu.realtimeRuntime') && gone(bad.id), show(bad));
  }
  // 7. rootless with cgroup delegation: what a systemd user session gives its user (the VM has no
  //    systemd, so the subtree is made here the way systemd delegates it: user@<uid>.service and
  //    everything below owned by the user, controllers enabled down to app.slice), hezi run by
  //    that user from a scope in it (setpriv: no capabilities)
  {
    const name = `hzvm${process.pid}`;
    const ua = spawnSync('useradd', ['-M', '-s', '/bin/sh', name], { encoding: 'utf8' });
    const uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout);
    const gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout);
    const svc = `${CG}/user.slice/user-${uid}.slice/user@${uid}.service`;
    const app = `${svc}/app.slice`;
    const scope = `${app}/hezi-test.scope`;
    const xdg = path.join(work, `xdg-${uid}`);
    try {
      fs.mkdirSync(scope, { recursive: true });
      for (const d of [CG, `${CG}/user.slice`, `${CG}/user.slice/user-${uid}.slice`, svc, app])
        for (const c of ['cpu', 'memory', 'pids']) try { fs.writeFileSync(`${d}/cgroup.subtree_control`, `+${c}`); } catch { /* already */ }
      spawnSync('chown', ['-R', `${uid}:${gid}`, svc]);
      fs.mkdirSync(xdg, { mode: 0o700 });
      fs.chownSync(xdg, uid, gid);
      fs.chmodSync(work, 0o755); // mktemp's 0700: the user reads its bundles there
      // The VM runs its command chrooted into /newroot of its initramfs, and the kernel refuses a
      // user namespace to a chrooted process (even root's). Not chrooted: a mount namespace in
      // which that root is moved onto the initramfs's "/" (what switch_root does), entered from
      // the initramfs (pid 1's root) with its busybox; $HZ_CMD then runs there.
      const OUTER = `exec /bin/busybox unshare -m --propagation private /bin/busybox sh -c 'cd /newroot && /bin/busybox mount --move . / && exec /bin/busybox chroot . /bin/sh -c "$HZ_CMD"'`;
      const unchrooted = (cmd, env) => spawnSync('chroot', ['/proc/1/root', '/bin/busybox', 'sh', '-c', OUTER], { encoding: 'utf8', env: { ...env, HZ_CMD: cmd }, timeout: 120000, cwd: work });
      const asUser = (args, patch) => {
        const b = bundle(args, (s) => {
          const rl = JSON.parse(fs.readFileSync(path.join(repo, 'test/support/runc-default-spec-rootless.json'), 'utf8'));
          s.mounts = rl.mounts;
          s.linux = { ...rl.linux, uidMappings: [{ containerID: 0, hostID: uid, size: 1 }], gidMappings: [{ containerID: 0, hostID: gid, size: 1 }] };
          s.process.capabilities = rl.process.capabilities;
          if (patch) patch(s);
        });
        // the shell joins the user's scope, then becomes the user and runs hezi (default --root: $XDG_RUNTIME_DIR/hezi)
        const cmd = `echo $$ > ${scope}/cgroup.procs && exec setpriv --reuid=${uid} --regid=${gid} --init-groups -- ${HEZI} run --bundle ${b.dir} ${b.id}`;
        const r = unchrooted(cmd, { PATH: process.env.PATH, XDG_RUNTIME_DIR: xdg });
        return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', cmd: `(as ${name}) hezi run ${b.id}`, id: b.id };
      };
      check('rootless setup: a user and a delegated subtree', ua.status === 0 && uid > 0 && fs.existsSync(scope), ua.stderr);
      const r = asUser('cat /proc/self/cgroup /sys/fs/cgroup/pids.max; id -u', (s) => { s.linux.resources = { pids: { limit: 7 } }; });
      check('rootless + delegation: the container gets its cgroup in the user\'s subtree (beside the scope hezi runs in) with its limits',
        r.status === 0 && r.stdout === `0::/user.slice/user-${uid}.slice/user@${uid}.service/app.slice/${r.id}\n7\n0\n`, show(r));
      check('rootless + delegation: run removes the cgroup and the state', !fs.existsSync(`${app}/${r.id}`) && !fs.existsSync(path.join(xdg, 'hezi', r.id)));
      const f = spawnSync('sh', ['-c', `echo $$ > ${scope}/cgroup.procs && exec setpriv --reuid=${uid} --regid=${gid} --init-groups -- ${HEZI} features`], { encoding: 'utf8' });
      let ann = '';
      try { ann = JSON.parse(f.stdout).annotations['io.github.hezi.rootless.cgroups']; } catch { /* below */ }
      check('rootless + delegation: features says the cgroups are delegated', ann === `delegated: containers get their cgroups under ${app}`, `${ann}\n${f.stderr}`);
      // a user without the subtree: no cgroups, and a limit is refused with the reason
      fs.writeFileSync(`${CG}/cgroup.procs`, String(process.pid));
      const other = spawnSync('sh', ['-c', `exec setpriv --reuid=${uid} --regid=${gid} --init-groups -- ${HEZI} features`], { encoding: 'utf8' });
      let ann2 = '';
      try { ann2 = JSON.parse(other.stdout).annotations['io.github.hezi.rootless.cgroups']; } catch { /* below */ }
      check('rootless outside the delegated subtree: features says none', /^none: \/sys\/fs\/cgroup is not writable by uid \d+/.test(ann2), ann2);
    } finally {
      for (const d of [scope, app, svc, `${CG}/user.slice/user-${uid}.slice`]) try { fs.rmdirSync(d); } catch { /* busy or gone */ }
      spawnSync('userdel', [name]);
    }
  }
} catch (e) {
  failed++;
  console.log(`FAIL unexpected: ${e.stack || e}`);
}
console.log(`${passed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s in the VM)`);
process.exit(failed ? 1 : 0);
EOF
