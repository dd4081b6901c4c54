#!/bin/sh
# Builds a minimal root filesystem tarball from Debian's busybox-static: the busybox
# binary plus one symlink per applet (sh, sleep, httpd, …), /etc/passwd and a web root.
# No registry is reachable on the test machines, so images are made with
#   podman import OUT.tar localhost/reconcile-busybox:test
# Usage: scripts/podman-busybox-image.sh OUT.tar
# Needs: busybox-static (apt-get install busybox-static).
set -eu
out=${1:?usage: $0 OUT.tar}
busybox=${BUSYBOX:-/bin/busybox}
if [ ! -x "$busybox" ] || ! ldd "$busybox" 2>&1 | grep -q 'not a dynamic'; then
    echo "error: $busybox is not a static busybox (apt-get install busybox-static)" >&2
    exit 1
fi
root=$(mktemp -d "${TMPDIR:-/tmp}/busybox-rootfs-XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/www" "$root/data"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf 'ok\n' > "$root/www/index.html"
chmod 1777 "$root/tmp"
tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$out" .
