/** Linux's signal numbers (x86_64 and arm64 share the generic table); SIGIOT and SIGPOLL are aliases. */
const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18,
  SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27,
  SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};

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
  return SIGNALS[name];
}

export function signalName(n: number): string {
  for (const [k, v] of Object.entries(SIGNALS)) if (v === n) return k;
  if (n >= SIGRTMIN && n <= SIGRTMAX) return n === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${n - SIGRTMIN}`;
  return `signal ${n}`;
}
