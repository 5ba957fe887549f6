/**
 * Whether the wait before the first cgroup migration has been started already (by the
 * standalone executable's entry, src/standalone.ts): then warmCgroupMigration (cgroups.ts) has
 * nothing left to do. A module of its own so that the entry does not load cgroups.ts.
 */
let warmed = false;

export function markCgroupsWarmed(): void {
  warmed = true;
}

export function cgroupsWarmed(): boolean {
  return warmed;
}
