# podman.sh — the podman scenarios of scripts/clients-test.sh (sourced, bash).
#
# podman 4.3 with its own storage (vfs) and run/tmp dirs under $T/podman, its own
# containers.conf and storage.conf (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF: nothing of
# /etc/containers is read), cgroupfs, file events, --network none|host (no bridge), and
#   podman --runtime <wrapper named like the runtime> ...
# podman calls the runtime itself (start, kill, pause, resume, delete --force) and through
# conmon (create, exec with --detach [--tty --console-socket S]); conmon adds
# `--log-format=json --log <file>` for runtimes listed in runtime_supports_json (by name).
# podman passes no --root: the runtime's default root (/run/<name>) holds the state.
#
# Needs from the main script: repo, T, TAG, RT_BIN, RT_NAME, RUNTIME, WRAPPER_LOG, ROOTFS_TAR.

PM_SCENARIOS=(
  "run --rm: exit code and output:pm_run_rm"
  "run --rm -t: a terminal for the init (--console-socket):pm_run_tty"
  "run -d: detached container is running:pm_run_detached"
  "ps: lists the running container:pm_ps"
  "exec: output and exit code:pm_exec"
  "exec -t: a terminal for the exec (--tty --console-socket):pm_exec_tty"
  "pause/unpause: paused, frozen, running again:pm_pause"
  "the init is in its own cgroups (cgroupfs):pm_cgroups"
  "stop: SIGTERM, the init's handler runs, exit 42; rm:pm_stop"
  "rm -f: a running container is removed:pm_rm_force"
  "kill: SIGKILL, podman wait reports 137:pm_kill"
  "--memory: the limit in the container's cgroup:pm_memory_limit"
  "update --memory: the new limit reaches the cgroup:pm_update"
  "--memory: OOM kill is exit 137:pm_oom"
  "--read-only: the rootfs is read-only, /tmp a writable tmpfs:pm_readonly"
  "--network none: only lo, and lo is up:pm_net_none"
  "--network host: the host's interfaces:pm_net_host"
  "--sdnotify=container: the container's READY=1 reaches NOTIFY_SOCKET:pm_sdnotify"
  "socket activation: LISTEN_FDS, the listening socket at fd 3:pm_socket_activation"
  "nothing left behind:pm_leftovers"
)

PM_IMAGE=localhost/hezi-clients-busybox:latest

pm_setup() {
  PM=$T/podman
  PM_NAME=pc$TAG # every container name starts with this
  mkdir -p "$PM/tmp"
  local bin
  for bin in podman conmon; do
    command -v $bin >/dev/null || { why="$bin is not installed (apt-get install podman)"; return 1; }
  done
  # Lowered rlimits: podman's defaults for root (nofile 1048576, nproc 4194304) need
  # CAP_SYS_RESOURCE where the host's hard limits are lower (containers, some CI hosts).
  cat >"$PM/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "hezi"]
EOF
  cat >"$PM/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$PM/root"
runroot = "$PM/runroot"
EOF
  export CONTAINERS_CONF=$PM/containers.conf CONTAINERS_STORAGE_CONF=$PM/storage.conf
  PODMAN=(podman --root "$PM/root" --runroot "$PM/runroot" --storage-driver vfs --tmpdir "$PM/tmp"
    --cgroup-manager cgroupfs --events-backend file --runtime "$RT_BIN")
  out "${PODMAN[@]}" import "$ROOTFS_TAR" "$PM_IMAGE"
  if [ $RC -ne 0 ]; then why="podman import failed: $OUT"; return 1; fi
  return 0
}

pm_inspect() { t "${PODMAN[@]}" inspect -f "$2" "$1" 2>/dev/null; }
pm_is() { [ "$(pm_inspect "$1" '{{.State.Status}}')" = "$2" ]; }
pm_id() { pm_inspect "$1" '{{.Id}}'; }

