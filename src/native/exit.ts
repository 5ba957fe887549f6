/**
 * How a command ends.
 *
 * A process's exit tears its address space down before its parent hears of it (the kernel's
 * exit_mm runs before exit_notify): for dist/hezi, a Bun process with 20–35 MB mapped, that is
 * 0.8–1 ms of every command on its caller's clock (measured here from exit_group to the parent's
 * wait4 returning: 0.78 ms for an empty Bun program, 0.97 ms for `hezi state`, 0.08 ms for a small
 * C program). So under Bun, once a command has written everything (hezi writes all its output
 * synchronously), `exit`:
 * 1. closes every descriptor: the caller's pipes see their end, and nothing below holds one;
 * 2. starts a process that shares this address space (clone CLONE_VM, not a thread: exit_group
 *    does not take it) and only sleeps 0.2 ms (usleep, as the clone's function, on a stack of
 *    its own): long enough for this process's exit (~0.02 ms), short enough that the teardown
 *    is done before the caller's next command has gone far (a 2 ms sleep put create's into the
 *    start after it: start 6.75 → 7.74 ms);
 * 3. exits: this process is then not its address space's last user, so its exit is immediate,
 *    and the sleeper's own exit tears the address space down, off the caller's clock.
 * The sleeper holds no descriptor, lock or state; it is an orphan like any other, reaped by the
 * caller where the caller is a subreaper (containerd's shim, conmon) and by init elsewhere. Where
 * nothing reaps orphans (a container whose pid 1 is a plain program) each command would leave a
 * zombie: HEZI_INLINE_EXIT=1 in the environment makes every exit an ordinary one. Should the exit
 * take longer than the sleep, the sleeper simply goes first and the exit is an ordinary one; where
 * a step fails (close_range needs Linux 5.9, a pids limit may refuse the clone), so is it. Under
 * Node: process.exit.
 */
import { libc } from './libc';

const SLEEP_US = 200;
/** the sleeper's stack: usleep needs far less */
const STACK_BYTES = 16384;
const CLONE_VM = 0x100;
const SIGCHLD = 17;
/** close_range is 436 everywhere (a syscall newer than the per-arch tables) */
const SYS_CLOSE_RANGE = 436;
const SYS_EXIT_GROUP = process.arch === 'arm64' ? 94 : 231;

export function exit(code: number): never {
  if ((process.versions as Record<string, string | undefined>)['bun'] && process.env['HEZI_INLINE_EXIT'] !== '1') exitLeavingTeardown(code);
  process.exit(code);
}

/** returns only when it could not exit this way (nothing done, or the descriptors closed) */
function exitLeavingTeardown(code: number): void {
  try {
    const c = libc();
    const usleep = (c.usleep as unknown as { ptr?: number }).ptr;
    if (!usleep) return;
    if (c.syscall(SYS_CLOSE_RANGE, 0, 0xffffffff, 0) !== 0) return;
    const stack = new Uint8Array(STACK_BYTES);
    // the sleeper's stack pointer: 16-byte aligned, below the end (glibc stores its function there)
    c.clone(usleep, stack.subarray(STACK_BYTES - 64), CLONE_VM | SIGCHLD, SLEEP_US, 0, 0, 0);
    c.syscall(SYS_EXIT_GROUP, code & 0xff, 0, 0);
  } catch {
    /* an ordinary exit, below */
  }
}
