#!/usr/bin/env bash
# Cold start: wall time of `RUNTIME run` of /bin/true in the same busybox
# bundle, for berth, runc and crun, measured with hyperfine. Each run uses a
# new container id (the shell's $$) and each runtime its own --root.
#
# The runtimes take turns: ROUNDS rounds, each measuring every runtime in turn
# (the order rotating) for RUNS/ROUNDS runs, and the medians are taken over
# all of a runtime's runs. On a shared or noisy machine, load comes and goes
# over seconds; measured one after the other in long blocks, one runtime would
# get the quiet minute and another the busy one, and the ratios would say more
# about the neighbours than about the runtimes.
#
#   bench/cold-start.sh              # 60 runs each in 6 rounds, 1 warm-up run per round
#   RUNS=200 ROUNDS=10 bench/cold-start.sh
#   PUBLISH=1 bench/cold-start.sh    # re-publish berth first
#   BERTH_BINARY=/path/to/berth bench/cold-start.sh   # measure another build
#   USERNS=1 bench/cold-start.sh     # in a user namespace (berth and runc only)
#
# Results: artifacts/bench/cold-start-{berth,runc,crun}.json (every run's
# time in seconds, and the median), then medians and the ratios berth/runc
# and berth/crun. With USERNS=1 the bundle gets a user namespace whose root
# is host uid and gid 100000 (65536 ids, its rootfs chowned to them, as an
# idmapped image layer shows it) and the results go to
# cold-start-userns-{berth,runc}.json.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

runs="${RUNS:-60}"
rounds="${ROUNDS:-6}"
warmup="${WARMUP:-1}"
per_round=$(( (runs + rounds - 1) / rounds ))
out="$BERTH_REPO/artifacts/bench"

ensure_packages "${BERTH_BUILD_PACKAGES[@]}" runc crun "${BERTH_BENCH_PACKAGES[@]}"
bench_berth
mkdir -p "$out"

work="$(mktemp -d /tmp/berth-bench.XXXXXX)"
cleanup() {
    # A failed run can leave a container behind; remove them all.
    local id
    for id in $(runc --root "$work/runc" list -q 2>/dev/null); do
        runc --root "$work/runc" delete --force "$id" >/dev/null 2>&1 || true
    done
    for id in $(crun --root "$work/crun" list -q 2>/dev/null); do
        crun --root "$work/crun" delete --force "$id" >/dev/null 2>&1 || true
    done
    for id in $("$BERTH_BIN" --root "$work/berth" list -q 2>/dev/null); do
        "$BERTH_BIN" --root "$work/berth" delete --force "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

build_busybox_bundle "$work/bundle" /bin/true
mkdir -p "$work/berth" "$work/runc" "$work/crun"
names=(berth runc crun)
kind=cold-start
if [[ "${USERNS:-0}" == 1 ]]; then
    jq '.linux.namespaces += [{"type": "user"}]
        | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
        | .linux.gidMappings = .linux.uidMappings' "$work/bundle/config.json" >"$work/config.json"
    mv "$work/config.json" "$work/bundle/config.json"
    chown -R 100000:100000 "$work/bundle/rootfs"
    # mktemp made the folder 0700: the container's root must reach its rootfs.
    chmod 0755 "$work"
    names=(berth runc)
    kind=cold-start-userns
fi

# measure NAME ROUND COMMAND [WRAPPER...]: one round of hyperfine on COMMAND
# (run by sh, so $$ is a fresh id each time; hyperfine takes the shell's own
# start-up out of each time), exported to $work/NAME-ROUND.json.
measure() {
    local name="$1" round="$2" command="$3"
    shift 3
    if ! "$@" hyperfine --style none --warmup "$warmup" --runs "$per_round" \
        --export-json "$work/$name-$round.json" -n "$name" "$command" >/dev/null; then
        log "$name failed in round $round"
        rm -f "$work/$name-$round.json"
    fi
}

bundle="$work/bundle"
declare -A commands=(
    [berth]="$BERTH_BIN --root $work/berth run --bundle $bundle c\$\$"
    [runc]="runc --root $work/runc run --bundle $bundle c\$\$"
    [crun]="crun --root $work/crun run --bundle $bundle c\$\$"
)
# crun refuses hybrid cgroups; give it (and only it) a private mount
# namespace without the cgroup2 mount at /sys/fs/cgroup/unified. hyperfine
# runs inside that namespace, so the unshare costs nothing per run.
crun_wrapper=(unshare -m -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null || true; exec "$@"' sh)
log "measuring ${names[*]}: $rounds rounds of $per_round runs each"
for ((round = 0; round < rounds; round++)); do
    for ((i = 0; i < ${#names[@]}; i++)); do
        name="${names[(round + i) % ${#names[@]}]}"
        if [[ "$name" == crun ]]; then
            measure "$name" "$round" "${commands[$name]}" "${crun_wrapper[@]}"
        else
            measure "$name" "$round" "${commands[$name]}"
        fi
    done
done
# Pool each runtime's rounds into artifacts/bench/cold-start-NAME.json.
for name in "${names[@]}"; do
    shopt -s nullglob
    parts=("$work/$name"-*.json)
    shopt -u nullglob
    if ((${#parts[@]} == 0)); then
        rm -f "$out/$kind-$name.json"
        continue
    fi
    pool_medians "$out/$kind-$name.json" "${parts[@]}"
done

median_ms() {
    local file="$out/$kind-$1.json"
    [[ -f "$file" ]] || { echo "n/a"; return; }
    jq -r '.median * 1000 | . * 100 | round / 100' "$file"
}

berth="$(median_ms berth)" runc="$(median_ms runc)" crun="$(median_ms crun)"
ratio() {
    [[ "$1" != n/a && "$2" != n/a ]] || { echo "n/a"; return; }
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
echo
echo "$kind of /bin/true, median of $((per_round * rounds)) runs in $rounds rounds (ms):"
printf '  %-6s %8s\n' berth "$berth" runc "$runc" crun "$crun"
echo "  berth/runc = $(ratio "$berth" "$runc")"
echo "  berth/crun = $(ratio "$berth" "$crun")"
