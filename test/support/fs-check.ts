/**
 * Run under Bun (test/unit/native-fs.test.ts does): every operation of src/native/fs.ts's libc
 * implementation next to Bun's own node:fs on the same files, printing one JSON line per check
 * {name, ours, node}. Errors are compared by code and syscall.
 */
import * as nodeFs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fs } from '../../src/native/fs';

const dir = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'hezi-fs-check-'));
const results: Array<{ name: string; ours: unknown; node: unknown }> = [];

function outcome(f: () => unknown): unknown {
  try {
    const v = f();
    return { ok: v === undefined ? null : v };
  } catch (e) {
    const x = e as NodeJS.ErrnoException;
    return { err: x.code, errno: x.errno, syscall: x.syscall };
  }
}
function both(name: string, ours: () => unknown, node: () => unknown, reset?: () => void): void {
  reset?.();
  const a = outcome(ours);
  reset?.();
  const b = outcome(node);
  results.push({ name, ours: a, node: b });
}
const p = (n: string) => path.join(dir, n);
const statView = (s: { mode: number; uid: number; gid: number; size: number; isDirectory(): boolean; isFile(): boolean; isFIFO(): boolean; isSymbolicLink(): boolean }) => ({
  mode: s.mode, uid: s.uid, gid: s.gid, size: s.size, dir: s.isDirectory(), file: s.isFile(), fifo: s.isFIFO(), link: s.isSymbolicLink(),
});

nodeFs.writeFileSync(p('text'), 'héllo\nwörld\n'.repeat(2000));
nodeFs.mkdirSync(p('d/e/f'), { recursive: true });
nodeFs.writeFileSync(p('d/a'), 'a');
nodeFs.symlinkSync('a', p('d/link'));
nodeFs.mkfifoSync?.(p('fifo'));

both('readFileSync utf8 (larger than one read)', () => fs.readFileSync(p('text'), 'utf8'), () => nodeFs.readFileSync(p('text'), 'utf8'));
both('readFileSync latin1', () => fs.readFileSync(p('text'), 'latin1'), () => nodeFs.readFileSync(p('text'), 'latin1'));
both('readFileSync /proc (size 0)', () => fs.readFileSync('/proc/self/status', 'utf8').split('\n')[0], () => nodeFs.readFileSync('/proc/self/status', 'utf8').split('\n')[0]);
both('readFileSync ENOENT', () => fs.readFileSync(p('missing'), 'utf8'), () => nodeFs.readFileSync(p('missing'), 'utf8'));
both('readFileSync EISDIR', () => fs.readFileSync(p('d'), 'utf8'), () => nodeFs.readFileSync(p('d'), 'utf8'));
both('existsSync', () => [fs.existsSync(p('text')), fs.existsSync(p('missing'))], () => [nodeFs.existsSync(p('text')), nodeFs.existsSync(p('missing'))]);
both('statSync', () => statView(fs.statSync(p('d'))), () => statView(nodeFs.statSync(p('d'))));
both('statSync follows links', () => statView(fs.statSync(p('d/link'))), () => statView(nodeFs.statSync(p('d/link'))));
both('lstatSync', () => statView(fs.lstatSync(p('d/link'))), () => statView(nodeFs.lstatSync(p('d/link'))));
both('statSync ENOENT', () => fs.statSync(p('missing')), () => nodeFs.statSync(p('missing')));
both('readdirSync', () => fs.readdirSync(p('d')).sort(), () => nodeFs.readdirSync(p('d')).sort());
both('readdirSync withFileTypes', () => fs.readdirSync(p('d'), { withFileTypes: true }).map((e) => [e.name, e.isDirectory(), e.isFile(), e.isSymbolicLink()]).sort(),
  () => nodeFs.readdirSync(p('d'), { withFileTypes: true }).map((e) => [e.name, e.isDirectory(), e.isFile(), e.isSymbolicLink()]).sort());
both('readdirSync /proc/self/fd is not empty', () => fs.readdirSync('/proc/self').includes('fd'), () => nodeFs.readdirSync('/proc/self').includes('fd'));
both('readdirSync ENOTDIR', () => fs.readdirSync(p('text')), () => nodeFs.readdirSync(p('text')));
both('readlinkSync', () => fs.readlinkSync(p('d/link')), () => nodeFs.readlinkSync(p('d/link')));
both('mkdirSync EEXIST', () => fs.mkdirSync(p('d')), () => nodeFs.mkdirSync(p('d')));
both('mkdirSync recursive', () => (fs.mkdirSync(p('m/n/o'), { recursive: true, mode: 0o711 }), (nodeFs.statSync(p('m/n/o')).mode & 0o777)),
  () => (nodeFs.mkdirSync(p('m/n/o'), { recursive: true, mode: 0o711 }), (nodeFs.statSync(p('m/n/o')).mode & 0o777)), () => nodeFs.rmSync(p('m'), { recursive: true, force: true }));
both('mkdirSync recursive over a file', () => fs.mkdirSync(p('text/x'), { recursive: true }), () => nodeFs.mkdirSync(p('text/x'), { recursive: true }));
both('writeFileSync mode + readback', () => (fs.writeFileSync(p('w'), 'data', { mode: 0o600 }), nodeFs.readFileSync(p('w'), 'utf8'), nodeFs.statSync(p('w')).mode & 0o777),
  () => (nodeFs.writeFileSync(p('w'), 'data', { mode: 0o600 }), nodeFs.readFileSync(p('w'), 'utf8'), nodeFs.statSync(p('w')).mode & 0o777), () => nodeFs.rmSync(p('w'), { force: true }));