pm_run_rm() {
  out "${PODMAN[@]}" run --rm --pull never --network none "$PM_IMAGE" sh -c 'echo hello-from-container; exit 3'
  expect_eq 'exit code of podman run' "$RC" 3 && expect_match output "$OUT" '^hello-from-container'
}

pm_run_tty() {
  out "${PODMAN[@]}" run --rm -t --pull never --network none "$PM_IMAGE" sh -c 'tty; exit 6'
  OUT=$(tr -d '\r' <<<"$OUT")
  expect_eq 'exit code of podman run -t' "$RC" 6 && expect_match 'tty inside' "$OUT" '/dev/pts/[0-9]+'
}

PD=''
pm_run_detached() {
  PD=$PM_NAME-d
  out "${PODMAN[@]}" run -d --pull never --network none --name "$PD" "$PM_IMAGE" \
    sh -c 'trap "exit 42" TERM; while :; do sleep 1 & wait; done'
  expect_eq 'exit code of podman run -d' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
  wait_until 10 pm_is "$PD" running || { why+="status '$(pm_inspect "$PD" '{{.State.Status}}')', want running"; return 1; }
  PD_PID=$(pm_inspect "$PD" '{{.State.Pid}}')
  [ -n "$PD_PID" ] && [ -d "/proc/$PD_PID" ] || { why+="container pid '$PD_PID' does not exist on the host"; return 1; }
}

need_pd() {
  [ -n "$PD" ] && pm_is "$PD" running && return 0
  why="needs the container of 'run -d', which is not running (status '$(pm_inspect "$PD" '{{.State.Status}}')')"
  return 1
}

pm_ps() {
  need_pd || return 1
  out "${PODMAN[@]}" ps --format '{{.Names}} {{.Status}}'
  expect_eq 'exit code of podman ps' "$RC" 0 && expect_match 'podman ps' "$OUT" "^$PD Up"
}

pm_exec() {
  need_pd || return 1
  out "${PODMAN[@]}" exec "$PD" sh -c 'echo in-exec; exit 4'
  expect_eq 'exit code of podman exec' "$RC" 4 && expect_match output "$OUT" '^in-exec'
  local rc=$?
  [ $rc -ne 0 ] && why+="podman said: $OUT"$'\n'
  return $rc
}

pm_exec_tty() {
  need_pd || return 1
  out "${PODMAN[@]}" exec -t "$PD" sh -c 'tty; exit 5'
  OUT=$(tr -d '\r' <<<"$OUT")
  expect_eq 'exit code of podman exec -t' "$RC" 5 && expect_match 'tty inside' "$OUT" '/dev/pts/[0-9]+'
  local rc=$?
  [ $rc -ne 0 ] && why+="podman said: $OUT"$'\n'
  return $rc
}

pm_pause() {
  need_pd || return 1
  local fz
  fz=$(cgroup_of "$PD_PID" freezer)
  out "${PODMAN[@]}" pause "$PD"
  expect_eq 'exit code of podman pause' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
  expect_eq 'status after pause' "$(pm_inspect "$PD" '{{.State.Status}}')" paused || return 1
  expect_eq "freezer.state of freezer:$fz" "$(freezer_state "$PD_PID")" FROZEN || return 1
  [ "$fz" = / ] && { why+="the init is in the root freezer cgroup"; return 1; }
  out "${PODMAN[@]}" unpause "$PD"
  expect_eq 'exit code of podman unpause' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
  expect_eq 'status after unpause' "$(pm_inspect "$PD" '{{.State.Status}}')" running || return 1
  expect_eq "freezer.state of freezer:$fz" "$(freezer_state "$PD_PID")" THAWED
}

pm_cgroups() {
  need_pd || return 1
  local want
  want=$(json 'j.linux.cgroupsPath' <"$PM/root/vfs-containers/$(pm_id "$PD")/userdata/config.json")
  [ -n "$want" ] || { why+="no cgroupsPath in the bundle's config.json"; return 1; }
  placed_in "$PD_PID" "$want"
}

