#!/usr/bin/env bash
# The Debian package (docs/OPERATIONS.md, "Install"): `cpack -G DEB` builds it from this build
# tree; its control fields, contents and maintainer scripts are what a fresh Debian 12 needs;
# lintian finds nothing but what tests/package/lintian-expected explains; the unit, unpacked
# into a scratch root (nothing is installed on this machine), passes `systemd-analyze verify`
# and is hardened. Needs dpkg-deb, lintian, systemd-analyze (scripts/deps.sh installs them).
set -euo pipefail
BUILD=${CT_BUILD_DIR:?set CT_BUILD_DIR to the build tree}
SRC=${CT_SOURCE_DIR:?set CT_SOURCE_DIR to the source tree}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ct-deb.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
for tool in cpack dpkg-deb lintian systemd-analyze; do
	command -v "$tool" >/dev/null || fail "$tool is needed (scripts/deps.sh installs it)"
done

(cd "$BUILD" && cpack -G DEB -B "$WORK/out" >"$WORK/cpack.log" 2>&1) || { cat "$WORK/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$WORK"/out/caltrace_*.deb)

# control fields
dpkg-deb -f "$deb" Package Architecture Section Depends Maintainer >"$WORK/control"
grep -qx 'Package: caltrace' "$WORK/control" || fail "package name: $(cat "$WORK/control")"
depends=$(sed -n 's/^Depends: //p' "$WORK/control")
for lib in adduser libc6 liblmdb0 libsodium23 libuv1 libjansson4 libmicrohttpd12; do
	[[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
# msgpack-c is header-only in the build: nothing of it at run time
[[ $depends != *msgpack* ]] || fail "Depends names msgpack: $depends"

# contents
dpkg-deb -c "$deb" | awk '{ print $1, $6 }' >"$WORK/contents"
for f in '-rwxr-xr-x ./usr/bin/caltrace' '-rwxr-xr-x ./usr/sbin/caltraced' \
	'-rw-r--r-- ./lib/systemd/system/caltraced.service' '-rw-r--r-- ./usr/share/man/man1/caltrace.1.gz' \
	'-rw-r--r-- ./usr/share/man/man8/caltraced.8.gz' '-rw-r--r-- ./usr/share/doc/caltrace/copyright' \
	'-rw-r--r-- ./usr/share/doc/caltrace/changelog.gz' '-rw-r--r-- ./usr/share/doc/caltrace/OPERATIONS.md'; do
	grep -qxF -- "$f" "$WORK/contents" || fail "the package lacks $f"
done
grep -q '/usr/local\|/var/lib' "$WORK/contents" && fail "the package ships /usr/local or /var/lib files"
# maintainer scripts: the user and its home, a stop on removal, no deletion of the home on purge
dpkg-deb -e "$deb" "$WORK/control.d"
grep -q 'adduser --system --group --home /var/lib/caltrace' "$WORK/control.d/postinst" || fail "postinst makes no caltrace user"
grep -q 'chmod 0700 /var/lib/caltrace' "$WORK/control.d/postinst" || fail "postinst does not make the state directory 0700"
grep -q 'deb-systemd-invoke stop caltraced.service' "$WORK/control.d/prerm" || fail "prerm does not stop the node"
grep -q 'rm ' "$WORK/control.d/postrm" && fail "postrm deletes files"
for s in postinst prerm postrm; do sh -n "$WORK/control.d/$s" || fail "$s does not parse"; done

# lintian: only the findings explained in lintian-expected
lintian --tag-display-limit 0 -I "$deb" 2>/dev/null | sed -n 's/^\([EWIXP]\): caltrace[^:]*: \([^ ]*\).*/\1: \2/p' | sort -u >"$WORK/lintian"
grep -v '^#' "$SRC/tests/package/lintian-expected" | sed '/^$/d' | sort -u >"$WORK/expected"
unexpected=$(comm -23 "$WORK/lintian" "$WORK/expected")
[ -z "$unexpected" ] || { lintian -I "$deb" >&2 || true; fail "lintian findings not explained in tests/package/lintian-expected: $unexpected"; }
stale=$(comm -13 "$WORK/lintian" "$WORK/expected")
[ -z "$stale" ] || fail "tests/package/lintian-expected explains findings lintian no longer makes: $stale"

# the unit in a scratch root (the unpacked package)
dpkg -x "$deb" "$WORK/root"
systemd-analyze verify --man=no --recursive-errors=no --root="$WORK/root" /lib/systemd/system/caltraced.service ||
	fail "systemd-analyze verify refuses the unit"
unit="$WORK/root/lib/systemd/system/caltraced.service"
for line in 'User=caltrace' 'ProtectSystem=strict' 'NoNewPrivileges=yes' 'PrivateTmp=yes' 'StateDirectory=caltrace' \
	'Restart=on-failure' 'ExecStart=/usr/sbin/caltraced --home /var/lib/caltrace --metrics 127.0.0.1:9740'; do
	grep -qxF "$line" "$unit" || fail "the unit lacks $line"
done
grep -E '^(ReadWritePaths|ReadOnlyPaths)=' "$unit" && fail "the unit opens paths besides its state directory"
# systemd's own hardening review: exposure below 2.0 ("OK" is under 3.9; 10 is an unconfined service)
systemd-analyze security --offline=yes --root="$WORK/root" caltraced.service >"$WORK/security" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for caltraced.service: \([0-9.]*\).*/\1/p' "$WORK/security")
[ -n "$exposure" ] || { cat "$WORK/security" >&2; fail "no exposure level"; }
awk -v e="$exposure" 'BEGIN { exit !(e < 2.0) }' || fail "the unit's exposure level is $exposure"
# the binaries are stripped, and carry the hardening flags lintian looks for (it found none missing)
file "$WORK/root/usr/sbin/caltraced" >"$WORK/file"; grep -q ', stripped' "$WORK/file" || fail "caltraced is not stripped"
echo "ok: $(basename "$deb"), lintian: $(tr '\n' ' ' <"$WORK/lintian"), exposure $exposure"
