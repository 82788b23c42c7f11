#!/usr/bin/env bash
# Checkpoints without anyone's hands: three running nodes (bureau, city,
# district lab) in a line, a three-level chain written through the CLI
# while they run. Each node signs its own feed's checkpoints, the others
# witness (every node cosigns) and gossip them, until `caltrace prove` on the lab's home finds
# every entry covered by a bureau-cosigned checkpoint. The bundle then
# verifies in an empty directory with only the bureau key, printing the
# same chain as `caltrace chain`.
. "$(dirname "$0")/node_lib.bash"
export CALTRACE_NOW=2025-01-05T08:00:00Z

BUREAU=bureau
bureau bureau 0
new_home city 1
new_home dist 2
ct bureau admit "${KEY[city]}" --name "City institute" --tier city --district North --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
ct bureau admit "${KEY[dist]}" --name "South institute" --tier district --district South --scope mass \
	--from 2020-01-01 --until 2030-12-31 >/dev/null
ct bureau catalogue-set scale-trade --name "trade scale" --mode V --interval-days 365 \
	--domains trade --effective 2020-01-01 >/dev/null
link bureau city
link city dist # the lab reaches the bureau only through the city
for n in bureau city dist; do start "$n" --log-level debug; done

# each step waits (bounded) until what it refers to has replicated to the writer
step() { wait_until 60 ct "$@" || fail "could not run: $*"; }
step city standard register M1 --name "E2 weights" --category mass --level municipal --public --u-rel-ppm 2
step dist standard register D1 --name "F1 weights" --category mass --level district --public --u-rel-ppm 20
step bureau standard approve M1 --certificate EX-1 --from 2024-01-01 --until 2028-12-31
step bureau standard approve D1 --certificate EX-2 --from 2024-01-01 --until 2028-12-31
step bureau standard anchor M1 --provider "Provincial institute" --certificate P-1 \
	--performed 2024-06-01 --until 2025-05-31 --u-rel-ppm 1
step city calibrate D1 --standard M1 --kind calibration --performed 2024-07-01 --valid-until 2025-06-30 \
	--result pass --certificate C-D1
step dist instrument register SCALE-S --category mass --district South --owner Mill \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000
step dist calibrate SCALE-S --standard D1 --kind verification --performed 2024-09-01 \
	--valid-until 2025-08-31 --result pass --certificate V-S
wait_until 60 same_digest bureau city dist || fail "the nodes did not converge"
ct dist chain SCALE-S --at 2024-12-01 >"$WORK/chain.txt" || fail "the chain is not traceable"

# nobody runs `caltrace checkpoint` or `caltrace witness`: the nodes do
# (the v1 bundle, which rests on feed checkpoints; node_netcheckpoints.sh makes complete ones)
proved() { ct dist prove SCALE-S --incomplete --at 2024-12-01 -o "$WORK/s.bundle"; }
wait_until 60 proved || fail "no bureau-cosigned checkpoints cover the chain on the lab's home: $(proved 2>&1)"
log "bundle: $(stat -c %s "$WORK/s.bundle") bytes"
for n in bureau city dist; do
	logged "$n" "signed a checkpoint of this node's feed at [0-9]+ entries" || fail "$n logged no checkpoint"
done
logged bureau "cosigned a checkpoint of ${KEY[dist]:0:8}" || fail "the bureau did not log its cosignature"

mkdir "$WORK/empty"
(cd "$WORK/empty" && env -u CALTRACE_HOME "$CT" --home /nonexistent verify ../s.bundle \
	--bureau "${KEY[bureau]}" --allow-incomplete >verify.txt) || fail "the bundle does not verify"
cmp "$WORK/empty/verify.txt" "$WORK/chain.txt" ||
	fail "verify prints another chain: $(diff "$WORK/empty/verify.txt" "$WORK/chain.txt")"

# a later append gets its own checkpoint, cosigned by the bureau two hops away
step dist instrument register SCALE-T --category mass --district South --owner Shop \
	--catalogue scale-trade --domain trade --mpe-rel-ppm 1000
size=$(ct dist digest --json | sed -n 's/.*"entries": *\([0-9]*\).*/\1/p')
cosigned_latest() { ct bureau checkpoint --author "${KEY[dist]}" | grep -q "/witness/${KEY[bureau]} "; }
wait_until 30 cosigned_latest || fail "the lab's latest checkpoint was not cosigned by the bureau"
# every node is a witness: the note settles with all three cosignatures, the same on every node
all_cosigned() {
	local n w
	for n in bureau city dist; do
		ct "$n" checkpoint --author "${KEY[dist]}" >"$WORK/cp.$n" || return 1
		for w in bureau city dist; do grep -q "/witness/${KEY[$w]} " "$WORK/cp.$n" || return 1; done
	done
	cmp -s "$WORK/cp.bureau" "$WORK/cp.city" && cmp -s "$WORK/cp.city" "$WORK/cp.dist"
}
wait_until 30 all_cosigned || fail "the lab's latest checkpoint did not settle with every node's cosignature"
for n in bureau city dist; do stop "$n"; done
for n in bureau city dist; do check_store "$n"; done
log "ok ($size entries)"
