#!/usr/bin/env bash
# Cold start: wall time of `RUNTIME run` of /bin/true in the same busybox
# bundle, for berth, runc and crun, measured with hyperfine. Each run uses a
# new container id (the shell's $$) and each runtime its own --root.
#
#   bench/cold-start.sh              # 5 warm-up runs, 50 measured runs
#   RUNS=200 WARMUP=10 bench/cold-start.sh
#   PUBLISH=1 bench/cold-start.sh    # re-publish berth first
#   BERTH_BINARY=/path/to/berth bench/cold-start.sh   # measure another build
#
# Results: artifacts/bench/cold-start-{berth,runc,crun}.json (hyperfine's
# export), then medians and the ratios berth/runc and berth/crun.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

runs="${RUNS:-50}"
warmup="${WARMUP:-5}"
out="$BERTH_REPO/artifacts/bench"

ensure_packages "${BERTH_BUILD_PACKAGES[@]}" runc crun "${BERTH_BENCH_PACKAGES[@]}"
if [[ -n "${BERTH_BINARY:-}" ]]; then
    BERTH_BIN="$BERTH_BINARY"
elif [[ "${PUBLISH:-0}" == 1 || ! -x "$BERTH_BIN" ]]; then
    publish_berth
fi
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

# measure NAME COMMAND [WRAPPER...]: hyperfine COMMAND (run by sh, so $$ is a
# fresh id each time) and export to $out/cold-start-NAME.json.
measure() {
    local name="$1" command="$2"
    shift 2
    log "measuring $name"
    if ! "$@" hyperfine --style basic --warmup "$warmup" --runs "$runs" \
        --export-json "$out/cold-start-$name.json" -n "$name" "$command"; then
        log "$name failed"
        rm -f "$out/cold-start-$name.json"
    fi
}

bundle="$work/bundle"
measure berth "$BERTH_BIN --root $work/berth run --bundle $bundle c\$\$"
measure runc "runc --root $work/runc run --bundle $bundle c\$\$"
# crun refuses hybrid cgroups; give it (and only it) a private mount
# namespace without the cgroup2 mount at /sys/fs/cgroup/unified. hyperfine
# runs inside that namespace, so the unshare costs nothing per run.
measure crun "crun --root $work/crun run --bundle $bundle c\$\$" \
    unshare -m -- sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null || true; exec "$@"' sh

median_ms() {
    local file="$out/cold-start-$1.json"
    [[ -f "$file" ]] || { echo "n/a"; return; }
    jq -r '.results[0].median * 1000 | . * 100 | round / 100' "$file"
}

berth="$(median_ms berth)" runc="$(median_ms runc)" crun="$(median_ms crun)"
ratio() {
    [[ "$1" != n/a && "$2" != n/a ]] || { echo "n/a"; return; }
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
echo
echo "cold start of /bin/true, median of $runs runs (ms):"
printf '  %-6s %8s\n' berth "$berth" runc "$runc" crun "$crun"
echo "  berth/runc = $(ratio "$berth" "$runc")"
echo "  berth/crun = $(ratio "$berth" "$crun")"
