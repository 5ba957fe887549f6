#!/usr/bin/env bash
# make-image.sh ROOTFS OUT.tar NAME — pack a rootfs directory as a single-layer OCI image
# archive (an OCI layout in a tar) that `ctr image import` and `podman load` accept.
# No registry, no daemon, no jq: sha256sum, tar and printf only (and no /dev/fd needed).
#   NAME is the full reference, e.g. docker.io/library/hezi-busybox:latest
set -euo pipefail
if [ $# -ne 3 ]; then echo "usage: $0 ROOTFS OUT.tar NAME" >&2; exit 2; fi
rootfs=$1 out=$2 name=$3
work=$(mktemp -d /tmp/hezi-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/blobs/sha256"

case "$(uname -m)" in
  x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; armv7l) arch=arm ;; *) arch=$(uname -m) ;;
esac

put() { # put FILE: moves FILE into blobs/; sets $digest (sha256:HEX) and $size
  local d
  d=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$work/blobs/sha256/$d"
  digest=sha256:$d
}

# The layer: an uncompressed tar of the rootfs, owned by root, reproducible order.
tar --numeric-owner --owner=0 --group=0 --sort=name -C "$rootfs" -cf "$work/layer" .
put "$work/layer"
layer=$digest layer_size=$size

printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created_by":"test/clients/make-image.sh"}]}' \
  "$arch" "$layer" >"$work/config"
put "$work/config"
config=$digest config_size=$size

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
  "$config" "$config_size" "$layer" "$layer_size" >"$work/manifest"
put "$work/manifest"
manifest=$digest manifest_size=$size

tag=${name##*:}
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest" "$manifest_size" "$arch" "$name" "$tag" >"$work/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"

tar --numeric-owner --owner=0 --group=0 -C "$work" -cf "$out" oci-layout index.json blobs
