/**
 * The product is one executable: dist/hezi, copied alone to another directory, runs a real
 * container in a mount namespace where the checkout (node_modules, build/, the addon, the init),
 * node and bun are hidden; and it leaves no file behind (the embedded addon is loaded from a
 * memfd, not extracted to /tmp as Bun's own loader would).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { REPO, createOk, describeResult, describeRoot, leftovers, makeBundle, ok, run, runtime, stateRoot, track, waitForStatus } from '../support/bundle';

const DIST = path.join(REPO, 'dist', 'hezi');
const testsDist = fs.existsSync(DIST) && fs.realpathSync(runtime()) === fs.realpathSync(DIST);

describeRoot('standalone executable', () => {
  it.skipIf(!testsDist)('dist/hezi copied alone runs a container with the checkout, node and bun hidden, and writes no file', () => {
    const alone = fs.mkdtempSync(path.join(os.tmpdir(), 'hezi-alone-'));
    try {
      const exe = path.join(alone, 'hezi');
      fs.copyFileSync(DIST, exe);
      fs.chmodSync(exe, 0o755);
      const bundle = makeBundle((spec) => {
        spec.process.args = ['sh', '-c', 'echo "from the container: $(hostname)"; grep ^NoNewPrivs /proc/self/status'];
        spec.hostname = 'alone';
      });
      track(bundle.id);
      const bunDirs = [path.join(os.homedir(), '.bun')].filter((d) => fs.existsSync(d));
      const node = fs.realpathSync(process.execPath);
      const script = [
        'set -e',
        `mount -t tmpfs hidden ${REPO}`,
        `mount --bind /dev/null ${node}`,
        ...bunDirs.map((d) => `mount -t tmpfs hidden ${d}`),
        // nothing of the checkout, no node, no bun
        `test -z "$(ls -A ${REPO})"`,
        'if node -e 0 2>/dev/null; then echo "node still runs"; exit 90; fi',
        'if command -v bun >/dev/null 2>&1; then echo "bun still on PATH"; exit 91; fi',
        `${exe} --root ${stateRoot()} run --bundle ${bundle.dir} ${bundle.id}`,
      ].join('\n');
      const before = new Set(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('.bun')));
      const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('from the container: alone');
      expect(r.stdout).toMatch(/NoNewPrivs:\s+1/);
      // no file written: not next to the executable, not in /tmp (Bun's loader would leave .bun-*.node)
      expect(fs.readdirSync(alone)).toEqual(['hezi']);
      expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('.bun') && !before.has(f))).toEqual([]);
      expect(leftovers({ id: bundle.id, bundle: bundle.dir })).toEqual([]);
    } finally {
      fs.rmSync(alone, { recursive: true, force: true });
    }
  });

  it.skipIf(!testsDist)('neither dist/hezi nor the addon it embeds needs a shared library but glibc\'s (no libstdc++, no libgcc_s)', () => {
    for (const f of [DIST, path.join(REPO, 'build', 'Release', 'hezi.node')]) {
      const r = spawnSync('ldd', [f], { encoding: 'utf8' });
      const libs = r.stdout
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0] ?? '')
        .filter((l) => l && !l.startsWith('linux-vdso') && !l.startsWith('/lib64/ld-linux'));
      expect(libs.length, `${f}: ${r.stdout}`).toBeGreaterThan(0);
      expect(libs.filter((l) => !/^(libc|libm|libpthread|libdl)\.so\.\d+$/.test(l)), f).toEqual([]);
    }
  });
  /**
   * One container through create, start, state, exec, kill (SIGKILL) and delete, as the shim
   * drives it, each command with `env`: what each printed on stderr (the engine's dumps go there).
   */
  const shimCommands = (env: NodeJS.ProcessEnv): Record<string, string> => {
    const out: Record<string, string> = {};
    const c = createOk(undefined, 'sleep 100', { env });
    out['create'] = fs.readFileSync(c.stderrFile, 'utf8');
    for (const [name, args] of [
      ['start', ['start', c.id]],
      ['state', ['state', c.id]],
      ['exec', ['exec', c.id, 'true']],
      ['kill', ['kill', c.id, 'KILL']],
    ] as const) {
      const r = run([...args], { env });
      expect(r.status, describeResult(r)).toBe(0);
      out[name] = r.stderr;
    }
    waitForStatus(c.id, 'stopped');
    out['delete'] = ok(run(['delete', c.id], { env })).stderr;
    return out;
  };
  // Bun's engine implements Array.prototype.forEach/map/filter/some/find/flatMap, Array.from and
  // the spread of a non-array in JavaScript and compiles each from source the first time a
  // process calls it (0.1 to 0.4 ms apiece): the commands the shim runs for every container use
  // plain loops instead (src/util/loops.ts). The engine's dump of what it compiles names them;
  // the builtins are its strict-mode functions (hezi's bundle is not strict-mode code).
  //
  // The same dump counts the programs a command loads (one `<global>` code block each): the
  // small commands run in the entry point itself, create and exec load the full program as well.
  it.skipIf(!testsDist)('create, start, state, exec, kill and delete compile none of the engine\'s JavaScript array builtins; the small commands load one program', () => {
    const BUILTINS = new Set(['forEach', 'map', 'filter', 'some', 'find', 'findIndex', 'every', 'reduce', 'flatMap', 'flatIntoArray', 'flatIntoArrayWithCallback', 'from', 'performIteration', 'values', 'entries', 'keys']);
    const builtins = (dump: string): string[] => {
      const out: string[] = [];
      for (const m of dump.matchAll(/^([^\s#]+)#\w+:\[[^\]\n]*\(StrictMode\)\]/gm)) if (BUILTINS.has(m[1]!)) out.push(m[1]!);
      return out;
    };
    const dumps = shimCommands({ ...process.env, BUN_JSC_dumpGeneratedBytecodes: '1' });
    // the dump is there: it names hezi's own functions too (the builtins are a part of it)
    expect(dumps['create']).toMatch(/^\S+#\w+:\[/m);
    const seen: Record<string, string[]> = {};
    const programs: Record<string, number> = {};
    for (const [name, dump] of Object.entries(dumps)) {
      seen[name] = builtins(dump);
      programs[name] = dump.match(/^<global>#/gm)?.length ?? 0;
    }
    expect(seen).toEqual({ create: [], start: [], state: [], exec: [], kill: [], delete: [] });
    expect(programs).toEqual({ create: 2, start: 1, state: 1, exec: 2, kill: 1, delete: 1 });
  });
  // The first regular expression a process runs brings the engine's regexp compiler into memory
  // (src/util/text.ts): the shim's commands match their strings with loops. The engine lists every
  // expression it compiles with BUN_JSC_dumpCompiledRegExpPatterns.
  it.skipIf(!testsDist)('create, start, state, exec, kill, delete and run compile no regular expression', () => {
    const env = { ...process.env, BUN_JSC_dumpCompiledRegExpPatterns: '1' };
    const patterns = (dump: string): string[] => [...dump.matchAll(/^RegExp pattern for (.*):$/gm)].map((m) => m[1]!);
    const seen: Record<string, string[]> = {};
    for (const [name, dump] of Object.entries(shimCommands(env))) seen[name] = patterns(dump);
    const b = makeBundle((spec) => {
      spec.process!.args = ['true'];
      spec.process!.terminal = false;
    });
    track(b.id);
    const r = run(['run', '--bundle', b.dir, b.id], { env });
    expect(r.status, describeResult(r)).toBe(0);
    seen['run'] = patterns(r.stderr);
    // the dump is what it claims: a command that runs an expression lists it (ps parses ps(1)'s table)
    const p = createOk(undefined, 'sleep 100');
    const ps = run(['ps', p.id], { env });
    ok(run(['delete', '--force', p.id]));
    expect(ps.status, describeResult(ps)).toBe(0);
    expect(patterns(ps.stderr).length).toBeGreaterThan(0);
    expect(seen).toEqual({ create: [], start: [], state: [], exec: [], kill: [], delete: [], run: [] });
  });

  it.skipIf(!testsDist)("a command's exit leaves the teardown of its memory to a sleeper that holds none of the caller's descriptors and exits by itself", () => {
    const c = createOk(undefined, 'sleep 100');
    // the caller: a subreaper (as containerd's shim and conmon are), so the sleeper comes back to it
    const script = `
import ctypes, fcntl, json, os, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
def command(argv):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1); os.dup2(w, 2); os.execv(argv[0], argv)
    os.close(w)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    # the command has exited: no write end of the pipe is left anywhere, so once drained it is at its end
    fcntl.fcntl(r, fcntl.F_SETFL, os.O_NONBLOCK)
    out = b''
    while True:
        try:
            b = os.read(r, 65536)
        except BlockingIOError:
            return {'status': status, 'eof': False}
        if not b:
            break
        out += b
    t = time.time(); others = 0
    while True:
        try:
            os.waitpid(-1, 0); others += 1
        except ChildProcessError:
            break
    return {'status': status, 'eof': True, 'out': out.decode(), 'others': others, 'seconds': time.time() - t}
hezi = sys.argv[1]; root = sys.argv[2]; cid = sys.argv[3]
found = command([hezi, '--root', root, 'state', cid]); missing = command([hezi, '--root', root, 'state', 'no-such-' + cid])
os.environ['HEZI_INLINE_EXIT'] = '1'
print(json.dumps([found, missing, command([hezi, '--root', root, 'state', cid])]))
`;
    const r = spawnSync('python3', ['-c', script, DIST, stateRoot(), c.id], { encoding: 'utf8', timeout: 20_000 });
    ok(run(['delete', '--force', c.id]));
    expect(r.status, describeResult(r)).toBe(0);
    const [found, missing, inline] = JSON.parse(r.stdout) as Array<{ status: number; eof: boolean; out: string; others: number; seconds: number }>;
    expect(found).toMatchObject({ status: 0, eof: true, others: 1 });
    expect(JSON.parse(found!.out)).toMatchObject({ id: c.id, status: 'created' });
    expect(missing).toMatchObject({ status: 1, eof: true, others: 1 });
    expect(missing!.out).toMatch(/level=error msg="container does not exist"/);
    for (const x of [found!, missing!]) expect(x.seconds).toBeLessThan(1);
    // HEZI_INLINE_EXIT=1 (for a pid 1 that reaps no orphans): an ordinary exit, no sleeper
    expect(inline).toMatchObject({ status: 0, eof: true, others: 0 });
    expect(JSON.parse(inline!.out)).toMatchObject({ id: c.id });
  });
});
