# lib.sh — shared helpers for scripts/clients-test.sh (sourced, bash).
#
# A scenario is a shell function that returns 0 (pass) or non-zero (fail) and, on failure, puts
# the reason in $why. `scenario NAME FN` runs it, prints exactly one PASS/FAIL line, and under a
# FAIL line the reason and the runtime calls the client made during the scenario (from the
# wrapper log), indented with "  | ".

PASSED=0 FAILED=0
FAILED_NAMES=()
STEP_TIMEOUT=${STEP_TIMEOUT:-30}

# t CMD...: every client call goes through here; bounded, killed hard 5 s after the soft timeout.
t() { timeout -k 5 "$STEP_TIMEOUT" "$@"; }

# out CMD...: run CMD under t, stdout+stderr in $OUT, status in $RC; never fails.
out() {
  OUT=$(t "$@" 2>&1 </dev/null)
  RC=$?
  return 0
}

# tty_out CMD-STRING: like out, but under a pseudo-terminal (script(1)), for `-t` client calls
# that insist their stdin is a console.
tty_out() {
  OUT=$(t script -qefc "$1" /dev/null </dev/null 2>&1 | tr -d '\r')
  RC=${PIPESTATUS[0]}
  return 0
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s until it succeeds or SECONDS pass.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  while :; do
    "$@" && return 0
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.2
  done
}

log_mark() { wc -l <"$WRAPPER_LOG" 2>/dev/null || echo 0; }

# calls_since MARK: the runtime calls logged after line MARK, long lines cut to 600 chars.
calls_since() {
  tail -n +"$(($1 + 1))" "$WRAPPER_LOG" 2>/dev/null | cut -c1-600
}

scenario() {
  local name=$1 fn=$2 mark rc started
  mark=$(log_mark)
  why=''
  started=$SECONDS
  "$fn"
  rc=$?
  if [ $rc -eq 0 ]; then
    PASSED=$((PASSED + 1))
    printf 'PASS %s (%ss)\n' "$name" $((SECONDS - started))
  else
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("$name")
    printf 'FAIL %s (%ss)\n' "$name" $((SECONDS - started))
    printf '%s\n' "${why:-no reason given}" | sed 's/^/  | /'
    local calls
    calls=$(calls_since "$mark")
    if [ -n "$calls" ]; then
      echo '  | runtime calls during this scenario:'
      printf '%s\n' "$calls" | sed 's/^/  |   /'
    fi
  fi
  return 0
}

# skip_all PREFIX REASON NAME...: count every named scenario as failed with one reason (the
# client could not even be set up).
skip_all() {
  local prefix=$1 reason=$2
  shift 2
  local n
  for n in "$@"; do
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("$prefix: $n")
    printf 'FAIL %s: %s\n' "$prefix" "$n"
    printf '%s\n' "$reason" | sed 's/^/  | /'
  done
}

# expect_eq WHAT GOT WANT: sets $why and fails when they differ.
expect_eq() {
  if [ "$2" != "$3" ]; then
    why+="$1: got '$2', want '$3'"$'\n'
    return 1
  fi
}
# expect_match WHAT TEXT EXTENDED-REGEX
expect_match() {
  if ! grep -Eq -- "$3" <<<"$2"; then
    why+="$1: no match for /$3/ in: $(head -c 800 <<<"$2")"$'\n'
    return 1
  fi
}
expect_no_match() {
  if grep -Eq -- "$3" <<<"$2"; then
    why+="$1: unexpected /$3/ in: $(head -c 800 <<<"$2")"$'\n'
    return 1
  fi
}

# json EXPR: evaluate a JS expression on the JSON document read from stdin (bound to j);
# prints the result (strings bare, others as JSON). Node is what hezi runs on, so it is here.
json() {
  node -e '
    let j; try { j = JSON.parse(require("fs").readFileSync(0, "utf8")); } catch (e) { process.exit(3); }
    let v; try { v = eval(process.argv[1]); } catch (e) { process.exit(4); }
    if (v === undefined) process.exit(5);
    console.log(typeof v === "string" ? v : JSON.stringify(v));
  ' "$1"
}

# --- cgroups: v1 (legacy or hybrid) and pure v2 ------------------------------------------------
CG_V2=0
[ -f /sys/fs/cgroup/cgroup.controllers ] && CG_V2=1

# cgroup_of PID CONTROLLER: the cgroup path of PID for CONTROLLER ("" when unknown); on a pure
# v2 host the unified path, whatever the controller.
cgroup_of() {
  if [ $CG_V2 = 1 ]; then
    sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null | head -1
  else
    awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
      "/proc/$1/cgroup" 2>/dev/null | head -1
  fi
}

# cgroup_file PID CONTROLLER V1-FILE V2-FILE: the path of that interface file for PID's cgroup.
cgroup_file() {
  if [ $CG_V2 = 1 ]; then
    echo "/sys/fs/cgroup$(cgroup_of "$1" "$2")/$4"
  else
    echo "/sys/fs/cgroup/$2$(cgroup_of "$1" "$2")/$3"
  fi
}