both('writeFileSync wx on an existing file', () => fs.writeFileSync(p('text'), 'x', { flag: 'wx' }), () => nodeFs.writeFileSync(p('text'), 'x', { flag: 'wx' }));
both('appendFileSync', () => (fs.appendFileSync(p('ap'), 'a'), fs.appendFileSync(p('ap'), 'b'), nodeFs.readFileSync(p('ap'), 'utf8')),
  () => (nodeFs.appendFileSync(p('ap'), 'a'), nodeFs.appendFileSync(p('ap'), 'b'), nodeFs.readFileSync(p('ap'), 'utf8')), () => nodeFs.rmSync(p('ap'), { force: true }));
both('open/write/fsync/close + open/read', () => {
  const fd = fs.openSync(p('rw'), 'w', 0o644);
  const n = fs.writeSync(fd, 'abcdef') + fs.writeSync(fd, new TextEncoder().encode('XYZ'), 1, 2);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const r = fs.openSync(p('rw'), fs.constants.O_RDONLY);
  const b = new Uint8Array(16);
  const got = fs.readSync(r, b, 2, 10, null);
  fs.closeSync(r);
  return [n, got, Array.from(b.subarray(0, 2 + got))];
}, () => {
  const fd = nodeFs.openSync(p('rw'), 'w', 0o644);
  const n = nodeFs.writeSync(fd, 'abcdef') + nodeFs.writeSync(fd, new TextEncoder().encode('XYZ'), 1, 2);
  nodeFs.fsyncSync(fd);
  nodeFs.closeSync(fd);
  const r = nodeFs.openSync(p('rw'), nodeFs.constants.O_RDONLY);
  const b = new Uint8Array(16);
  const got = nodeFs.readSync(r, b, 2, 10, null);
  nodeFs.closeSync(r);
  return [n, got, Array.from(b.subarray(0, 2 + got))];
}, () => nodeFs.rmSync(p('rw'), { force: true }));
both('open O_NONBLOCK read of an empty fifo', () => {
  const fd = fs.openSync(p('fifo'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try { return fs.readSync(fd, new Uint8Array(1), 0, 1, null); } finally { fs.closeSync(fd); }
}, () => {
  const fd = nodeFs.openSync(p('fifo'), nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK);
  try { return nodeFs.readSync(fd, new Uint8Array(1), 0, 1, null); } finally { nodeFs.closeSync(fd); }
});
both('the fd is close-on-exec', () => {
  const fd = fs.openSync(p('text'), 'r');
  try { return /flags:\s+0[0-7]*2[0-7]{5}\b/.test(nodeFs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')); } finally { fs.closeSync(fd); }
}, () => {
  const fd = nodeFs.openSync(p('text'), 'r');
  try { return /flags:\s+0[0-7]*2[0-7]{5}\b/.test(nodeFs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')); } finally { nodeFs.closeSync(fd); }
});
both('renameSync + ENOENT', () => (nodeFs.writeFileSync(p('r1'), '1'), fs.renameSync(p('r1'), p('r2')), fs.renameSync(p('r1'), p('r2'))),
  () => (nodeFs.writeFileSync(p('r1'), '1'), nodeFs.renameSync(p('r1'), p('r2')), nodeFs.renameSync(p('r1'), p('r2'))));
both('unlinkSync / rmdirSync errors', () => [outcome(() => fs.unlinkSync(p('missing'))), outcome(() => fs.rmdirSync(p('d')))],
  () => [outcome(() => nodeFs.unlinkSync(p('missing'))), outcome(() => nodeFs.rmdirSync(p('d')))]);
both('realpathSync', () => fs.realpathSync(p('d/link')), () => nodeFs.realpathSync(p('d/link')));
both('realpathSync ENOENT', () => fs.realpathSync(p('d/nope/x')), () => nodeFs.realpathSync(p('d/nope/x')));
both('chmodSync', () => (fs.chmodSync(p('d/a'), 0o640), nodeFs.statSync(p('d/a')).mode & 0o7777), () => (nodeFs.chmodSync(p('d/a'), 0o640), nodeFs.statSync(p('d/a')).mode & 0o7777), () => nodeFs.chmodSync(p('d/a'), 0o644));
both('accessSync', () => fs.accessSync(p('missing')), () => nodeFs.accessSync(p('missing')));
both('rmSync force on a missing path', () => fs.rmSync(p('missing'), { force: true }), () => nodeFs.rmSync(p('missing'), { force: true }));
both('rmSync recursive', () => {
  nodeFs.mkdirSync(p('t/u/v'), { recursive: true }); nodeFs.writeFileSync(p('t/u/f'), ''); nodeFs.symlinkSync('/', p('t/l'));
  fs.rmSync(p('t'), { recursive: true, force: true });
  return nodeFs.existsSync(p('t'));
}, () => {
  nodeFs.mkdirSync(p('t/u/v'), { recursive: true }); nodeFs.writeFileSync(p('t/u/f'), ''); nodeFs.symlinkSync('/', p('t/l'));
  nodeFs.rmSync(p('t'), { recursive: true, force: true });
  return nodeFs.existsSync(p('t'));
});

nodeFs.rmSync(dir, { recursive: true, force: true });
for (const r of results) console.log(JSON.stringify(r));
