#!/usr/bin/env bash
# The layer check of the build (scripts/check_layers.sh, docs/ARCHITECTURE.md) refuses each
# kind of violation, and passes on the tree as built. The build already runs the check on
# the real libraries; this test shows that the check can fail, on small crafted objects.
source "$(dirname "$0")/common.bash"
check="$CT_SOURCE_DIR/scripts/check_layers.sh"
cc=${CC:-cc}

mkdir -p low high
# "low" defines a public and an internal function, with a private header.
cat >low/low.c <<'C'
int ct__low_internal(void) { return 1; }
int ct_low_public(void) { return ct__low_internal(); }
C
: >low/low_internal.h
"$cc" -c low/low.c -o low.o

# high_ok: calls low's public function, includes a public header and its own.
mkdir -p high_ok
cat >high_ok/high.c <<'C'
#include "caltrace/base/error.h"
#include "own.h"
int ct_low_public(void);
int ct_high(void) { return ct_low_public(); }
C
: >high_ok/own.h
"$cc" -I "$CT_SOURCE_DIR/include" -I high_ok -c high_ok/high.c -o high_ok.o
run_expect 0 ok.out -- bash "$check" --layer low "$work/low" low.o --uses - \
	--layer high "$work/high_ok" high_ok.o --uses -,low

# 1. an internal symbol of another layer
mkdir -p high_internal
cat >high_internal/high.c <<'C'
int ct__low_internal(void);
int ct_high(void) { return ct__low_internal(); }
C
"$cc" -c high_internal/high.c -o high_internal.o
run_expect 1 internal.out -- bash "$check" --layer low "$work/low" low.o --uses - \
	--layer high "$work/high_internal" high_internal.o --uses -,low
has internal.out "high calls ct__low_internal, an internal of low"

# 2. a public symbol of a layer that is not below
run_expect 1 upward.out -- bash "$check" --layer low "$work/low" low.o --uses - \
	--layer high "$work/high_ok" high_ok.o --uses -
has upward.out "high calls ct_low_public of low, which is not a layer below it"

# 3. a private header of another folder, by name or by path
mkdir -p high_hdr
printf '#include "low_internal.h"\n#include "../low/low_internal.h"\n' >high_hdr/high.c
cp high_ok.o high_hdr.o
run_expect 1 header.out -- bash "$check" --layer low "$work/low" low.o --uses - \
	--layer high "$work/high_hdr" high_hdr.o --uses -,low
has header.out 'includes "low_internal.h", which is not in' 'includes "../low/low_internal.h" from outside its folder'

# 4. a public header that includes a private one
mkdir -p inc/caltrace/x
printf '#include "caltrace/base/error.h"\n#include "store_internal.h"\n' >inc/caltrace/x/x.h
run_expect 1 public.out -- bash "$check" --include "$work/inc" --layer low "$work/low" low.o --uses -
has public.out "a public header includes a private one"

# The real tree passes (the build ran the same check over the same sources).
run_expect 0 tree.out -- bash "$check" --include "$CT_SOURCE_DIR/include"
echo "build_layers: ok"
