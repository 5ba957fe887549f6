#!/usr/bin/env python3
"""A console socket receiver like containerd's (go-runc console.go) and conmon's (cmsg.c):
accept one connection on an AF_UNIX stream socket, take the pty master from one SCM_RIGHTS
message, then optionally type a line into the terminal and read the output until a marker.

usage: console-receiver.py SOCKET RESULT.json [LINE [MARKER]]
RESULT.json: {"payload": str, "nfds": int, "rows": int, "cols": int, "output": str, "error": str}
"""
import array, fcntl, json, os, select, socket, struct, sys, termios, time

sock_path, result = sys.argv[1], sys.argv[2]
line = sys.argv[3] if len(sys.argv) > 3 else None
marker = sys.argv[4].encode() if len(sys.argv) > 4 else None
res = {"payload": None, "nfds": 0, "rows": 0, "cols": 0, "output": "", "error": ""}


def finish():
    tmp = result + ".tmp"
    with open(tmp, "w") as f:
        json.dump(res, f)
    os.rename(tmp, result)
    sys.exit(0)


try:
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(1)
    srv.settimeout(20)
    conn, _ = srv.accept()
    # exactly what go-runc checks: one message, data < 4096 bytes, one SCM_RIGHTS with one fd
    msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 4)
    res["payload"] = msg.decode("latin1")
    res["nfds"] = len(fds)
    if len(fds) != 1:
        res["error"] = "expected one fd"
        finish()
    master = fds[0]
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(master, termios.TIOCGWINSZ, b"\0" * 8))
    res["rows"], res["cols"] = rows, cols
    if line is not None:
        os.write(master, (line + "\n").encode())
    out = b""
    deadline = time.time() + 10
    while time.time() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if not r:
            if marker is None and out:
                break
            continue
        try:
            d = os.read(master, 4096)
        except OSError:  # EIO: every slave fd is closed
            break
        if not d:
            break
        out += d
        if marker is not None and marker in out:
            break
    res["output"] = out.decode("latin1")
except Exception as e:  # reported in the result, never a hang
    res["error"] = repr(e)
finish()