pm_stop() {
  need_pd || return 1
  out "${PODMAN[@]}" stop -t 10 "$PD"
  expect_eq 'exit code of podman stop' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
  expect_eq 'status after stop' "$(pm_inspect "$PD" '{{.State.Status}}')" exited || return 1
  expect_eq 'exit code podman recorded' "$(pm_inspect "$PD" '{{.State.ExitCode}}')" 42 || return 1
  out "${PODMAN[@]}" rm "$PD"
  expect_eq 'exit code of podman rm' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
}

pm_rm_force() {
  local F=$PM_NAME-f
  out "${PODMAN[@]}" run -d --pull never --network none --name "$F" "$PM_IMAGE" sleep 1000
  expect_eq 'exit code of podman run -d' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
  wait_until 10 pm_is "$F" running || why+="status '$(pm_inspect "$F" '{{.State.Status}}')', want running"$'\n'
  out "${PODMAN[@]}" rm -f -t 2 "$F"
  expect_eq 'exit code of podman rm -f' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
  out "${PODMAN[@]}" ps -a --format '{{.Names}}'
  expect_no_match 'podman ps -a after rm -f' "$OUT" "^$F\$"
}

pm_kill() {
  local K=$PM_NAME-k
  out "${PODMAN[@]}" run -d --pull never --network none --name "$K" "$PM_IMAGE" sleep 1000
  expect_eq 'exit code of podman run -d' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
  wait_until 10 pm_is "$K" running || why+="status '$(pm_inspect "$K" '{{.State.Status}}')', want running"$'\n'
  out "${PODMAN[@]}" kill "$K"
  expect_eq 'exit code of podman kill' "$RC" 0 || why+="podman said: $OUT"$'\n'
  out "${PODMAN[@]}" wait "$K"
  local res=0
  expect_eq 'exit code podman wait prints' "$OUT" 137 || res=1
  t "${PODMAN[@]}" rm -f -t 0 "$K" >/dev/null 2>&1
  return $res
}

pm_memory_limit() {
  local M=$PM_NAME-mem pid lim res=0
  out "${PODMAN[@]}" run -d --pull never --network none --memory 32m --name "$M" "$PM_IMAGE" sleep 1000
  expect_eq 'exit code of podman run -d --memory 32m' "$RC" 0 || { why+="podman said: $OUT"; t "${PODMAN[@]}" rm -f -t 0 "$M" >/dev/null 2>&1; return 1; }
  if wait_until 10 pm_is "$M" running; then
    pid=$(pm_inspect "$M" '{{.State.Pid}}')
    lim=$(memory_limit "$pid")
    expect_eq "$(cgroup_file "$pid" memory memory.limit_in_bytes memory.max)" "$lim" 33554432 || res=1
  else
    why+="status '$(pm_inspect "$M" '{{.State.Status}}')', want running"$'\n'
    res=1
  fi
  t "${PODMAN[@]}" rm -f -t 0 "$M" >/dev/null 2>&1
  return $res
}

pm_update() {
  local U=$PM_NAME-upd pid f res=0
  out "${PODMAN[@]}" run -d --pull never --network none --memory 32m --name "$U" "$PM_IMAGE" sleep 1000
  expect_eq 'exit code of podman run -d --memory 32m' "$RC" 0 || { why+="podman said: $OUT"; t "${PODMAN[@]}" rm -f -t 0 "$U" >/dev/null 2>&1; return 1; }
  if wait_until 10 pm_is "$U" running; then
    out "${PODMAN[@]}" update --memory 64m "$U"
    expect_eq 'exit code of podman update --memory 64m' "$RC" 0 || { why+="podman said: $OUT"$'\n'; res=1; }
    pid=$(pm_inspect "$U" '{{.State.Pid}}')
    expect_eq "$(cgroup_file "$pid" memory memory.limit_in_bytes memory.max) after update" "$(memory_limit "$pid")" 67108864 || res=1
  else
    why+="status '$(pm_inspect "$U" '{{.State.Status}}')', want running"$'\n'
    res=1
  fi
  t "${PODMAN[@]}" rm -f -t 0 "$U" >/dev/null 2>&1
  return $res
}

