#!/usr/bin/env bash
# The web UI's figures, in Debian's chromium (driven by playwright-core from
# npm, bench/ui/ui-timings.mjs) against a published host on a fresh
# PostgreSQL: the dashboard's and a container page's time from navigation to
# interactive with live data, the delay from a stats sample to the page
# showing it, and the containers grid holding GRID containers (first render,
# a search, the next page).
#
#   bench/ui.sh                    # 500 containers in the grid, 15 rounds
#   GRID=100 ROUNDS=5 bench/ui.sh
#
# Needs root. Results: artifacts/bench/ui.json (targets: interactive within
# 1 s, a stat change on the page within 1.5 s, the grid smooth at 500).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

grid="${GRID:-500}"
rounds="${ROUNDS:-15}"
out="$BERTH_REPO/artifacts/bench"

ensure_packages "${BERTH_BUILD_PACKAGES[@]}" "${BERTH_PG_PACKAGES[@]}" chromium curl "${BERTH_BENCH_PACKAGES[@]}"
command -v npm >/dev/null || ensure_packages nodejs npm
bench_berth
mkdir -p "$out"
(cd bench/ui && npm ci --no-audit --no-fund --loglevel=error) </dev/null

work="$(mktemp -d /tmp/berth-bench.XXXXXX)"
chmod 755 "$work"
berth=("$BERTH_BIN" --root "$work/run" --data-root "$work/data")
cleanup() {
    [[ -n "${bench_host_pid:-}" ]] && kill "$bench_host_pid" 2>/dev/null && wait "$bench_host_pid" 2>/dev/null
    "${berth[@]}" ps -aq 2>/dev/null | xargs -r "${berth[@]}" rm -f >/dev/null 2>&1 || true
    [[ -n "${BERTH_PG_DATA:-}" ]] && postgres_stop "$BERTH_PG_DATA"
    grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

bench_control_plane "$work"
url="$bench_url" token="$bench_token"
post() { curl -sf -XPOST "$url/api/v1/containers" -H "authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }

log "one busy container (0.2 CPUs) for the container page, and $grid recorded ones for the grid"
busy="$(post '{"image":"busybox","name":"bench-busy","cpus":0.2,"command":["sh","-c","while :; do :; done"]}' | jq -r .id)"
for i in $(seq 0 $((grid - 1))); do
    post "$(printf '{"image":"busybox","name":"grid-%04d","start":false,"command":["true"]}' "$i")" >/dev/null
done

log "measuring in chromium ($rounds rounds each)"
node bench/ui/ui-timings.mjs "$url" admin bench-password "$busy" "$rounds" | tee "$out/ui.json"
