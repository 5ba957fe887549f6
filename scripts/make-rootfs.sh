#!/bin/sh
# make-rootfs.sh DIR — build a minimal container rootfs from busybox-static.
#
# DIR/bin/busybox plus a relative symlink for every applet (`busybox --list`),
# the directories dev proc sys etc tmp root run home/test, and etc/passwd,
# etc/group, etc/hostname. No downloads. Idempotent: running it again on a
# finished rootfs only refreshes what is missing or stale; it takes well under
# a second either way.
#
# BUSYBOX=/path/to/busybox overrides where the static busybox is taken from.
set -eu

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$1

busybox=${BUSYBOX:-}
if [ -z "$busybox" ]; then
  for c in /bin/busybox /usr/bin/busybox /usr/sbin/busybox; do
    if [ -x "$c" ]; then busybox=$c; break; fi
  done
fi
if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then
  echo "$0: no busybox found (apt-get install busybox-static, or set BUSYBOX=)" >&2
  exit 1
fi
# A dynamically linked busybox would need the host's libc inside the rootfs.
if command -v file >/dev/null 2>&1 && file -L "$busybox" | grep -q 'dynamically linked'; then
  echo "$0: $busybox is dynamically linked; install busybox-static" >&2
  exit 1
fi

mkdir -p "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin dev proc sys etc tmp root run var home/test
chmod 1777 tmp
chmod 0700 root

# Copy busybox only when it differs (cmp is cheap next to the copy).
if [ ! -f bin/busybox ] || ! cmp -s "$busybox" bin/busybox; then
  cp "$busybox" bin/busybox.tmp
  chmod 0755 bin/busybox.tmp
  mv -f bin/busybox.tmp bin/busybox
fi

# One relative symlink per applet, at the path busybox itself reports
# (`--list-full` gives e.g. "bin/sh", "usr/bin/env"); fall back to bin/NAME.
if list=$(bin/busybox --list-full 2>/dev/null) && [ -n "$list" ]; then
  :
else
  list=$(bin/busybox --list | sed 's|^|bin/|')
fi
for p in $list; do
  case "$p" in
    bin/busybox) continue ;;
    bin/*) target=busybox ;;
    sbin/*) target=../bin/busybox ;;
    usr/bin/* | usr/sbin/*) target=../../bin/busybox ;;
    *) continue ;;
  esac
  if [ "$(readlink "$p" 2>/dev/null || true)" != "$target" ]; then
    ln -sfn "$target" "$p"
  fi
done
# Every applet also answers in bin/, whatever --list-full said.
for a in $(bin/busybox --list); do
  [ "$a" = busybox ] && continue
  [ -e "bin/$a" ] || [ -L "bin/$a" ] || ln -s busybox "bin/$a"
done

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
test:x:1000:1000:test:/home/test:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
tty:x:5:
test:x:1000:
users:x:100:
nogroup:x:65534:
EOF
echo rootfs >etc/hostname
chown 1000:1000 home/test 2>/dev/null || true