pm_oom() {
  # Without a working limit the loop ends by itself (64 MiB string) and prints "survived".
  out "${PODMAN[@]}" run --rm --pull never --network none --memory 16m "$PM_IMAGE" \
    sh -c 'x=a; while [ ${#x} -lt 67108864 ]; do x=$x$x; done; echo survived'
  expect_eq 'exit code of podman run (OOM)' "$RC" 137 || { why+="podman said: $OUT"; return 1; }
  expect_no_match output "$OUT" survived
}

pm_readonly() {
  out "${PODMAN[@]}" run --rm --pull never --network none --read-only "$PM_IMAGE" \
    sh -c 'touch /probe 2>&1 && echo WRITABLE; awk '\''$2 == "/" { print "root-options", $4 }'\'' /proc/mounts; touch /tmp/probe && echo tmp-writable'
  expect_eq 'exit code of podman run --read-only' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
  expect_no_match 'touch /probe' "$OUT" WRITABLE &&
    expect_match 'touch /probe' "$OUT" 'Read-only file system' &&
    expect_match 'options of the / mount' "$OUT" '^root-options ro(,|$)' &&
    expect_match 'touch /tmp/probe' "$OUT" '^tmp-writable'
}

pm_net_none() {
  out "${PODMAN[@]}" run --rm --pull never --network none "$PM_IMAGE" sh -c "$NET_PROBE"
  expect_eq 'exit code of podman run' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
  net_only_lo "$OUT"
}

pm_net_host() {
  out "${PODMAN[@]}" run --rm --pull never --network host "$PM_IMAGE" cat /proc/net/dev
  expect_eq 'exit code of podman run' "$RC" 0 || { why+="podman said: $OUT"; return 1; }
  local inside host
  inside=$(sed -n 's/^ *\([^ :|]*\):.*/\1/p' <<<"$OUT" | sort | tr '\n' ' ')
  host=$(sed -n 's/^ *\([^ :|]*\):.*/\1/p' /proc/net/dev | sort | tr '\n' ' ')
  expect_eq 'interfaces in /proc/net/dev (inside vs host)' "$inside" "$host"
}

# pm_bg FILE CMD...: start CMD in the background, its output to FILE; its pid in $BG
pm_bg() {
  local outf=$1
  shift
  "$@" >"$outf" 2>&1 &
  BG=$!
}

pm_sdnotify() {
  local N=$PM_NAME-sdn sock=$PM/notify.sock log=$PM/notify.log res=0
  rm -f "$log" "$log.ready"
  # (no timeout(1) around it: the listener ends by itself after 30 s, and kill_pids reaches it)
  pm_bg "$PM/notify-listener.out" python3 "$repo/test/support/notify-listener.py" "$sock" "$log"
  local listener=$BG
  wait_until 10 test -e "$log.ready" || { why+="the notify listener did not start: $(cat "$PM/notify-listener.out")"; kill_pids $listener; return 1; }
  out env NOTIFY_SOCKET="$sock" "${PODMAN[@]}" run -d --sdnotify=container --pull never --network none --name "$N" "$PM_IMAGE" \
    sh -c 'sleep 0.5; hz-helper notify READY=1; sleep 1000'
  expect_eq 'exit code of podman run -d --sdnotify=container' "$RC" 0 || { why+="podman said: $OUT"$'\n'; res=1; }
  if [ $res -eq 0 ]; then
    wait_until 15 grep -q '^READY=1' "$log" || { why+="no READY=1 at $sock; it got: $(cat "$log" 2>/dev/null)"$'\n'; res=1; }
    expect_match 'MAINPID sent along' "$(cat "$log" 2>/dev/null)" '^MAINPID=[0-9]+' || res=1
  fi
  kill_pids $listener
  t "${PODMAN[@]}" rm -f -t 0 "$N" >/dev/null 2>&1
  return $res
}

