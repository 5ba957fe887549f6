#!/usr/bin/env bash
# clients-test.sh — the runtime as a drop-in for real clients: containerd 1.6 (ctr and its stock
# shim, containerd-shim-runc-v2) and podman 4.3 (with conmon). Issue #5.
#
#   sudo scripts/clients-test.sh                              # hezi (./bin/hezi)
#   sudo RUNTIME=/usr/sbin/runc scripts/clients-test.sh       # the same scenarios against runc
#
# Needs root, `apt-get install containerd podman busybox-static`, a C compiler (for the static test
# helper), python3, and no network: the image is a busybox-static rootfs (scripts/make-rootfs.sh)
# with test/support/hz-helper packed locally as an OCI archive for `ctr image import` and as a
# plain tar for `podman import`. Runs of it on one machine take turns (flock /work/clients.lock when
# that exists, else $TMPDIR/hezi-clients.lock): podman keeps container state in /run/<runtime>.
#
# Prints one PASS/FAIL line per scenario (a FAIL is followed by "  | " lines: the reason and the
# runtime calls the client made meanwhile, as recorded by test/clients/runtime-wrapper.sh), then
# the last line "N passed, M failed". Exit status 0 only when nothing failed. Every client call
# runs under timeout(1); a private containerd and everything else this run started is stopped
# and removed at exit, also on failure or interrupt.
#
# Environment:
#   RUNTIME       the runtime binary under test (default: <repo>/bin/hezi)
#   CLIENTS       which clients to test (default: "containerd podman")
#   STEP_TIMEOUT  seconds allowed for each client call (default: 30)
#   LOG_DIR       if set, the runtime call log, recorded pids and containerd's log are copied here
#   KEEP=1        keep the work dir (/tmp/hezi-clients.XXXXXX) instead of removing it
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNTIME=${RUNTIME:-$repo/bin/hezi}
CLIENTS=${CLIENTS:-containerd podman}

# shellcheck source=../test/clients/lib.sh
. "$repo/test/clients/lib.sh"
# shellcheck source=../test/clients/containerd.sh
. "$repo/test/clients/containerd.sh"
# shellcheck source=../test/clients/podman.sh
. "$repo/test/clients/podman.sh"

started_at=$SECONDS

finish() {
  echo "# took $((SECONDS - started_at))s"
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

if [ "$(id -u)" -ne 0 ]; then
  echo "FAIL setup: $0 needs root (containerd, podman and the runtime create namespaces and cgroups)"
  FAILED=1
  finish
  exit 1
fi

case "$RUNTIME" in /*) ;; *) RUNTIME=$PWD/$RUNTIME ;; esac
if [ ! -x "$RUNTIME" ]; then
  echo "FAIL setup: RUNTIME=$RUNTIME is not an executable"
  FAILED=1
  finish
  exit 1
fi
RT_NAME=$(basename "$RUNTIME")
if ! command -v node >/dev/null; then
  echo "FAIL setup: node is not on PATH (the checks read JSON with it; hezi needs it anyway)"
  FAILED=1
  finish
  exit 1
fi

# one run at a time on this machine: podman passes no --root, so its containers' state is shared
lock=/work/clients.lock
[ -d /work ] && [ -w /work ] || lock=${TMPDIR:-/tmp}/hezi-clients.lock
exec 8>"$lock"
flock 8

TAG=$$
T=$(mktemp -d /tmp/hezi-clients.XXXXXX)
chmod 0711 "$T"
# clients drop files in their cwd (conmon writes an "oom" marker there): keep them in the work dir
cd "$T"

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  cd_cleanup
  pm_cleanup
  if [ -n "${LOG_DIR:-}" ]; then
    mkdir -p "$LOG_DIR"
    cp -f "$WRAPPER_LOG" "$WRAPPER_LOG.pids" "$LOG_DIR/" 2>/dev/null
    cp -f "$T/containerd/containerd.log" "$LOG_DIR/" 2>/dev/null
  fi
  unmount_under "$T"
  if [ "${KEEP:-0}" = 1 ]; then
    echo "# kept $T" >&2
  else
    rm -rf "$T"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the runtime, behind a wrapper that records every call ----------------------------------
# The wrapper carries the runtime's own name: podman picks features by the runtime's name
# (runtime_supports_json: conmon's --log-format=json --log).
mkdir -p "$T/bin"
RT_BIN=$T/bin/$RT_NAME
WRAPPER_LOG=$T/runtime-calls.log
cp "$repo/test/clients/runtime-wrapper.sh" "$RT_BIN"
chmod 0755 "$RT_BIN"
printf 'REAL_RUNTIME=%q\nWRAPPER_LOG=%q\n' "$RUNTIME" "$WRAPPER_LOG" >"$T/bin/wrapper.env"
: >"$WRAPPER_LOG"
: >"$WRAPPER_LOG.pids"

echo "# runtime: $RUNTIME ($("$RUNTIME" --version 2>/dev/null | head -1))"
command -v containerd >/dev/null && echo "# $(containerd --version)"
command -v podman >/dev/null && echo "# $(podman --version), $(conmon --version 2>/dev/null | head -1)"

# --- the image: busybox-static rootfs, packed locally ----------------------------------------
ROOTFS=$T/rootfs
IMAGE_TAR=$T/image-oci.tar
ROOTFS_TAR=$T/rootfs.tar
image_ok=1
# hz-helper (test/support/hz-helper.c, static): sd_notify and socket activation from inside
if ! msg=$("$repo/scripts/make-rootfs.sh" "$ROOTFS" 2>&1) ||
  ! msg=$(mkdir -p "$ROOTFS/usr/local/bin" && cc -static -O2 -o "$ROOTFS/usr/local/bin/hz-helper" "$repo/test/support/hz-helper.c" 2>&1) ||
  ! msg=$("$repo/test/clients/make-image.sh" "$ROOTFS" "$IMAGE_TAR" "$CD_IMAGE" 2>&1) ||
  ! msg=$(tar --numeric-owner -C "$ROOTFS" -cf "$ROOTFS_TAR" . 2>&1); then
  image_ok=0
fi

run_client() { # run_client PREFIX SETUP-FN LEFTOVERS... scenarios in the named array
  local prefix=$1 setup=$2 arr=$3 entry names=()
  local -n list=$arr
  for entry in "${list[@]}"; do names+=("${entry%:*}"); done
  if [ $image_ok -ne 1 ]; then
    skip_all "$prefix" "could not build the test image: $msg" "${names[@]}"
    return
  fi
  why=''
  if ! $setup; then
    skip_all "$prefix" "setup failed: $why" "${names[@]}"
    return
  fi
  for entry in "${list[@]}"; do
    scenario "$prefix: ${entry%:*}" "${entry##*:}"
  done
}

for client in $CLIENTS; do
  case $client in
    containerd)
      run_client containerd cd_setup CD_SCENARIOS
      cd_cleanup ;;
    podman)
      run_client podman pm_setup PM_SCENARIOS
      pm_cleanup ;;
    *)
      echo "FAIL setup: unknown client '$client' in CLIENTS"
      FAILED=$((FAILED + 1)) ;;
  esac
done

finish
