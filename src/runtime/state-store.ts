import { fs } from '../native/fs';
import * as path from '../linux/path';
import { E, HeziError } from './errors';
import type { Spec } from '../../spec';
import type { RdtRecord } from './intelrdt';
import { sleepMs } from '../util/sleep';
import { isIdChars } from '../util/text';

/**
 * The on-disk record of one container: `<root>/<id>/state.json`, written atomically
 * (temp file + rename) while the container's lock is held. The lock is flock(2) on the
 * container directory itself.
 */
export interface ContainerRecord {
  ociVersion: string;
  id: string;
  /** host pid of the container process (0 before it exists) */
  pid: number;
  /** field 22 of /proc/<pid>/stat when the process was created: guards against pid reuse */
  startTime: string;
  bundle: string;
  rootfs: string;
  /** RFC3339Nano */
  created: string;
  owner: string;
  annotations?: Record<string, string>;
  /** the config as it was at create time: later edits of config.json must not affect us */
  config: Spec;
  /** cgroup paths per controller (or "" for the v2 unified path), filled by the cgroup manager */
  cgroupPaths?: Record<string, string>;
  /**
   * Set while create runs: the record is written before the cgroups are made (it names them), so
   * that a create killed at any point leaves what a `delete --force` needs to undo it; the init,
   * blocked on the sync socket until it sends PID, ends by itself with the create. A creating
   * container is never created or running.
   */
  creating?: boolean;
  /** the init as spawned, while creating: written by earlier versions of hezi, still honoured */
  initPid?: number;
  initStartTime?: string;
  /** linux.intelRdt: the container's resctrl groups */
  intelRdt?: RdtRecord;
  /** the plan's ops after WAIT_FIFO (from index `from`), when `start` waits for them (startContainer hooks) */
  startOps?: { from: number; ops: Array<{ code: string; what: string }> };
}

/** How long a command waits for a container's lock: longer than any create with its hooks should take. */
const LOCK_WAIT_MS = 60_000;

export function validateId(id: string | undefined): string {
  if (!id) throw E.usage('container id cannot be empty');
  if (!isIdChars(id) || id === '.' || id === '..' || id.length > 1024) throw E.invalidId();
  return id;
}

export class StateStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return path.join(this.root, id);
  }
  fifo(id: string): string {
    return path.join(this.dir(id), 'exec.fifo');
  }
  file(id: string): string {
    return path.join(this.dir(id), 'state.json');
  }

  exists(id: string): boolean {
    return fs.existsSync(this.dir(id));
  }

  /** Make the container's directory; fails if it exists (the id is taken). */
  createDir(id: string): void {
    try {
      fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    } catch (e) {
      // as runc (Go's MkdirAll) words a root that is a file
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new HeziError(`mkdir ${this.root}: not a directory`);
      throw e;
    }
    try {
      fs.mkdirSync(this.dir(id), { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw E.exists();
      throw e;
    }
  }

  /** Read the record, or undefined when the directory exists but has no state yet (creating). */
  read(id: string): ContainerRecord | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file(id), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        if (!this.exists(id)) throw E.notExist();
        return undefined;
      }
      throw e;
    }
    return JSON.parse(text) as ContainerRecord;
  }

  write(rec: ContainerRecord): void {
    atomicWrite(this.file(rec.id), JSON.stringify(rec), 0o600);
  }

  /** Remove the directory: its own two files and the directory (the common case), else all of it. */
  remove(id: string): void {
    const dir = this.dir(id);
    const fifo = this.fifo(id);
    try {
      fs.unlinkSync(this.file(id));
    } catch {
      /* not there */
    }
    // a created container's exec.fifo only (start removed it): a failing unlink costs an exception
    if (fs.existsSync(fifo)) {
      try {
        fs.unlinkSync(fifo);
      } catch {
        /* gone meanwhile */
      }
    }
    try {
      fs.rmdirSync(dir);
    } catch {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** The ids of the containers under the root: directories with a valid id (not .seccomp-cache). */
  list(): string[] {
    try {
      return fs
        .readdirSync(this.root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && isIdChars(d.name) && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }

  /**
   * Take the container's lock (flock on its directory). Returns a release function.
   * Throws "container does not exist" when there is no directory. Only hezi commands hold it (the
   * fd is close-on-exec, so no container process inherits it), and only while they work: after
   * `waitMs` without it the command fails instead of hanging.
   */
  lock(id: string, waitMs = LOCK_WAIT_MS): () => void {
    let fd: number;
    try {
      fd = fs.openSync(this.dir(id), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw E.notExist();
      throw e;
    }
    let end = 0;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        fs.flockSync(fd, 'ex', true);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // the clock only once the lock is contended (the common case has none)
        if (!end) end = Date.now() + waitMs;
        if ((code !== 'EWOULDBLOCK' && code !== 'EAGAIN') || Date.now() > end) {
          fs.closeSync(fd);
          if (code === 'EWOULDBLOCK' || code === 'EAGAIN') throw new HeziError(`container ${id} is locked by another hezi command (gave up after ${waitMs / 1000}s)`);
          throw e;
        }
        sleepMs(delay);
      }
    }
    return () => {
      try {
        fs.closeSync(fd);
      } catch {
        /* already closed */
      }
    };
  }
}

/**
 * Write `data` to `file` via a temp file in the same directory and rename(2). The temp file is
 * created O_EXCL|O_NOFOLLOW (a name planted in the directory, a symlink included, fails the write
 * instead of redirecting it) and rename replaces a symlink at `file` rather than following it.
 * Readers see the old or the new content, never a part. Without `durable` there is no fsync, as
 * runc's state writes have none: the state and pid files live on a tmpfs (/run) and mean nothing
 * after a reboot, and on a disk-backed --root an fsync costs every create several milliseconds.
 */
export function atomicWrite(file: string, data: string, mode = 0o644, durable = false): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
  const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    try {
      fs.writeSync(fd, data);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