pm_socket_activation() {
  local sock=$PM/activate.sock outf=$PM/activation.out res=0
  # as systemd does: the listening socket at fd 3, LISTEN_FDS=1, LISTEN_PID=podman's pid
  pm_bg "$outf" t python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"; os.environ["LISTEN_PID"] = str(os.getpid())
os.execvp(sys.argv[2], sys.argv[2:])' "$sock" "${PODMAN[@]}" run --rm --pull never --network none "$PM_IMAGE" \
    sh -c 'echo "LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID"; exec hz-helper accept-hello 3'
  local act=$BG
  wait_until 15 grep -q '^LISTEN_FDS=' "$outf" || { why+="the container did not start: $(cat "$outf")"$'\n'; kill_pids $act; return 1; }
  expect_eq 'environment in the container' "$(grep '^LISTEN_FDS=' "$outf")" 'LISTEN_FDS=1 LISTEN_PID=1' || res=1
  local got
  got=$(t python3 -c 'import socket, sys; c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1]); print(c.recv(100).decode(), end="")' "$sock" 2>&1)
  expect_eq 'what a client of the socket got from the container' "$got" 'hello from fd 3' || res=1
  wait $act
  expect_eq 'exit code of podman run' "$?" 0 || { why+="podman said: $(cat "$outf")"$'\n'; res=1; }
  return $res
}

# pm_ids: the ids of every container podman created in this run (from the wrapper's record).
pm_ids() { recorded_ids | grep -E '^[0-9a-f]{64}$'; }

pm_leftovers() {
  local res=0 left id root
  left=$(t "${PODMAN[@]}" ps -aq 2>&1)
  [ -n "$left" ] && { why+="podman still lists: $left"$'\n'; res=1; }
  root=/run/$RT_NAME
  for id in $(pm_ids); do
    [ -e "$root/$id" ] && { why+="runtime state left: $root/$id"$'\n'; res=1; }
    left=$(cgroups_left "$id")
    [ -n "$left" ] && { why+="cgroups left: $left"$'\n'; res=1; }
    left=$(mounts_matching "$id")
    [ -n "$left" ] && { why+="mounts left: $left"$'\n'; res=1; }
    left=$(leftover_processes | grep " $id ")
    [ -n "$left" ] && { why+="container processes still running: $left"$'\n'; res=1; }
  done
  wait_until 5 test -z "$(pids_with_arg "$PM/")" ||
    { why+="conmon/podman processes still running: $(pids_with_arg "$PM/" | tr '\n' ' ')"$'\n'; res=1; }
  left=$(mounts_matching "$PM/")
  [ -n "$left" ] && { why+="mounts left: $left"$'\n'; res=1; }
  return $res
}

pm_cleanup() {
  [ -n "${PM:-}" ] && [ -d "$PM" ] || return 0
  local id
  if command -v podman >/dev/null; then
    timeout 60 "${PODMAN[@]}" rm -af -t 0 >/dev/null 2>&1
    timeout 30 "${PODMAN[@]}" rmi -af >/dev/null 2>&1
  fi
  # shellcheck disable=SC2046
  kill_pids $(pids_with_arg "$PM/")
  for id in $(pm_ids); do
    # shellcheck disable=SC2046
    kill_pids $(leftover_processes | grep " $id " | sed 's/.* pid \([0-9]*\):.*/\1/')
    timeout 10 "$RUNTIME" delete --force "$id" >/dev/null 2>&1
    rm -rf "/run/$RT_NAME/${id:?}"
    rmdir_cgroups "$id"
  done
  unmount_under "$PM"
  PM=''
}
