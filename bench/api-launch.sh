#!/usr/bin/env bash
# Launch latency and throughput of the control plane's API: the time from
# `POST /api/v1/containers` to its answer, which comes once the container's
# process runs (state "running"), over sequential launches; then a sustained
# rate of launches for a while (sent open-loop by bench/launch-load.py, each
# timed from when it was due), checking that every one was answered 201 and
# recorded a run that ended with exit code 0. Podman's `podman run -d` on the
# same busybox image is measured in the same run for the ratio.
#
#   bench/api-launch.sh                          # 200 sequential, 20/s for 60 s
#   LAUNCHES=50 RATE=10 SECONDS_SUSTAINED=20 bench/api-launch.sh
#
# Needs root. Results: artifacts/bench/api-launch.json (targets: median at
# most 60 ms, p99 at most 200 ms, nothing lost at 20/s).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

launches="${LAUNCHES:-200}"
rate="${RATE:-20}"
sustained="${SECONDS_SUSTAINED:-60}"
podman_runs="${PODMAN_RUNS:-30}"
out="$BERTH_REPO/artifacts/bench"

ensure_packages "${BERTH_BUILD_PACKAGES[@]}" "${BERTH_PG_PACKAGES[@]}" podman conmon runc curl "${BERTH_BENCH_PACKAGES[@]}"
bench_berth
mkdir -p "$out"

work="$(mktemp -d /tmp/berth-bench.XXXXXX)"
chmod 755 "$work"
berth=("$BERTH_BIN" --root "$work/run" --data-root "$work/data")
podman=(podman --root "$work/podman/storage" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp"
    --cgroup-manager cgroupfs --events-backend file --storage-driver overlay --runtime runc)
