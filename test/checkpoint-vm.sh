#!/usr/bin/env bash
# checkpoint-vm.sh — checkpoint/restore with CRIU, for real, in the throwaway VM.
#
# criu 3.17 cannot run on this project's dev kernel (`criu check`: vDSO). In the VM of
# /work/shared/vm/run-in-vm.sh (Debian's kernel 6.1, pure cgroup v2) it can, once two things
# are fixed up here:
#   - the netfilter modules criu's kerndat probes (nf_tables with its dependencies, crc32c first;
#     nf_conntrack_netlink and xt_mark for dumping a network namespace) are loaded with
#     busybox modprobe from the VM's /lib/modules;
#   - the VM's /init chroots into its root overlay, and criu refuses a task whose root is not its
#     mount namespace's root ("The root task has another root than mntns"): for the run, the
#     overlay is moved onto / (MS_MOVE of /proc/1/root/newroot), and moved back afterwards.
# Then test/integration/checkpoint.test.ts runs (its criu-works half).
#
# usage (as root):  test/checkpoint-vm.sh            # ./bin/hezi
#                   HEZI_RUNTIME=/usr/sbin/runc test/checkpoint-vm.sh   # the same against runc
#   RUN_IN_VM=/path/to/run-in-vm.sh   the VM launcher (default /work/shared/vm/run-in-vm.sh)
# Builds nothing (the VM has no network): run `npm run build` on the host first.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

if [ "${HEZI_IN_VM:-}" != 1 ]; then
  [ -e "$repo/dist/hezi" ] || { echo "checkpoint-vm: $repo/dist/hezi is missing: build on the host first" >&2; exit 2; }
  [ "$(id -u)" = 0 ] || { echo "checkpoint-vm: needs root" >&2; exit 2; }
  vm=${RUN_IN_VM:-$repo/../shared/vm/run-in-vm.sh}
  [ -x "$vm" ] || { echo "checkpoint-vm: no VM launcher at $vm" >&2; exit 2; }
  cd "$repo" || exit 2
  # the rootfs is made on the host (busybox's applet symlinks are slow under TCG)
  "$repo/scripts/make-rootfs.sh" "$repo/tmp/checkpoint-vm/rootfs" >/dev/null || exit 2
  envs=(--env HEZI_IN_VM=1 --env "HEZI_TEST_ROOTFS=$repo/tmp/checkpoint-vm/rootfs")
  [ -n "${HEZI_RUNTIME:-}" ] && envs+=(--env "HEZI_RUNTIME=$HEZI_RUNTIME")
  "$vm" --mem 2048 --cpus 2 --timeout 1500 "${envs[@]}" -- "$repo/test/checkpoint-vm.sh"
  exit $?
fi

# ---- inside the VM ----------------------------------------------------------------------------
cd "$repo" || exit 2
for m in crc32c_generic libcrc32c nfnetlink nf_tables nft_compat nf_conntrack nf_conntrack_netlink xt_mark nft_ct \
  nf_nat nft_chain_nat unix_diag inet_diag tcp_diag udp_diag netlink_diag af_packet_diag veth tun; do
  busybox modprobe "$m" || echo "checkpoint-vm: modprobe $m failed" >&2
done
criu check || { echo "checkpoint-vm: criu check fails even here" >&2; exit 1; }
move() { # MS_MOVE of $1 onto $2 (mount(8) canonicalizes /proc/1/root away)
  python3 -c 'import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.mount(sys.argv[1].encode(), sys.argv[2].encode(), None, 8192, None) != 0:
    sys.exit("checkpoint-vm: move %s onto %s: %s" % (sys.argv[1], sys.argv[2], os.strerror(ctypes.get_errno())))' "$1" "$2"
}
move /proc/1/root/newroot /proc/1/root || exit 2
node node_modules/vitest/vitest.mjs run test/integration/checkpoint.test.ts --testTimeout 300000 --hookTimeout 300000
rc=$?
move / /proc/1/root/newroot || rc=2
exit $rc
