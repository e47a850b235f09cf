#!/usr/bin/env bash
# Networking: what a bridge network costs a container's start, and loopback
# throughput through a published port against straight to the container.
#
# 1. Start: `berth run --rm busybox true` with the default network mode (none:
#    a namespace with only lo, no CNI) against `--network NET` (a bridge
#    network: CNI ADD of bridge + host-local + firewall at start, DEL at the
#    end), taking turns in ROUNDS rounds as the other benchmarks do; medians
#    over all runs and the ratio bridge/none.
# 2. Throughput: SIZE MiB of zeros from the host into a container running
#    `nc -l` (busybox) to /dev/null, sent by bash's /dev/tcp, once to the
#    published port on 127.0.0.1 (DNAT by portmap, SNAT for localhost) and once
#    to the container's own address on the bridge; TRIES tries each, taking
#    turns; median MB/s (10^6 bytes) of each and the ratio published/direct.
#
#   bench/network.sh                    # 40 runs each in 4 rounds; 5 tries of 512 MiB
#   RUNS=100 ROUNDS=5 SIZE=1024 TRIES=7 bench/network.sh
#
# Results: artifacts/bench/network-start-{none,bridge}.json (every run's time
# and the median) and artifacts/bench/network-throughput.json.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

runs="${RUNS:-40}"
rounds="${ROUNDS:-4}"
size="${SIZE:-512}"
tries="${TRIES:-5}"
per_round=$(( (runs + rounds - 1) / rounds ))
out="$BERTH_REPO/artifacts/bench"

ensure_packages "${BERTH_BUILD_PACKAGES[@]}" "${BERTH_NETWORK_PACKAGES[@]}" "${BERTH_BENCH_PACKAGES[@]}"
bench_berth
mkdir -p "$out"

work="$(mktemp -d /tmp/berth-bench.XXXXXX)"
berth=("$BERTH_BIN" --root "$work/berth-run" --data-root "$work/berth-data")
net="bench$$"
cleanup() {
    # shellcheck disable=SC2046  # one id per word
    "${berth[@]}" rm -f $("${berth[@]}" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    "${berth[@]}" network rm "$net" >/dev/null 2>&1 || true
    grep -o " ${work}[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

build_busybox_image_archive "$work/busybox.tar" busybox:latest
"${berth[@]}" load -q -i "$work/busybox.tar"
"${berth[@]}" network create "$net" >/dev/null
# Both must work before they are timed.
[[ "$("${berth[@]}" run --rm busybox echo ok)" == ok ]] || die "berth cannot run the image"
[[ "$("${berth[@]}" run --rm --network "$net" busybox echo ok)" == ok ]] || die "berth cannot run the image on a bridge network"

declare -A commands=(
    [none]="${berth[*]} run --rm busybox true"
    [bridge]="${berth[*]} run --rm --network $net busybox true"
)
names=(none bridge)
log "measuring starts without and with a bridge network: $rounds rounds of $per_round runs each"
hyperfine_rounds "$work" "$rounds" "$per_round" "${names[@]}"
for name in "${names[@]}"; do
    pool_medians "$out/network-start-$name.json" "$work/$name"-*.json
done
median_ms() { jq -r '.median * 1000 | . * 10 | round / 10' "$out/network-start-$1.json"; }
n="$(median_ms none)" b="$(median_ms bridge)"
echo
echo "run --rm busybox true, median of $((per_round * rounds)) runs in $rounds rounds (ms):"
printf '  %-16s %8s\n' "--network none" "$n" "--network $net" "$b"
echo "  bridge/none = $(awk -v a="$b" -v b="$n" 'BEGIN { printf "%.2f", a / b }')"

# Throughput. The sink listens again after each stream.
port="$(random_free_port)"
"${berth[@]}" run -d --name sink --network "$net" -p "$port:5000" busybox \
    sh -c 'while true; do nc -l -p 5000 >/dev/null; done' >/dev/null
ip="$("${berth[@]}" inspect sink | jq -r '.[0].state.ipAddress | split("/")[0]')"
# MB/s of one stream of $size MiB to $1:$2 (waits for the listener first).
stream() {
    local host="$1" p="$2" start end i
    for ((i = 0; i < 100; i++)); do
        (exec 3>"/dev/tcp/$host/$p") 2>/dev/null && break
        sleep 0.05
    done
    sleep 0.1
    start="$(date +%s%N)"
    head -c "$((size * 1024 * 1024))" /dev/zero >"/dev/tcp/$host/$p"
    end="$(date +%s%N)"
    awk -v b="$((size * 1024 * 1024))" -v ns="$((end - start))" 'BEGIN { printf "%.1f", b / (ns / 1e9) / 1e6 }'
}
published=() direct=()
log "measuring throughput: $tries tries of $size MiB each way"
for ((t = 0; t < tries; t++)); do
    if ((t % 2 == 0)); then
        published+=("$(stream 127.0.0.1 "$port")"); direct+=("$(stream "$ip" 5000)")
    else
        direct+=("$(stream "$ip" 5000)"); published+=("$(stream 127.0.0.1 "$port")")
    fi
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
p="$(median "${published[@]}")" d="$(median "${direct[@]}")"
jq -n --argjson p "[$(IFS=,; echo "${published[*]}")]" --argjson d "[$(IFS=,; echo "${direct[*]}")]" \
    --argjson pm "$p" --argjson dm "$d" --argjson size "$size" \
    '{sizeMiB: $size, published: {mbps: $p, median: $pm}, direct: {mbps: $d, median: $dm}}' >"$out/network-throughput.json"
echo
echo "$size MiB from the host into a container (nc -l), median of $tries (MB/s):"
printf '  %-34s %8s\n' "published port 127.0.0.1:$port" "$p" "container address $ip:5000" "$d"
echo "  published/direct = $(awk -v a="$p" -v b="$d" 'BEGIN { printf "%.2f", a / b }')"
