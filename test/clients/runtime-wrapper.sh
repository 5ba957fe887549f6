#!/usr/bin/env bash
# runtime-wrapper.sh — stands in front of the runtime under test and records every call a client
# (containerd's shim, podman, conmon) makes: argv, the process.json of `exec --process`, stdin of
# `update -r -`, exit code and duration, and stdout/stderr of the commands that hand no fds to a
# container. Configured by wrapper.env next to this file (REAL_RUNTIME, WRAPPER_LOG), written by
# scripts/clients-test.sh, because neither containerd nor podman pass our environment through.
#
# create/run/exec/restore are run with the caller's stdio untouched: the container inherits it.
set -u
here=${BASH_SOURCE[0]%/*}
# shellcheck source=/dev/null
. "$here/wrapper.env"

q() { local a out=''; for a in "$@"; do out+=" $(printf '%q' "$a")"; done; printf '%s' "${out# }"; }
logblock() { { flock 9; printf '%s\n' "$1" >&9; } 9>>"$WRAPPER_LOG"; }

# the command name: the first argument that is not a global flag (or its value)
cmd='' i=0 args=("$@")
while [ $i -lt ${#args[@]} ]; do
  a=${args[$i]}
  case "$a" in
    --root | --log | --log-format | --criu | --rootless) i=$((i + 2)); continue ;;
    -*) i=$((i + 1)); continue ;;
    *) cmd=$a; break ;;
  esac
done

extra=''
case "$cmd" in
  exec) # record the process.json it was given
    for ((j = 0; j < ${#args[@]}; j++)); do
      case "${args[$j]}" in
        --process | -p) f=${args[$((j + 1))]:-} ;;
        --process=*) f=${args[$j]#--process=} ;;
        *) continue ;;
      esac
      [ -r "$f" ] && extra+=$'\n'"    process.json: $(tr -d '\n' <"$f" | head -c 3000)"
    done ;;
  update) # record the resources file it was given (stdin is recorded below)
    for ((j = 0; j < ${#args[@]}; j++)); do
      case "${args[$j]}" in
        --resources | -r) f=${args[$((j + 1))]:-} ;;
        --resources=* | -r=*) f=${args[$j]#*=} ;;
        *) continue ;;
      esac
      [ "$f" != - ] && [ -r "$f" ] && extra+=$'\n'"    resources: $(tr -d '\n' <"$f" | head -c 3000)"
    done ;;
esac

start=$(date +%s%N)
case "$cmd" in
  create | run | exec | restore)
    "$REAL_RUNTIME" "$@"
    rc=$?
    out='' err='' ;;
  *)
    tmp=$(mktemp -d /tmp/hezi-wrap.XXXXXX)
    if [ "$cmd" = update ] && [[ " $* " == *" -r - "* || " $* " == *" --resources - "* || " $* " == *" -r=- "* ]]; then
      cat >"$tmp/in"
      extra+=$'\n'"    stdin: $(tr -d '\n' <"$tmp/in" | head -c 3000)"
      "$REAL_RUNTIME" "$@" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
    else
      "$REAL_RUNTIME" "$@" >"$tmp/out" 2>"$tmp/err"
    fi
    rc=$?
    out=$(head -c 4000 "$tmp/out") err=$(head -c 4000 "$tmp/err")
    cat "$tmp/out"
    cat "$tmp/err" >&2
    rm -rf "$tmp" ;;
esac
ms=$((($(date +%s%N) - start) / 1000000))

# create/exec that succeeded: record "<cmd> <id> <pid> <starttime>" (from --pid-file) so the test
# can later prove the process is gone (the start time guards against a reused pid)
if [ $rc -eq 0 ] && { [ "$cmd" = create ] || [ "$cmd" = exec ]; }; then
  pidfile=''
  for ((j = 0; j < ${#args[@]}; j++)); do
    case "${args[$j]}" in
      --pid-file) pidfile=${args[$((j + 1))]:-} ;;
      --pid-file=*) pidfile=${args[$j]#--pid-file=} ;;
    esac
  done
  if [ -n "$pidfile" ] && [ -r "$pidfile" ]; then
    pid=$(tr -dc 0-9 <"$pidfile")
    st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f20)
    { flock 9; echo "$cmd ${args[$((${#args[@]} - 1))]} $pid ${st:-?}" >&9; } 9>>"$WRAPPER_LOG.pids"
  fi
fi

block="$(date +%T.%3N) [$$ ppid $PPID $(tr '\0' ' ' </proc/$PPID/comm 2>/dev/null)] $(q "$@")  => rc $rc (${ms}ms)$extra"
[ -n "$out" ] && block+=$'\n'"    stdout: ${out//$'\n'/$'\n'            }"
[ -n "$err" ] && block+=$'\n'"    stderr: ${err//$'\n'/$'\n'            }"
logblock "$block"
exit $rc
