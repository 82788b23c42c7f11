#!/usr/bin/env bash
# The build's layer check (docs/ARCHITECTURE.md), run by CMake's check_layers target after
# every library and program is built:
#
#   check_layers.sh [--include DIR] --layer NAME SRCDIR FILES --uses A,B,... [--layer ...]
#
# FILES is the layer's archive, or its object files joined by ':'. It fails, naming the
# file and the symbol, when
#   - a layer's object files call an internal (ct__) symbol defined in another layer;
#   - they call a public (ct_) symbol of a layer that is not among its --uses;
#   - a source file includes a quoted header that is neither public (caltrace/...) nor in
#     its own folder, or reaches out of it with "../";
#   - a public header (under --include) includes anything quoted but another public header.
set -euo pipefail

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
names=()
include_dir=
declare -A dir_of uses_of
while [ $# -gt 0 ]; do
	case $1 in
	--include) include_dir=$2; shift 2 ;;
	--layer)
		[ "${5:-}" = --uses ] || { echo "check_layers: usage: --layer NAME SRCDIR FILES --uses LIST" >&2; exit 2; }
		name=$2
		names+=("$name")
		dir_of[$name]=$3
		uses_of[$name]=",$6,"
		IFS=: read -r -a files <<<"$4"
		nm -g --defined-only "${files[@]}" 2>/dev/null | awk 'NF==3 && $3 ~ /^ct_/ {print $3}' | sort -u >"$work/$name.def"
		nm -u "${files[@]}" 2>/dev/null | awk '$1=="U" && $2 ~ /^ct_/ {print $2}' | sort -u >"$work/$name.undef"
		shift 6
		;;
	*) echo "check_layers: unknown argument $1" >&2; exit 2 ;;
	esac
done

bad=0
fail() { echo "layer check: $*" >&2; bad=1; }

# Symbols: every call leaving a layer goes to a public function of a layer below it.
for name in "${names[@]}"; do
	comm -23 "$work/$name.undef" "$work/$name.def" >"$work/$name.out"
	while read -r sym; do
		owner=
		for other in "${names[@]}"; do
			if [ "$other" != "$name" ] && grep -qx -- "$sym" "$work/$other.def"; then
				owner=$other
				break
			fi
		done
		[ -n "$owner" ] || continue # the linker reports a symbol nobody defines
		if [[ $sym == ct__* ]]; then
			fail "$name calls $sym, an internal of $owner (internals never cross a folder)"
		elif [[ ${uses_of[$name]} != *",$owner,"* ]]; then
			fail "$name calls $sym of $owner, which is not a layer below it (uses:${uses_of[$name]//,/ })"
		fi
	done <"$work/$name.out"
done

# Sources: quoted includes are public headers or the folder's own.
for name in "${names[@]}"; do
	dir=${dir_of[$name]}
	while IFS=: read -r file line text; do
		hdr=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/' <<<"$text")
		case $hdr in
		caltrace/*) ;;
		*/* | ..*) fail "$file:$line: includes \"$hdr\" from outside its folder" ;;
		*) [ -f "$dir/$hdr" ] || fail "$file:$line: includes \"$hdr\", which is not in $dir (private headers never cross a folder)" ;;
		esac
	done < <(grep -HnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$dir"/*.[ch] 2>/dev/null || true)
done
if [ -n "$include_dir" ]; then
	while IFS=: read -r file line text; do
		[[ $text =~ \"caltrace/ ]] || fail "$file:$line: a public header includes a private one"
	done < <(grep -rHnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$include_dir" || true)
fi

[ $bad = 0 ] || { echo "layer check: failed (docs/ARCHITECTURE.md says what may use what)" >&2; exit 1; }
