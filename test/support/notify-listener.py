#!/usr/bin/env python3
"""notify-listener.py SOCKET LOG: a stand-in for systemd's NOTIFY_SOCKET.

Binds a unix datagram socket at SOCKET, writes LOG.ready once listening, then appends every
datagram it gets to LOG (one line each, newlines shown as \\n) with the number of fds that came
along ("<text> fds=N"). A BARRIER=1 message's fd is closed, which is how systemd acknowledges it;
the listener then exits. It also exits after 30 s.
"""
import os
import socket
import sys

path, log = sys.argv[1], sys.argv[2]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(30)
open(log + '.ready', 'w').close()
with open(log, 'a') as out:
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(s, 4096, 4)
        except socket.timeout:
            break
        out.write('%s fds=%d\n' % (msg.decode(errors='replace').replace('\n', '\\n'), len(fds)))
        out.flush()
        for fd in fds:
            os.close(fd)
        if msg.startswith(b'BARRIER=1'):
            break
