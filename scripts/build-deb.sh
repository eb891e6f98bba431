#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-deb.sh [OUTDIR]: `make deb`. Builds vhost-accel-dkms_VERSION_all.deb
# and vhost-accel-tools_VERSION_amd64.deb (debian/) with dpkg-buildpackage
# into OUTDIR (default build/deb), then runs lintian on them and on the
# .changes: any error or warning fails the build.
#
# VERSION is dkms.conf's PACKAGE_VERSION (the one version the sources
# declare; `make install DKMS=1` registers that) followed by
# +git<commit time, UTC, YYYYMMDDHHMM>.<abbreviated commit> of HEAD, and
# +dirty when the tree differs from it (a developer's build): it grows with every commit, so
# apt sees each build of a later commit as an upgrade, and it names the
# commit it came from. Outside a git checkout it is PACKAGE_VERSION alone.
#
# The package is built in a copy of the working tree (tracked files and
# untracked ones git does not ignore, e.g. a tools/vhost-top being
# written) whose debian/changelog carries VERSION, so the tree itself
# never changes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/build/deb}")
cd "$root"

die() { echo "build-deb.sh: $*" >&2; exit 1; }

for t in dpkg-buildpackage dh dh_dkms lintian; do
	command -v "$t" > /dev/null || die "$t is missing (scripts/install-deps.sh)"
done

base=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
[ -n "$base" ] || die "no PACKAGE_VERSION in dkms.conf"
version=$base
if git rev-parse --git-dir > /dev/null 2>&1; then
	when=$(TZ=UTC git log -1 --date=format-local:%Y%m%d%H%M --format=%cd HEAD)
	version=$base+git$when.$(git rev-parse --short=7 HEAD)
	if ! git diff --quiet HEAD -- . ':!build' ||
	   [ -n "$(git ls-files --others --exclude-standard)" ]; then
		version=$version+dirty
	fi
fi

src=$out/src/vhost-accel-$version
rm -rf "$out"
mkdir -p "$src"
if git rev-parse --git-dir > /dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		rsync -a --from0 --files-from=- ./ "$src/"
else
	rsync -a --exclude=/build ./ "$src/"
fi
sed -i "1s/^vhost-accel ([^)]*)/vhost-accel ($version)/" "$src/debian/changelog"

echo "build-deb.sh: building vhost-accel $version"
(cd "$src" && dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log"; die "dpkg-buildpackage failed (log: $out/build.log)"; }
mv "$out/src/"*.deb "$out/src/"*.changes "$out/src/"*.buildinfo "$out/"
rm -rf "$out/src"

changes=$(ls "$out"/*.changes)
# --fail-on warning: lintian's default fails only on errors.
if ! lintian --fail-on error,warning --display-info "$changes" > "$out/lintian.log" 2>&1; then
	cat "$out/lintian.log"
	die "lintian found problems (log: $out/lintian.log)"
fi
[ ! -s "$out/lintian.log" ] || sed 's/^/lintian: /' "$out/lintian.log"
ls -1 "$out"/*.deb
dpkg-deb -c "$out/vhost-accel-tools_${version}_amd64.deb" | grep 'usr/sbin/vhost-top$' > /dev/null &&
	echo "build-deb.sh: vhost-top is in vhost-accel-tools" ||
	echo "build-deb.sh: no tools/vhost-top in this tree: vhost-accel-tools has vhost-user-blk only"
