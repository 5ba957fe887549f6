#!/usr/bin/env python3
"""A minimal seccomp agent for the integration tests (config-linux.md "The Container Process State").

usage: seccomp-agent.py SOCKET OUT ERRNO

Listens on the unix stream socket SOCKET, takes one connection, receives the container process
state (JSON) with the listener fd as SCM_RIGHTS, writes {"state": ..., "nfds": N} to OUT.json,
then answers every notification: ERRNO 0 means "succeed with return value 0" without running the
syscall, any other value fails it with that errno. One line "<syscall nr>" per notification is
appended to OUT.log. Exits when the filter has no more users (the container is gone).
"""
import fcntl
import json
import os
import socket
import struct
import sys

# include/uapi/linux/seccomp.h: _IOWR('!', 0, struct seccomp_notif) (80 bytes),
# _IOWR('!', 1, struct seccomp_notif_resp) (24 bytes)
NOTIF_RECV = (3 << 30) | (80 << 16) | (ord("!") << 8) | 0
NOTIF_SEND = (3 << 30) | (24 << 16) | (ord("!") << 8) | 1


def main() -> None:
    sock_path, out, err = sys.argv[1], sys.argv[2], int(sys.argv[3])
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(sock_path)
    srv.listen(1)
    with open(out + ".ready", "w") as f:
        f.write("1")
    conn, _ = srv.accept()
    msg, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 4)
    data = msg
    # the state may come in several sendmsg calls; a runtime may also keep the connection open
    # for a while (runc 1.1.5 does), so stop at the first complete JSON document, or at EOF
    while True:
        try:
            state = json.loads(data)
            break
        except ValueError:
            chunk = conn.recv(1 << 16)
            if not chunk:
                state = json.loads(data)
                break
            data += chunk
    conn.close()
    srv.close()
    with open(out + ".json", "w") as f:
        json.dump({"state": state, "nfds": len(fds)}, f)
    if not fds:
        return
    fd = fds[0]
    with open(out + ".log", "a") as log:
        while True:
            buf = bytearray(80)
            try:
                fcntl.ioctl(fd, NOTIF_RECV, buf, True)
            except OSError:
                break  # ENOENT: the filter has no users left
            nid, _pid, _flags, nr = struct.unpack_from("<QIIi", buf, 0)
            resp = struct.pack("<QqiI", nid, 0, -err if err else 0, 0)
            try:
                fcntl.ioctl(fd, NOTIF_SEND, bytearray(resp), True)
            except OSError:
                pass  # the caller went away meanwhile
            log.write(f"{nr}\n")
            log.flush()
    os.close(fd)


if __name__ == "__main__":
    main()
