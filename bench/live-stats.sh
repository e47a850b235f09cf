#!/usr/bin/env bash
# Live stats at scale: the host's own CPU while it samples N running
# containers every second and streams every container's stats to C hub
# clients. Publishes Berth.Host and the bench client (bench/LiveStatsClient)
# to a temp dir, starts a throwaway PostgreSQL cluster there, runs the host on
# a free loopback port with private engine roots, launches N `sleep`
# containers through the REST API, measures the host process's CPU
# (utime + stime from /proc/PID/stat) over a quiet baseline and then over
# SECONDS with the clients subscribed, and removes everything (containers,
# host, cluster, temp dir) when it exits, also on failure or Ctrl-C.
#
#   bench/live-stats.sh                   # N=200 containers, C=10 clients, 60 s
#   CONTAINERS=50 CLIENTS=2 SECONDS_MEASURED=20 bench/live-stats.sh
#   BASELINE_SECONDS=0 bench/live-stats.sh  # skip the no-client baseline
#   SETTLE_SECONDS=60 bench/live-stats.sh   # wait longer after the launches
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

containers="${CONTAINERS:-200}"
clients="${CLIENTS:-10}"
measured="${SECONDS_MEASURED:-60}"
baseline="${BASELINE_SECONDS:-30}"
settle="${SETTLE_SECONDS:-30}"
for n in "$containers" "$clients" "$measured"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "CONTAINERS, CLIENTS and SECONDS_MEASURED must be positive numbers"
done
[[ "$baseline" =~ ^[0-9]+$ && "$settle" =~ ^[0-9]+$ ]] || die "BASELINE_SECONDS and SETTLE_SECONDS must be numbers"

ensure_packages "${BERTH_BUILD_PACKAGES[@]}" "${BERTH_PG_PACKAGES[@]}" "${BERTH_BENCH_PACKAGES[@]}" curl
bench_berth

work="$(mktemp -d /tmp/berth-live-stats.XXXXXX)"
# PostgreSQL runs as postgres and must reach its folders.
chmod 0755 "$work"
host_pid=""
client_pid=""
pg_data="$work/pg/data"

cleanup() {
    local ids
    if [[ -n "$client_pid" ]]; then
        kill "$client_pid" 2>/dev/null || true
    fi
    if [[ -n "$host_pid" ]]; then
        kill "$host_pid" 2>/dev/null || true
        wait "$host_pid" 2>/dev/null || true
    fi
    if [[ -d "$work/data" ]]; then
        ids="$("$BERTH_BIN" --root "$work/run" --data-root "$work/data" ps -aq 2>/dev/null || true)"
        if [[ -n "$ids" ]]; then
            log "removing $(wc -w <<<"$ids") containers"
            # shellcheck disable=SC2086  # one id per word
            "$BERTH_BIN" --root "$work/run" --data-root "$work/data" rm -f $ids >/dev/null 2>&1 || true
        fi
    fi
    postgres_stop "$pg_data" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

log "publishing Berth.Host and the bench client"
dotnet publish src/Berth.Host -c Release -o "$work/host-bin" -nologo -v quiet -tl:off </dev/null >/dev/null
dotnet publish bench/LiveStatsClient -c Release -o "$work/client" -nologo -v quiet -tl:off </dev/null >/dev/null

pg_port="$(random_free_port)"
postgres_init "$pg_data" --no-sync
postgres_start "$pg_data" "$pg_port" "$work/pg/run" fsync=off
postgres_ensure_db "$pg_port" berth
export ConnectionStrings__Berth="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=berth"
"$work/host-bin/Berth.Host" migrate </dev/null >/dev/null

log "loading the busybox image"
build_busybox_image_archive "$work/busybox.tar" busybox:latest
"$BERTH_BIN" --data-root "$work/data" image load -q -i "$work/busybox.tar" >/dev/null

host_port="$(random_free_port)"
url="http://127.0.0.1:$host_port"
password="bench-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
log "starting the host on $url"
Berth__NodeName=bench Berth__DataDirectory="$work/host" Berth__Engine__DataRoot="$work/data" \
    Berth__Engine__RuntimeRoot="$work/run" Berth__Engine__BerthPath="$(readlink -f "$BERTH_BIN")" \
    BERTH_ADMIN_PASSWORD="$password" Logging__LogLevel__Default=Warning urls="$url" \
    "$work/host-bin/Berth.Host" </dev/null >"$work/host.log" 2>&1 &
host_pid=$!
for _ in {1..300}; do
    curl -fs "$url/readyz" >/dev/null 2>&1 && break
    kill -0 "$host_pid" 2>/dev/null || { tail -n 20 "$work/host.log" >&2; die "the host exited"; }
    sleep 0.1
done
curl -fs "$url/readyz" >/dev/null || die "the host did not become ready; see its log above"
token="$(curl -fs -H 'Content-Type: application/json' -d "{\"username\":\"admin\",\"password\":\"$password\"}" "$url/api/v1/auth/token" | jq -r .token)"
[[ "$token" == berth_* ]] || die "no API token from the host"

log "launching $containers containers (sleep 3600) through the API"
launch() {
    curl -fs -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"image":"busybox","command":["sleep","3600"],"memoryBytes":33554432,"cpus":0.1}' "$url/api/v1/containers"
}
export -f launch
export token url
seq "$containers" | xargs -P 4 -I{} bash -c launch || die "a launch failed"
running="$(curl -fs -H "Authorization: Bearer $token" "$url/api/v1/containers" | jq '[.[] | select(.state == "running")] | length')"
[[ "$running" == "$containers" ]] || die "$running of $containers containers run"

