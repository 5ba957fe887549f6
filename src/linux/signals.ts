import { isDigits } from '../util/text';

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
 * Same forms runc accepts, "0" included (no signal: kill(2) only checks that the process exists).
 */
export function parseSignal(raw: string): number | undefined {
  const s = raw.trim();
  if (isDigits(s)) {
    const n = Number(s);
    return n <= SIGRTMAX ? n : undefined;
  }
  let name = s.toUpperCase();
  if (!name.startsWith('SIG')) name = 'SIG' + name;
  // /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/, as code (src/util/text.ts says why)
  if (name.startsWith('SIGRTMIN') || name.startsWith('SIGRTMAX')) {
    const base = name.charCodeAt(6) === 73 /* I */ ? SIGRTMIN : SIGRTMAX;
    const rest = name.slice(8);
    const sign = rest.charCodeAt(0);
    if (rest === '' || ((sign === 43 || sign === 45) && isDigits(rest.slice(1)))) {
      const off = rest === '' ? 0 : Number(rest.slice(1)) * (sign === 45 ? -1 : 1);
      const n = base + off;
      return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
    }
  }
  return SIGNALS[name];
}

export function signalName(n: number): string {
  for (const [k, v] of Object.entries(SIGNALS)) if (v === n) return k;
  if (n >= SIGRTMIN && n <= SIGRTMAX) return n === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${n - SIGRTMIN}`;
  return `signal ${n}`;
}

/** Go's (and so runc's) words for the standard signals: "bad system call". */
const SIGNAL_TEXT = [
  '', 'hangup', 'interrupt', 'quit', 'illegal instruction', 'trace/breakpoint trap', 'aborted', 'bus error',
  'floating point exception', 'killed', 'user defined signal 1', 'segmentation fault', 'user defined signal 2',
  'broken pipe', 'alarm clock', 'terminated', 'stack fault', 'child exited', 'continued', 'stopped (signal)',
  'stopped', 'stopped (tty input)', 'stopped (tty output)', 'urgent I/O condition', 'CPU time limit exceeded',
  'file size limit exceeded', 'virtual timer expired', 'profiling timer expired', 'window changed', 'I/O possible',
  'power failure', 'bad system call',
];

export function signalText(n: number): string {
  return SIGNAL_TEXT[n] || `signal ${n}`;
}