# freezer_state PID: FROZEN or THAWED (v1 freezer.state; v2 cgroup.events "frozen 0|1").
freezer_state() {
  if [ $CG_V2 = 1 ]; then
    case "$(sed -n 's/^frozen //p' "$(cgroup_file "$1" freezer - cgroup.events)" 2>/dev/null)" in
      1) echo FROZEN ;; 0) echo THAWED ;; esac
  else
    cat "$(cgroup_file "$1" freezer freezer.state -)" 2>/dev/null
  fi
}

# memory_limit PID: the memory limit of PID's cgroup in bytes (v1 memory.limit_in_bytes, v2
# memory.max).
memory_limit() { cat "$(cgroup_file "$1" memory memory.limit_in_bytes memory.max)" 2>/dev/null; }

# task_count PID: threads in PID's cgroup (what pids.current counts).
task_count() { wc -l <"$(cgroup_file "$1" pids tasks cgroup.threads)" 2>/dev/null; }

# placed_in PID WANT: PID is at cgroup path WANT in every v1 controller (or in v2); adds to $why.
placed_in() {
  local pid=$1 want=$2 c got ok=0 ctrls='cpu cpuacct memory pids freezer devices blkio'
  [ $CG_V2 = 1 ] && ctrls=unified
  for c in $ctrls; do
    [ $CG_V2 = 1 ] || [ -d "/sys/fs/cgroup/$c" ] || continue
    got=$(cgroup_of "$pid" $c)
    if [ "$got" != "$want" ]; then
      why+="the init (pid $pid) is in $c:$got, not in the config's cgroupsPath $want"$'\n'
      ok=1
    fi
  done
  return $ok
}

# alive PID STARTTIME: the process exists, is not a zombie, and is the same process (start time).
alive() {
  local stat
  stat=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$stat" ] || return 1
  [ "${stat%% *}" = Z ] && return 1
  [ "$2" = '?' ] && return 0
  [ "$(cut -d' ' -f20 <<<"$stat")" = "$2" ]
}

# pids_with_arg STRING: pids (not zombies, not us) whose command line contains STRING.
pids_with_arg() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = $$ ] || [ "$p" = "$BASHPID" ] && continue
    if { tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -qF -- "$1"; then
      alive "$p" '?' && echo "$p"
    fi
  done
}

# recorded_ids: every container id the wrapper saw created (first column "create").
recorded_ids() { awk '$1 == "create" { print $2 }' "$WRAPPER_LOG.pids" 2>/dev/null | sort -u; }

# leftover_processes: "cmd id pid" for every recorded container process still alive.
leftover_processes() {
  local cmd id pid st
  while read -r cmd id pid st; do
    [ -n "$pid" ] && alive "$pid" "$st" && echo "$cmd $id pid $pid: $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)"
  done <"$WRAPPER_LOG.pids" 2>/dev/null
  return 0
}

# cgroup_dirs_named NAME: cgroup directories (any hierarchy, v1 or v2) whose name contains NAME.
cgroup_dirs_named() {
  find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name "*$1*" 2>/dev/null
}

# cgroups_left NAME: cgroup_dirs_named NAME, one line per path with its hierarchies:
#   /ns/id (memory,pids,...)
cgroups_left() {
  cgroup_dirs_named "$1" | sed -n 's#^/sys/fs/cgroup/\([^/]*\)\(/.*\)$#\2 \1#p' | sort |
    awk '$1 != p { if (p != "") print p " (" h ")"; p = $1; h = $2; next } { h = h "," $2 } END { if (p != "") print p " (" h ")" }'
}

# mounts_matching STRING: mount points (ours) that contain STRING.
mounts_matching() {
  awk '{ print $5 }' /proc/self/mountinfo | grep -F -- "$1" || true
}

# kill_pids PID...: SIGKILL exactly these processes (all started by this test run).
kill_pids() {
  local p
  for p in "$@"; do kill -9 "$p" 2>/dev/null || true; done
}

# unmount_under DIR: lazily unmount every mount at or below DIR, deepest first.
unmount_under() {
  local m
  awk '{ print $5 }' /proc/self/mountinfo | grep -E "^$1(/|$)" | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}

# rmdir_cgroups NAME: remove (deepest first) the cgroup directories whose name contains NAME,
# after killing what is still in them.
rmdir_cgroups() {
  local d
  cgroup_dirs_named "$1" | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2- | while read -r d; do
    # shellcheck disable=SC2046
    kill_pids $(cat "$d/cgroup.procs" 2>/dev/null)
    rmdir "$d" 2>/dev/null || { sleep 0.3; rmdir "$d" 2>/dev/null; } || true
  done
}

# NET_PROBE: what net_only_lo reads; /proc/net/dev's lines are marked "dev ".
NET_PROBE='awk '\''{ print "dev", $0 }'\'' /proc/net/dev; ip -o link; ip -o addr'

# net_only_lo OUTPUT: /proc/net/dev lists only lo, `ip -o link` shows lo UP, lo has 127.0.0.1.
net_only_lo() {
  local ifs
  ifs=$(sed -n 's/^dev *\([^ :|]*\):.*/\1/p' <<<"$1" | sort | tr '\n' ' ')
  expect_eq 'interfaces in /proc/net/dev' "$ifs" 'lo ' || return 1
  expect_match 'lo is up (ip -o link)' "$1" '^1: lo: <[^>]*\bUP\b' &&
    expect_match 'lo has 127.0.0.1 (ip -o addr)' "$1" 'inet 127\.0\.0\.1/8'
}
