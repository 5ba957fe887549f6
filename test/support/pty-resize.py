#!/usr/bin/env python3
"""Run a command in a new pty of ROWSxCOLS; once it prints READY, resize the pty to NEWROWSxNEWCOLS
(the kernel sends SIGWINCH to the pty's foreground process group) and collect the output until the
command exits. Prints JSON {"status": exit status, "output": all output}.

usage: pty-resize.py ROWS COLS NEWROWS NEWCOLS -- CMD ARGS..."""
import fcntl, json, os, select, struct, sys, termios, time

rows, cols, nrows, ncols = map(int, sys.argv[1:5])
cmd = sys.argv[sys.argv.index('--') + 1:]
master, slave = os.openpty()
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.execvp(cmd[0], cmd)
os.close(slave)
out = b''
resized = False
deadline = time.time() + 20
status = None
while time.time() < deadline:
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        try:
            d = os.read(master, 4096)
        except OSError:
            d = b''
        if not d:
            break
        out += d
    if not resized and b'READY' in out:
        time.sleep(0.3)
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack('HHHH', nrows, ncols, 0, 0))
        resized = True
_, st = os.waitpid(pid, 0)
status = os.waitstatus_to_exitcode(st)
print(json.dumps({'status': status, 'output': out.decode('utf8', 'replace')}))
