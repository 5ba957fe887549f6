#!/usr/bin/env python3
"""console-holder.py SOCKET OUT: a console socket receiver that keeps the pty master.

Accepts one connection on an AF_UNIX stream socket at SOCKET (OUT.ready once listening), takes
the pty master from its SCM_RIGHTS message (OUT.got then), and from then on appends everything
the terminal prints to OUT.log, types the content of OUT.in into it whenever that file appears
(and removes it), until OUT.stop exists or every slave is closed. Ends after 300 s at the latest.
"""
import os, select, socket, sys, time

path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
srv.settimeout(60)
open(out + ".ready", "w").close()
conn, _ = srv.accept()
_msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 1)
master = fds[0]
open(out + ".got", "w").close()
deadline = time.time() + 300
with open(out + ".log", "ab", buffering=0) as log:
    while time.time() < deadline and not os.path.exists(out + ".stop"):
        if os.path.exists(out + ".in"):
            with open(out + ".in", "rb") as f:
                os.write(master, f.read())
            os.unlink(out + ".in")
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                d = os.read(master, 4096)
            except OSError:  # EIO: no slave left
                break
            if not d:
                break
            log.write(d)
