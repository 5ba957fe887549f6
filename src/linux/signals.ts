import { constants } from 'node:os';

const SIGRTMIN = 34;
const SIGRTMAX = 64;

/**
 * "9", "KILL", "SIGKILL", "kill", "RTMIN+3", "SIGRTMAX-1" → signal number; undefined when unknown.
 * Same forms runc accepts.
 */
export function parseSignal(raw: string): number | undefined {
  const s = raw.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n >= 1 && n <= SIGRTMAX ? n : undefined;
  }
  let name = s.toUpperCase();
  if (!name.startsWith('SIG')) name = 'SIG' + name;
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const base = rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX;
    const off = rt[3] ? Number(rt[3]) * (rt[2] === '-' ? -1 : 1) : 0;
    const n = base + off;
    return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
  }
  const table = constants.signals as Record<string, number>;
  return table[name];
}

export function signalName(n: number): string {
  const table = constants.signals as Record<string, number>;
  for (const [k, v] of Object.entries(table)) if (v === n) return k;
  if (n >= SIGRTMIN && n <= SIGRTMAX) return n === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${n - SIGRTMIN}`;
  return `signal ${n}`;
}
