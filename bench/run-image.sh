#!/usr/bin/env bash
# `run --rm IMAGE true` with the image already present: berth's engine against
# podman (with Debian's runc: crun refuses hybrid cgroups) on the same busybox image,
# both without a network (`podman run --network=none`; berth's default is
# none). Rounds alternate the two (see cold-start.sh for why); medians over
# all runs. Also shows that a second container of an unpacked image copies no
# layer data: the bytes of its own layer and the image's, after 20 detached
# containers of the same image.
#
#   bench/run-image.sh                 # 40 runs each in 4 rounds
#   RUNS=100 ROUNDS=5 bench/run-image.sh
#
# Results: artifacts/bench/run-image-{berth,podman}.json, medians and the
# ratio berth/podman (target: at most 0.5).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

runs="${RUNS:-40}"
rounds="${ROUNDS:-4}"
per_round=$(( (runs + rounds - 1) / rounds ))
out="$BERTH_REPO/artifacts/bench"

ensure_packages "${BERTH_BUILD_PACKAGES[@]}" podman conmon runc "${BERTH_BENCH_PACKAGES[@]}"
bench_berth
mkdir -p "$out"

work="$(mktemp -d /tmp/berth-bench.XXXXXX)"
podman=(podman --root "$work/podman/storage" --runroot "$work/podman/run" --tmpdir "$work/podman/tmp"
    --cgroup-manager cgroupfs --events-backend file --storage-driver overlay --runtime runc)
berth=("$BERTH_BIN" --root "$work/berth-run" --data-root "$work/berth-data")
cleanup() {
    "${berth[@]}" rm -f $("${berth[@]}" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
    "${podman[@]}" rm --all --force --time 0 >/dev/null 2>&1 || true
    "${podman[@]}" system reset --force >/dev/null 2>&1 || true
    grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

build_busybox_image_archive "$work/busybox.tar" busybox:latest
"${berth[@]}" load -q -i "$work/busybox.tar"
"${podman[@]}" load -q -i "$work/busybox.tar" >/dev/null
# Root here lacks CAP_SYS_RESOURCE: podman's default of 1048576 open files would be refused.
ulimits=(--ulimit nofile=20000:20000 --ulimit nproc=20000:20000)
# Both must work before they are timed.
[[ "$("${berth[@]}" run --rm busybox echo ok)" == ok ]] || die "berth cannot run the image"
[[ "$("${podman[@]}" run --rm --network=none "${ulimits[@]}" busybox echo ok)" == ok ]] || die "podman cannot run the image"

declare -A commands=(
    [berth]="${berth[*]} run --rm busybox true"
    [podman]="${podman[*]} run --rm --network=none ${ulimits[*]} busybox true"
)
names=(berth podman)
log "measuring berth and podman: $rounds rounds of $per_round runs each"
hyperfine_rounds "$work" "$rounds" "$per_round" "${names[@]}"
for name in "${names[@]}"; do
    pool_medians "$out/run-image-$name.json" "$work/$name"-*.json
done
median_ms() { jq -r '.median * 1000 | . * 10 | round / 10' "$out/run-image-$1.json"; }
b="$(median_ms berth)" p="$(median_ms podman)"
echo
echo "run --rm busybox true, image present, median of $((per_round * rounds)) runs in $rounds rounds (ms):"
printf '  %-7s %8s\n' berth "$b" podman "$p"
echo "  berth/podman = $(awk -v a="$b" -v b="$p" 'BEGIN { printf "%.2f", a / b }') (target <= 0.5)"

# A second container copies no layer data.
for i in $(seq 1 20); do "${berth[@]}" run -d --name "idle$i" busybox sleep 600 >/dev/null; done
layers="$(du -sb "$work/berth-data/snapshots" | cut -f1)"
files="$(find "$work"/berth-data/containers/*/upper -type f -printf '%s\n' | awk '{ n++; s += $1 } END { printf "%d files, %d bytes", n, s }')"
echo
echo "20 running containers of one image: unpacked layers $layers bytes (one copy);"
echo "  in their own layers together: $files (the empty mount points of /etc/hosts, hostname, resolv.conf)"