ticks="$(getconf CLK_TCK)"
# cpu_ticks PID: utime + stime of PID (fields 14 and 15 of /proc/PID/stat, counted after the command name).
cpu_ticks() {
    sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}
# measure SECONDS LABEL: the host's CPU over SECONDS, in seconds and in % of one core.
measure() {
    local seconds="$1" label="$2" before after start end
    before="$(cpu_ticks "$host_pid")"
    start="$(date +%s.%N)"
    sleep "$seconds"
    after="$(cpu_ticks "$host_pid")"
    end="$(date +%s.%N)"
    awk -v b="$before" -v a="$after" -v s="$start" -v e="$end" -v t="$ticks" -v l="$label" 'BEGIN {
        cpu = (a - b) / t; wall = e - s
        printf "  %-44s %6.2f s CPU in %5.1f s = %5.1f %% of one core\n", l, cpu, wall, 100 * cpu / wall }' | tee -a "$work/report"
}

: >"$work/report"
# The launches' aftermath (start events recorded, code compiled by the JIT's later tiers) settles first.
log "letting the host settle for ${settle} s"
sleep "$settle"
if ((baseline > 0)); then
    log "baseline: $containers containers sampled, no clients, ${baseline} s"
    measure "$baseline" "$containers containers, no hub clients"
fi

log "connecting $clients hub clients to every container's stats"
"$work/client/LiveStatsClient" --url "$url" --token "$token" --clients "$clients" --seconds $((measured + 600)) \
    >"$work/client.log" 2>&1 &
client_pid=$!
for _ in {1..1200}; do
    grep -q '^ready' "$work/client.log" && break
    kill -0 "$client_pid" 2>/dev/null || { cat "$work/client.log" >&2; die "the bench client exited"; }
    sleep 0.1
done
grep -q '^ready' "$work/client.log" || die "the clients' streams did not all deliver within 2 minutes"
grep '^ready' "$work/client.log" >&2
sleep 5
log "measuring the host's CPU over ${measured} s"
measure "$measured" "$containers containers, $clients clients × $containers streams"
kill -TERM "$client_pid" 2>/dev/null || true
wait "$client_pid" 2>/dev/null || true
client_pid=""

echo
echo "host process CPU (Berth.Host, utime + stime; $(nproc) cores here):"
cat "$work/report"
echo "clients:"
grep -v '^ready' "$work/client.log" | sed 's/^/  /'
