#!/usr/bin/env python3
"""pidfd-receiver.py SOCKET OUT SIGNAL: the caller's end of --pidfd-socket.

Listens on a unix stream socket at SOCKET (OUT.ready once listening), accepts one connection,
receives one fd (SCM_RIGHTS), writes "pid <Pid: of its fdinfo>" to OUT; once OUT.go exists it
sends SIGNAL (a number) through the pidfd with pidfd_send_signal and appends "sent".
"""
import os
import signal
import socket
import sys
import time

path, out, sig = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
s.settimeout(30)
open(out + '.ready', 'w').close()
c, _ = s.accept()
c.settimeout(30)
_msg, fds, _flags, _addr = socket.recv_fds(c, 4096, 1)
with open(out, 'w') as f:
    if len(fds) != 1:
        f.write('no fd\n')
        sys.exit(1)
    pid = [l.split()[1] for l in open('/proc/self/fdinfo/%d' % fds[0]) if l.startswith('Pid:')]
    f.write('pid %s\n' % (pid[0] if pid else '?'))
    f.flush()
    for _ in range(3000):
        if os.path.exists(out + '.go'):
            break
        time.sleep(0.01)
    signal.pidfd_send_signal(fds[0], sig)
    f.write('sent\n')
