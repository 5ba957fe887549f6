# containerd.sh — the containerd scenarios of scripts/clients-test.sh (sourced, bash).
#
# A private containerd (root, state, sockets under $T/containerd, CRI disabled) runs the tasks
# through its stock shim, containerd-shim-runc-v2, with the runtime under test chosen per call:
#   ctr run --runtime io.containerd.runc.v2 --runc-binary <wrapper> --runc-root <dir> \
#           --fifo-dir <dir> ...
# The shim then calls `<runtime> --root <dir>/<ns> --log <bundle>/log.json --log-format json
# create|start|exec|ps|pause|resume|kill|delete ...`. Metrics and OOM events never reach the
# runtime: the shim reads the init's cgroups itself (found through /proc/<pid>/cgroup).
# containerd 1.6 still uses /run/containerd/s for shim sockets (removed when a shim exits).
#
# Needs from the main script: T, TAG, RT_BIN (the logging wrapper), WRAPPER_LOG, IMAGE_TAR.

CD_SCENARIOS=(
  "run --rm: exit code and output:cd_run_rm"
  "run --rm -t: a terminal for the init (--console-socket):cd_run_tty"
  "run -d: detached task is RUNNING:cd_run_detached"
  "task exec: output and exit code:cd_exec"
  "task exec -t: a terminal for the exec:cd_exec_tty"
  "task ps: lists the init and an exec:cd_ps"
  "task pause/resume: PAUSED, frozen, RUNNING again:cd_pause"
  "task metrics: the init is in its own cgroups:cd_metrics"
  "task kill (SIGTERM default): the init's handler runs, exit 42:cd_kill_term"
  "task kill -s KILL: ctr run exits 137:cd_kill_kill"
  "--memory-limit: the limit in the task's cgroup and in metrics:cd_memory_limit"
  "--memory-limit: OOM kill is exit 137:cd_oom"
  "--read-only: the rootfs is read-only:cd_readonly"
  "network namespace: only lo, and lo is up:cd_netns"
  "nothing left behind:cd_leftovers"
)

CD_IMAGE=docker.io/library/hezi-clients-busybox:latest

cd_setup() {
  CD=$T/containerd
  CD_NS=hezi-clients-$TAG
  CD_ID=ct$TAG # every container id starts with this
  mkdir -p "$CD"
  local bin
  for bin in containerd ctr containerd-shim-runc-v2; do
    command -v $bin >/dev/null || { why="$bin is not installed (apt-get install containerd)"; return 1; }
  done
  cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
[debug]
  level = "debug"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CD/opt"
EOF
  containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 </dev/null &
  CD_PID=$!
  CTR=(ctr --address "$CD/containerd.sock" --namespace "$CD_NS")
  RUNC_OPTS=(--runtime io.containerd.runc.v2 --runc-binary "$RT_BIN" --runc-root "$CD/runc" --fifo-dir "$CD/fifo")
  if ! wait_until 20 "${CTR[@]}" version >/dev/null 2>&1; then
    why="containerd did not come up: $(tail -5 "$CD/containerd.log")"
    return 1
  fi
  out "${CTR[@]}" image import "$IMAGE_TAR"
  if [ $RC -ne 0 ]; then why="ctr image import failed: $OUT"; return 1; fi
  return 0
}

