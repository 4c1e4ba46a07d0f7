#!/bin/sh
# Gets lvm2 2.03.16's own test suite from Debian's source package into a cache dir outside the
# checkout (nothing of lvm2's is committed), and lays out its harness (in $1 if given, which
# lets two runs have one each) with the C helper it needs. Prints the harness dir.
# apt is pointed at a private sources list and state dir, so no system file is touched.
set -eu

VERSION=2.03.16
CACHE=${ULVM_LVM2_SUITE_CACHE:-${XDG_CACHE_HOME:-/tmp}/ulvm-lvm2-suite}
SRC="$CACHE/lvm2-$VERSION"
mkdir -p "$CACHE"

if [ ! -f "$SRC/VERSION" ]; then
	APT="$CACHE/apt"
	mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$APT/parts"
	echo "deb-src http://deb.debian.org/debian bookworm main" > "$APT/sources.list"
	set -- -o Dir::Etc::sourcelist="$APT/sources.list" -o Dir::Etc::sourceparts="$APT/parts" \
		-o Dir::State::Lists="$APT/lists" -o Dir::Cache::archives="$APT/archives" \
		-o Dir::Cache::pkgcache="" -o Dir::Cache::srcpkgcache="" -o APT::Sandbox::User=root
	apt-get -q "$@" update >&2
	# the exact version, not whatever bookworm carries later
	DEBVER=$(apt-cache "$@" showsrc lvm2 | sed -n "s/^Version: \($VERSION-[0-9.]*\)$/\1/p" | head -n1)
	[ -n "$DEBVER" ] || { echo "fetch.sh: no lvm2 $VERSION source in bookworm" >&2; exit 1; }
	(cd "$CACHE" && apt-get -q "$@" source --download-only "lvm2=$DEBVER" >&2)
	rm -rf "$SRC"
	(cd "$CACHE" && dpkg-source --no-check -x lvm2_"${DEBVER#*:}".dsc "$SRC" >&2)
fi

case $(cat "$SRC/VERSION") in
	"$VERSION"*) ;;
	*) echo "fetch.sh: $SRC/VERSION is $(cat "$SRC/VERSION"), not $VERSION" >&2; exit 1 ;;
esac

# The harness: lvm2's test/lib as its Makefile lays it out (lib/NAME from NAME.sh, the `not`
# helper and its aliases), plus ulvm's stand-ins from harness/. The tests themselves (shell/)
# are used as they are.
HERE=$(cd "$(dirname "$0")" && pwd)
H=${1:-$CACHE/harness-$VERSION}
rm -rf "$H.new"
mkdir -p "$H.new/lib"
for f in aux check get inittest utils; do
	cp "$SRC/test/lib/$f.sh" "$H.new/lib/$f"
done
cp "$SRC/test/lib/flavour-ndev-vanilla.sh" "$H.new/lib/flavour-ndev-vanilla"
cp "$SRC/test/lib/mke2fs.conf" "$H.new/lib/"
# ulvm's stand-ins are sourced just before aux runs the function it was asked for
sed -i '/^test -f DEVICES && devs=/i . lib/ulvm-aux' "$H.new/lib/aux"
grep -q '^\. lib/ulvm-aux' "$H.new/lib/aux" || { echo "fetch.sh: cannot hook lib/aux" >&2; exit 1; }
cp "$HERE/harness/ulvm-aux" "$HERE/harness/paths" "$HERE/harness/ulvm-cmd" "$H.new/lib/"
chmod +x "$H.new/lib/ulvm-cmd" "$H.new/lib/aux" "$H.new/lib/check" "$H.new/lib/get" "$H.new/lib/inittest" "$H.new/lib/utils"
gcc -O2 -o "$H.new/lib/not" "$SRC/test/lib/not.c"
for n in should invalid fail; do ln -s not "$H.new/lib/$n"; done
cut -f 1 -d ' ' < "$SRC/VERSION" > "$H.new/lib/version-expected"
cut -f 1 -d ' ' < "$SRC/VERSION_DM" > "$H.new/lib/dm-version-expected"
# every lvm2 command name (tools/commands.h), dmsetup and dmstats (lvm2's harness links it to
# its dmsetup) run ulvm through ulvm-cmd
for c in lvm ulvm dmsetup dmstats $(sed -n 's/^xx(\([a-z]*\),.*/\1/p' "$SRC/test/../tools/commands.h"); do
	case $c in config|devtypes|dumpconfig|formats|help|lastlog|lvmchange|pvdata|segtypes|systemid|tags|version) continue ;; esac
	ln -s ulvm-cmd "$H.new/lib/$c"
done
ln -s "$SRC/test/shell" "$H.new/shell"
rm -rf "$H"
mv "$H.new" "$H"
echo "$H"