cleanup() {
    [[ -n "${bench_host_pid:-}" ]] && kill "$bench_host_pid" 2>/dev/null && wait "$bench_host_pid" 2>/dev/null
    "${berth[@]}" ps -aq 2>/dev/null | xargs -r "${berth[@]}" rm -f >/dev/null 2>&1 || true
    "${podman[@]}" rm --all --force --time 0 >/dev/null 2>&1 || true
    "${podman[@]}" system reset --force >/dev/null 2>&1 || true
    [[ -n "${BERTH_PG_DATA:-}" ]] && postgres_stop "$BERTH_PG_DATA"
    grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

bench_control_plane "$work"
url="$bench_url" token="$bench_token"
"${podman[@]}" load -q -i "$work/busybox.tar" >/dev/null

# launch BODY NAME: POSTs a container; writes "STATUS SECONDS" to $work/answers/NAME and the answer's body to
# $work/answers/NAME.json. Nothing else runs per launch (no jq): at 20 launches a second on 2 cores, the
# measuring tools' own CPU would be taken from the host being measured.
mkdir -p "$work/answers"
launch() {
    curl -s -o "$work/answers/$2.json" -w '%{http_code} %{time_total}\n' -XPOST "$url/api/v1/containers" \
        -H "authorization: Bearer $token" -H 'content-type: application/json' -d "$1" >"$work/answers/$2"
}

# answers PREFIX: one line "STATUS SECONDS STATE" per launch named PREFIX.*, read once the launches are done.
answers() {
    local files=("$work/answers/$1".*[0-9])
    paste -d ' ' <(cat "${files[@]}") <(for f in "${files[@]}"; do jq -r '.state // "none"' "$f.json" 2>/dev/null || echo none; done)
}

log "warming up (10 launches, not counted)"
for i in $(seq 10); do launch '{"image":"busybox","command":["sleep","600"]}' "warm.$i"; done

log "$launches sequential launches"
for i in $(seq "$launches"); do launch '{"image":"busybox","command":["sleep","600"]}' "seq.$i"; done
answers seq >"$work/sequential"
bad="$(awk '$1 != 201 || $3 != "running"' "$work/sequential" | wc -l)"
((bad == 0)) || { head -5 "$work/sequential"; die "$bad launches were not answered 201 with a running container"; }
"${berth[@]}" ps -aq | xargs -r "${berth[@]}" rm -f >/dev/null

log "podman run -d, $podman_runs times"
ulimits=(--ulimit nofile=20000:20000 --ulimit nproc=20000:20000)
: >"$work/podman-times"
for _ in $(seq "$podman_runs"); do
    start=$(date +%s%N)
    "${podman[@]}" run -d --network=none "${ulimits[@]}" busybox sleep 600 >/dev/null
    echo "$(( $(date +%s%N) - start ))" >>"$work/podman-times"
done
"${podman[@]}" rm --all --force --time 0 >/dev/null 2>&1

total=$((rate * sustained))
log "sustained: $rate launches per second for $sustained s ($total containers of 'sleep 2')"
# One open-loop sender (bench/launch-load.py): launch i is due at i/rate s whatever happened to the ones before, and
# its time is counted from when it was due. A curl forked per launch would cost about 40 ms of CPU each, a third of
# a core at 20/s taken from the host being measured.
load_out="$(/usr/bin/python3 bench/launch-load.py "$url" "$token" "$rate" "$sustained" '{"image":"busybox","command":["sleep","2"]}' "$work/sustained")"
log "$load_out"
elapsed="$(awk '{ print $3 }' <<<"${load_out#sent }")"
answered="$(awk '$1 == 201' "$work/sustained" | wc -l)"
late_max="$(awk '{ printf "%.1f\n", $4 * 1000 }' "$work/sustained" | sort -n | tail -1)"
log "all $total launches sent in $elapsed ms (the latest $late_max ms after it was due); waiting for the containers to exit"
for _ in $(seq 120); do
    running="$(curl -s "$url/api/v1/containers" -H "authorization: Bearer $token" | jq '[.[] | select(.state == "running" or .state == "pending")] | length')"
    ((running == 0)) && break
    sleep 1
done
containers="$(curl -s "$url/api/v1/containers" -H "authorization: Bearer $token")"
exited_ok="$(jq '[.[] | select(.state == "stopped" and .exitCode == 0 and (.command == ["sleep","2"]))] | length' <<<"$containers")"
runs_ok="$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -d berth -tAc \
    "SELECT count(*) FROM runs WHERE \"ExitCode\" = 0 AND \"EndedAt\" IS NOT NULL")"
if ((exited_ok != total)); then
    log "not every container exited 0: their states, and their runs"
    jq -r '.[] | select(.command == ["sleep","2"]) | "\(.state) \(.exitCode)"' <<<"$containers" | sort | uniq -c
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -d berth -c \
        "SELECT \"ExitCode\", \"Reason\", \"EndedAt\" IS NULL AS open, count(*) FROM runs GROUP BY 1, 2, 3"
fi

seq_ms() { awk '{ printf "%.3f\n", $2 * 1000 }' "$1" | sort -n; }
pct() { awk -v p="$1" '{ a[NR] = $1 } END { i = int((NR - 1) * p + 0.5) + 1; print a[i] }'; }
seq_median="$(seq_ms "$work/sequential" | pct 0.5)"
seq_p99="$(seq_ms "$work/sequential" | pct 0.99)"
sus_median="$(awk '$1 == 201 { printf "%.3f\n", $2 * 1000 }' "$work/sustained" | sort -n | pct 0.5)"
sus_p99="$(awk '$1 == 201 { printf "%.3f\n", $2 * 1000 }' "$work/sustained" | sort -n | pct 0.99)"
podman_median="$(awk '{ printf "%.3f\n", $1 / 1e6 }' "$work/podman-times" | sort -n | pct 0.5)"
ratio="$(awk -v a="$seq_median" -v b="$podman_median" 'BEGIN { printf "%.2f", a / b }')"

jq -n --argjson launches "$launches" --argjson median "$seq_median" --argjson p99 "$seq_p99" \
    --argjson podman "$podman_median" --argjson ratio "$ratio" --argjson rate "$rate" --argjson seconds "$sustained" \
    --argjson sent "$total" --argjson answered "$answered" --argjson exited "$exited_ok" --argjson runs "$runs_ok" \
    --argjson smedian "$sus_median" --argjson sp99 "$sus_p99" --argjson elapsed "$elapsed" --argjson late "$late_max" \
    '{sequential: {launches: $launches, median_ms: $median, p99_ms: $p99}, podman_run_d_median_ms: $podman, ratio: $ratio,
      sustained: {rate: $rate, seconds: $seconds, sent: $sent, elapsed_ms: $elapsed, latest_send_ms: $late, answered_201: $answered,
                  exited_0: $exited, runs_exited_0: $runs, median_ms: $smedian, p99_ms: $sp99}}' | tee "$out/api-launch.json"
printf '\nPOST /api/v1/containers to running: median %s ms, p99 %s ms over %s launches (podman run -d: %s ms; ratio %s)\n' \
    "$seq_median" "$seq_p99" "$launches" "$podman_median" "$ratio"
printf 'sustained %s/s for %s s: %s of %s answered 201, %s exited 0 (median %s ms, p99 %s ms)\n' \
    "$rate" "$sustained" "$answered" "$total" "$exited_ok" "$sus_median" "$sus_p99"