# cd_status ID: the task's status column in `ctr task ls` (RUNNING, PAUSED, STOPPED, ...).
cd_status() { t "${CTR[@]}" task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'; }
cd_pid() { t "${CTR[@]}" task ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }
cd_is() { [ "$(cd_status "$1")" = "$2" ]; }
cd_bundle() { echo "$CD/state/io.containerd.runtime.v2.task/$CD_NS/$1"; }

# cd_remove ID: end a task the way a user would (kill -s KILL, task delete, container rm).
cd_remove() {
  if [ -n "$(cd_status "$1")" ]; then
    cd_is "$1" STOPPED || t "${CTR[@]}" task kill -a -s KILL "$1" >/dev/null 2>&1
    wait_until 10 cd_is "$1" STOPPED
    t "${CTR[@]}" task delete "$1" >/dev/null 2>&1
  fi
  t "${CTR[@]}" container rm "$1" >/dev/null 2>&1
  return 0
}

# cd_cgroups_ok PID ID: PID is at the config's cgroupsPath (every v1 controller, or v2).
cd_cgroups_ok() {
  placed_in "$1" "$(json 'j.linux.cgroupsPath' <"$(cd_bundle "$2")/config.json")"
}

cd_run_rm() {
  out "${CTR[@]}" run --rm "${RUNC_OPTS[@]}" "$CD_IMAGE" "$CD_ID-rm" sh -c 'echo hello-from-container; exit 3'
  expect_eq 'exit code of ctr run' "$RC" 3 && expect_match output "$OUT" '^hello-from-container'
}

cd_run_tty() {
  tty_out "$(printf '%q ' "${CTR[@]}" run --rm -t "${RUNC_OPTS[@]}" "$CD_IMAGE" "$CD_ID-tty" sh -c 'tty; exit 6')"
  expect_eq 'exit code of ctr run -t' "$RC" 6 && expect_match 'tty inside' "$OUT" '/dev/pts/[0-9]+'
}

D=''
cd_run_detached() {
  D=$CD_ID-d
  out "${CTR[@]}" run -d "${RUNC_OPTS[@]}" "$CD_IMAGE" "$D" sh -c 'trap "exit 42" TERM; while :; do sleep 1 & wait; done'
  expect_eq 'exit code of ctr run -d' "$RC" 0 || { why+="$OUT"; return 1; }
  if ! wait_until 10 cd_is "$D" RUNNING; then
    why+="task status is '$(cd_status "$D")', want RUNNING"
    return 1
  fi
  D_PID=$(cd_pid "$D")
  [ -n "$D_PID" ] && [ -d "/proc/$D_PID" ] || { why+="task pid '$D_PID' does not exist on the host"; return 1; }
}

need_d() {
  [ -n "$D" ] && cd_is "$D" RUNNING && return 0
  why="needs the detached task of 'run -d', which is not RUNNING (status '$(cd_status "$D")')"
  return 1
}

cd_exec() {
  need_d || return 1
  out "${CTR[@]}" task exec --fifo-dir "$CD/fifo" --exec-id x1 "$D" sh -c 'echo in-exec; exit 4'
  expect_eq 'exit code of ctr task exec' "$RC" 4 && expect_match output "$OUT" '^in-exec'
  local rc=$?
  [ $rc -ne 0 ] && why+="ctr said: $OUT"$'\n'
  return $rc
}

cd_exec_tty() {
  need_d || return 1
  tty_out "$(printf '%q ' "${CTR[@]}" task exec -t --fifo-dir "$CD/fifo" --exec-id x2 "$D" sh -c 'tty; exit 5')"
  expect_eq 'exit code of ctr task exec -t' "$RC" 5 && expect_match 'tty inside' "$OUT" '/dev/pts/[0-9]+'
  local rc=$?
  [ $rc -ne 0 ] && why+="ctr said: $OUT"$'\n'
  return $rc
}

cd_ps() {
  need_d || return 1
  out "${CTR[@]}" task exec -d --fifo-dir "$CD/fifo" --exec-id x3 "$D" sleep 31
  expect_eq 'exit code of ctr task exec -d sleep 31' "$RC" 0 || { why+="$OUT"; return 1; }
  out "${CTR[@]}" task ps "$D"
  expect_eq 'exit code of ctr task ps' "$RC" 0 || { why+="ctr said: $OUT"; return 1; }
  local pids p found=''
  pids=$(awk 'NR > 1 { print $1 }' <<<"$OUT")
  grep -qx "$D_PID" <<<"$pids" || { why+="ctr task ps does not list the init pid $D_PID: $OUT"; return 1; }
  for p in $pids; do
    [ "$({ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null)" = 'sleep 31 ' ] && found=$p
  done
  [ -n "$found" ] || { why+="ctr task ps does not list the exec'd 'sleep 31': $OUT"; return 1; }
}

cd_pause() {
  need_d || return 1
  local fz
  fz=$(cgroup_of "$D_PID" freezer)
  out "${CTR[@]}" task pause "$D"
  expect_eq 'exit code of ctr task pause' "$RC" 0 || { why+="ctr said: $OUT"; return 1; }
  expect_eq 'status after pause' "$(cd_status "$D")" PAUSED || return 1
  expect_eq "freezer.state of freezer:$fz" "$(freezer_state "$D_PID")" FROZEN || return 1
  [ "$fz" = / ] && { why+="the init is in the root freezer cgroup"; return 1; }
  out "${CTR[@]}" task resume "$D"
  expect_eq 'exit code of ctr task resume' "$RC" 0 || { why+="ctr said: $OUT"; return 1; }
  expect_eq 'status after resume' "$(cd_status "$D")" RUNNING || return 1
  expect_eq "freezer.state of freezer:$fz" "$(freezer_state "$D_PID")" THAWED
}

cd_metrics() {
  need_d || return 1
  cd_cgroups_ok "$D_PID" "$D" || return 1
  local try cur procs1 procs2
  for try in 1 2 3; do
    procs1=$(task_count "$D_PID")
    out "${CTR[@]}" task metrics --format json "$D"
    procs2=$(task_count "$D_PID")
    expect_eq 'exit code of ctr task metrics' "$RC" 0 || { why+="ctr said: $OUT"; return 1; }
    cur=$(json 'j.pids.current' <<<"$OUT")
    [ "$cur" = "$procs1" ] || [ "$cur" = "$procs2" ] && break
  done
  expect_eq "metrics pids.current vs the tasks in $(cgroup_file "$D_PID" pids tasks cgroup.threads)" "$cur" "$procs2"
}

cd_kill_term() {
  need_d || return 1
  out "${CTR[@]}" task kill "$D"
  expect_eq 'exit code of ctr task kill' "$RC" 0 || { why+="ctr said: $OUT"; return 1; }
  wait_until 10 cd_is "$D" STOPPED || { why+="status '$(cd_status "$D")' 10 s after SIGTERM, want STOPPED"; return 1; }
  out "${CTR[@]}" task delete "$D"
  expect_eq 'exit code of ctr task delete' "$RC" 0 || { why+="ctr said: $OUT"; return 1; }
  expect_match 'exit status ctr task delete reports' "$OUT" 'exit code 42' || return 1
  out "${CTR[@]}" container rm "$D"
  expect_eq 'exit code of ctr container rm' "$RC" 0 || { why+="ctr said: $OUT"; return 1; }
}

cd_kill_kill() {
  local K=$CD_ID-k bg rc
  t "${CTR[@]}" run --rm "${RUNC_OPTS[@]}" "$CD_IMAGE" "$K" sleep 60 </dev/null >"$T/cd-kill.out" 2>&1 &
  bg=$!
  if ! wait_until 10 cd_is "$K" RUNNING; then
    why+="task never RUNNING (status '$(cd_status "$K")'): $(cat "$T/cd-kill.out")"
    kill "$bg" 2>/dev/null; wait "$bg"; cd_remove "$K"
    return 1
  fi
  out "${CTR[@]}" task kill -s KILL "$K"
  expect_eq 'exit code of ctr task kill -s KILL' "$RC" 0 || why+="ctr said: $OUT"$'\n'
  wait "$bg"
  rc=$?
  expect_eq 'exit code of ctr run after SIGKILL' "$rc" 137 || { why+="ctr run said: $(cat "$T/cd-kill.out")"; cd_remove "$K"; return 1; }
}

cd_memory_limit() {
  local M=$CD_ID-mem pid lim mlim res=0
  out "${CTR[@]}" run -d --memory-limit 33554432 "${RUNC_OPTS[@]}" "$CD_IMAGE" "$M" sleep 60
  expect_eq 'exit code of ctr run -d --memory-limit' "$RC" 0 || { why+="ctr said: $OUT"; cd_remove "$M"; return 1; }
  if wait_until 10 cd_is "$M" RUNNING; then
    pid=$(cd_pid "$M")
    lim=$(memory_limit "$pid")
    expect_eq "$(cgroup_file "$pid" memory memory.limit_in_bytes memory.max)" "$lim" 33554432 || res=1
    out "${CTR[@]}" task metrics --format json "$M"
    # v1 metrics: memory.usage.limit; v2 metrics: memory.usage_limit
    mlim=$(json 'j.memory.usage && j.memory.usage.limit !== undefined ? j.memory.usage.limit : j.memory.usage_limit' <<<"$OUT")
    expect_eq 'memory limit in ctr task metrics' "$mlim" 33554432 || res=1
  else
    why+="task never RUNNING (status '$(cd_status "$M")')"$'\n'
    res=1
  fi
  cd_remove "$M"
  return $res
}

cd_oom() {
  # Without a working limit the loop ends by itself (64 MiB string) and prints "survived".
  out "${CTR[@]}" run --rm --memory-limit 16777216 "${RUNC_OPTS[@]}" "$CD_IMAGE" "$CD_ID-oom" \
    sh -c 'x=a; while [ ${#x} -lt 67108864 ]; do x=$x$x; done; echo survived'
  expect_eq 'exit code of ctr run (OOM)' "$RC" 137 || { why+="ctr said: $OUT"; cd_remove "$CD_ID-oom"; return 1; }
  expect_no_match output "$OUT" survived
}

cd_readonly() {
  out "${CTR[@]}" run --rm --read-only "${RUNC_OPTS[@]}" "$CD_IMAGE" "$CD_ID-ro" \
    sh -c 'touch /probe 2>&1 && echo WRITABLE; awk '\''$2 == "/" { print "root-options", $4 }'\'' /proc/mounts'
  expect_eq 'exit code of ctr run --read-only' "$RC" 0 || { why+="ctr said: $OUT"; return 1; }
  expect_no_match 'touch /probe' "$OUT" WRITABLE &&
    expect_match 'touch /probe' "$OUT" 'Read-only file system' &&
    expect_match 'options of the / mount' "$OUT" '^root-options ro(,|$)'
}

cd_netns() {
  out "${CTR[@]}" run --rm "${RUNC_OPTS[@]}" "$CD_IMAGE" "$CD_ID-net" sh -c "$NET_PROBE"
  expect_eq 'exit code of ctr run' "$RC" 0 || { why+="ctr said: $OUT"; return 1; }
  net_only_lo "$OUT"
}

cd_leftovers() {
  local res=0 left
  left=$(t "${CTR[@]}" task ls -q 2>&1; t "${CTR[@]}" container ls -q 2>&1)
  [ -n "$left" ] && { why+="containerd still lists: $left"$'\n'; res=1; }
  left=$(ls -A "$CD/runc/$CD_NS" 2>/dev/null | tr '\n' ' ')
  [ -n "$left" ] && { why+="runtime state left in $CD/runc/$CD_NS: $left"$'\n'; res=1; }
  wait_until 5 test -z "$(pids_with_arg "$CD/containerd.sock")" ||
    { why+="shims still running: $(pids_with_arg "$CD/containerd.sock" | tr '\n' ' ')"$'\n'; res=1; }
  left=$(leftover_processes | grep " $CD_ID-")
  [ -n "$left" ] && { why+="container processes still running: $left"$'\n'; res=1; }
  left=$(cgroups_left "$CD_ID-")
  [ -n "$left" ] && { why+="cgroups left: $left"$'\n'; res=1; }
  left=$(mounts_matching "$CD/"; mounts_matching "$CD_ID-")
  [ -n "$left" ] && { why+="mounts left: $left"$'\n'; res=1; }
  return $res
}

# cd_cleanup: idempotent, also after a failure or an interrupt; kills only what this run started.
cd_cleanup() {
  [ -n "${CD:-}" ] && [ -d "$CD" ] || return 0
  local id p
  if [ -n "${CD_PID:-}" ] && kill -0 "$CD_PID" 2>/dev/null; then
    for id in $(timeout 10 "${CTR[@]}" task ls -q 2>/dev/null); do
      timeout 10 "${CTR[@]}" task kill -a -s KILL "$id" >/dev/null 2>&1
      timeout 10 "${CTR[@]}" task delete -f "$id" >/dev/null 2>&1
    done
    for id in $(timeout 10 "${CTR[@]}" container ls -q 2>/dev/null); do
      timeout 10 "${CTR[@]}" container rm "$id" >/dev/null 2>&1
    done
    timeout 10 "${CTR[@]}" image rm "$CD_IMAGE" >/dev/null 2>&1
    timeout 10 "${CTR[@]}" namespace rm "$CD_NS" >/dev/null 2>&1
    kill "$CD_PID" 2>/dev/null
    wait_until 10 eval '! kill -0 "$CD_PID" 2>/dev/null' || kill -9 "$CD_PID" 2>/dev/null
    wait "$CD_PID" 2>/dev/null
  fi
  # shellcheck disable=SC2046
  kill_pids $(pids_with_arg "$CD/containerd.sock")
  # shellcheck disable=SC2046
  kill_pids $(leftover_processes | grep " $CD_ID-" | sed 's/.* pid \([0-9]*\):.*/\1/')
  rmdir_cgroups "$CD_ID-"
  rmdir_cgroups "$CD_NS"
  unmount_under "$CD"
  CD_PID=''
}
