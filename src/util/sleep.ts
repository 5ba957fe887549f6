let cell: Int32Array | undefined;

/**
 * Sleep `ms` milliseconds, synchronously (Atomics.wait on a private cell). The cell is made on
 * first use, not when a module loads: most commands never wait (an empty Bun program pays ~0.25
 * ms and 0.8 MB for its first SharedArrayBuffer).
 */
export function sleepMs(ms: number): void {
  Atomics.wait((cell ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, ms);
}
