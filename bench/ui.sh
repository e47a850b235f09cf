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
host_pid=""
cleanup() {
    [[ -n "$host_pid" ]] && kill "$host_pid" 2>/dev/null && wait "$host_pid" 2>/dev/null
    "${berth[@]}" ps -aq 2>/dev/null | xargs -r "${berth[@]}" rm -f >/dev/null 2>&1 || true
    [[ -n "${BERTH_PG_DATA:-}" ]] && postgres_stop "$BERTH_PG_DATA"
    grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

log "starting PostgreSQL and the host (published to a temporary folder)"
postgres_paths "$work/pg"
postgres_init "$BERTH_PG_DATA" --no-sync
pg_port="$(random_free_port)"
postgres_start "$BERTH_PG_DATA" "$pg_port" "$BERTH_PG_SOCKDIR" fsync=off
postgres_ensure_db "$pg_port" berth
export ConnectionStrings__Berth="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=berth"
dotnet publish src/Berth.Host -c Release -o "$work/host" -nologo -v quiet -tl:off </dev/null
"$work/host/Berth.Host" migrate >/dev/null
build_busybox_image_archive "$work/busybox.tar" busybox:latest
"${berth[@]}" load -q -i "$work/busybox.tar"

url="http://127.0.0.1:$(random_free_port)"
BERTH_ADMIN_PASSWORD=bench-password Berth__Engine__BerthPath="$BERTH_BIN" Berth__Engine__DataRoot="$work/data" \
    Berth__Engine__RuntimeRoot="$work/run" Berth__DataDirectory="$work/hostdata" ASPNETCORE_URLS="$url" \
    "$work/host/Berth.Host" >"$work/host.log" 2>&1 &
host_pid=$!
for _ in $(seq 200); do
    curl -sf "$url/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "$url/readyz" >/dev/null || { tail -20 "$work/host.log"; die "the host did not become ready"; }
token="$(curl -sf -XPOST "$url/api/v1/auth/token" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"bench-password"}' | jq -r .token)"
post() { curl -sf -XPOST "$url/api/v1/containers" -H "authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }

log "one busy container (0.2 CPUs) for the container page, and $grid recorded ones for the grid"
busy="$(post '{"image":"busybox","name":"bench-busy","cpus":0.2,"command":["sh","-c","while :; do :; done"]}' | jq -r .id)"
for i in $(seq 0 $((grid - 1))); do
    post "$(printf '{"image":"busybox","name":"grid-%04d","start":false,"command":["true"]}' "$i")" >/dev/null
done

log "measuring in chromium ($rounds rounds each)"
node bench/ui/ui-timings.mjs "$url" admin bench-password "$busy" "$rounds" | tee "$out/ui.json"
