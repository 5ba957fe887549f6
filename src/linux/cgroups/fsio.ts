/** Small synchronous file helpers for cgroupfs. */
import { fs, type Dirent } from '../../native/fs';
import { isInteger } from '../../util/text';

/** One write(2) of `value` to an existing cgroup file (O_WRONLY, no O_CREAT/O_TRUNC). */
export function writeFile(dir: string, file: string, value: string): void {
  const fd = fs.openSync(`${dir}/${file}`, fs.constants.O_WRONLY);
  try {
    fs.writeSync(fd, value);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * writeFile for a run of writes: consecutive writes to the same file share one open fd (each
 * write(2) is still one value to the kernel: one device rule per write to devices.allow).
 * close() when done.
 */
export class CgroupWriter {
  private fd = -1;
  private path = '';

  write(dir: string, file: string, value: string): void {
    const p = `${dir}/${file}`;
    if (p !== this.path) {
      this.close();
      this.fd = fs.openSync(p, fs.constants.O_WRONLY);
      this.path = p;
    }
    fs.writeSync(this.fd, value);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    this.path = '';
  }
}

export function readFile(dir: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`${dir}/${file}`, 'latin1');
  } catch {
    return undefined;
  }
}

export function exists(dir: string, file: string): boolean {
  try {
    fs.accessSync(`${dir}/${file}`);
    return true;
  } catch {
    return false;
  }
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, ...) → map of bigint values. */
export function parseKeyValues(text: string | undefined): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\S+)\s+(-?\d+)$/.exec(line.trim());
    if (m) out.set(m[1]!, BigInt(m[2]!));
  }
  return out;
}

/** A file holding one unsigned number ("max" → 2^64-1), undefined when unreadable. */
export function readU64(dir: string, file: string): bigint | undefined {
  const t = readFile(dir, file)?.trim();
  if (t === undefined || t === '') return undefined;
  if (t === 'max') return 18446744073709551615n;
  if (!isInteger(t)) return undefined;
  return BigInt(t);
}

/** Every pid in cgroup.procs of `dir` and of its descendants. */
export function allPids(dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string): void => {
    const t = readFile(d, 'cgroup.procs');
    if (t === undefined) return;
    for (const l of t.split('\n')) if (l) out.push(Number(l));
    let ents: Dirent[] = [];
    try {
      ents = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of ents) if (e.isDirectory()) walk(`${d}/${e.name}`);
  };
  walk(dir);
  return out;
}
