#!/usr/bin/env bash
# Density: host memory per idle container. Starts N detached `sleep 3600`
# containers (one shared read-only busybox bundle, a unique id each) with
# berth, then with runc (and podman with PODMAN=1, runtime runc: its default
# crun refuses hybrid cgroups), and reports per
# container:
#   - the drop in MemAvailable (/proc/meminfo, caches dropped before each
#     reading): everything the host pays, kernel objects included;
#   - the summed Pss (/proc/PID/smaps_rollup) of the container processes and,
#     for berth, its per-container monitor processes (podman: conmon).
#
#   bench/density.sh        # N=100
#   bench/density.sh 20
#   BERTH_BINARY=/path/to/berth bench/density.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

count="${1:-100}"
[[ "$count" =~ ^[1-9][0-9]*$ ]] || die "usage: $0 [N]  (N > 0 containers)"

packages=("${BERTH_BUILD_PACKAGES[@]}" runc "${BERTH_BENCH_PACKAGES[@]}")
[[ "${PODMAN:-0}" == 1 ]] && packages+=(podman conmon)
ensure_packages "${packages[@]}"
if [[ -n "${BERTH_BINARY:-}" ]]; then
    BERTH_BIN="$BERTH_BINARY"
elif [[ "${PUBLISH:-0}" == 1 || ! -x "$BERTH_BIN" ]]; then
    publish_berth
fi
berth_exe="$(readlink -f "$BERTH_BIN")"

work="$(mktemp -d /tmp/berth-bench.XXXXXX)"
bundle="$work/bundle"
podman_ids=()

delete_all() {
    local runtime="$1" root="$2" id
    for id in $("$runtime" --root "$root" list -q 2>/dev/null); do
        "$runtime" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
    done
}
cleanup() {
    delete_all "$BERTH_BIN" "$work/berth"
    delete_all runc "$work/runc"
    if ((${#podman_ids[@]} > 0)); then
        podman rm --force --time 0 "${podman_ids[@]}" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

build_busybox_bundle "$bundle" sleep 3600
mkdir -p "$work/berth" "$work/runc"

mem_available_kb() {
    sync
    echo 3 >/proc/sys/vm/drop_caches
    awk '/^MemAvailable:/ { print $2 }' /proc/meminfo
}

# descendants PID: PID and every process below it.
descendants() {
    local pid="$1" child children
    echo "$pid"
    children="$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)"
    for child in $children; do
        descendants "$child"
    done
}

# pss_kb PID...: summed proportional set size.
pss_kb() {
    local pid total=0 kb
    for pid in "$@"; do
        kb="$(awk '/^Pss:/ { print $2 }' /proc/"$pid"/smaps_rollup 2>/dev/null || true)"
        total=$((total + ${kb:-0}))
    done
    echo "$total"
}

# monitor_of PID PATH: the parent of PID if it runs the binary PATH (berth's
# waiter, shared by the containers of one root, or a per-container monitor). Only this container's: other berth processes on the
# machine (tests, other containers) must not be counted.
monitor_of() {
    local ppid
    ppid="$(awk '{ print $4 }' /proc/"$1"/stat 2>/dev/null || true)"
    if [[ -n "$ppid" && "$(readlink /proc/"$ppid"/exe 2>/dev/null)" == "$2" ]]; then
        echo "$ppid"
    fi
}

report() {
    local name="$1" before="$2" after="$3" pss="$4"
    awk -v n="$name" -v c="$count" -v b="$before" -v a="$after" -v p="$pss" 'BEGIN {
        printf "  %-7s MemAvailable drop %7.3f MB/container   Pss %7.3f MB/container\n",
            n, (b - a) / c / 1024, p / c / 1024 }' >>"$work/report"
}

# measure_oci NAME RUNTIME ROOT: N detached containers with an OCI runtime
# that speaks runc's CLI.
measure_oci() {
    local name="$1" runtime="$2" root="$3" before after i pid pids=()
    log "$name: starting $count containers"
    before="$(mem_available_kb)"
    for ((i = 1; i <= count; i++)); do
        "$runtime" --root "$root" run -d --bundle "$bundle" "d$i" </dev/null >/dev/null 2>"$work/err" ||
            die "$name run -d d$i failed: $(cat "$work/err")"
    done
    sleep 2
    after="$(mem_available_kb)"
    for ((i = 1; i <= count; i++)); do
        pid="$("$runtime" --root "$root" state "d$i" | jq -r .pid)"
        mapfile -t -O "${#pids[@]}" pids < <(descendants "$pid")
        if [[ "$name" == berth ]]; then
            mapfile -t -O "${#pids[@]}" pids < <(monitor_of "$pid" "$berth_exe")
        fi
    done
    mapfile -t pids < <(printf '%s\n' "${pids[@]}" | sort -un)
    report "$name" "$before" "$after" "$(pss_kb "${pids[@]}")"
    log "$name: ${#pids[@]} processes counted for $count containers"
    log "$name: deleting"
    delete_all "$runtime" "$root"
}

measure_podman() {
    local before after i id pid pids=() ulimits=(--ulimit nofile=20000:20000 --ulimit nproc=20000:20000)
    log "podman: starting $count containers"
    before="$(mem_available_kb)"
    for ((i = 1; i <= count; i++)); do
        # Named up front so that cleanup finds a container whose start failed.
        id="berth-density-$$-$i"
        podman_ids+=("$id")
        podman --runtime runc run -d --name "$id" --read-only --network none "${ulimits[@]}" \
            --rootfs "$bundle/rootfs" sleep 3600 >/dev/null
    done
    sleep 2
    after="$(mem_available_kb)"
    for id in "${podman_ids[@]}"; do
        # conmon is the container's parent: it and everything below it.
        pid="$(podman inspect --format '{{.State.ConmonPid}}' "$id")"
        mapfile -t -O "${#pids[@]}" pids < <(descendants "$pid")
    done
    report podman "$before" "$after" "$(pss_kb "${pids[@]}")"
    log "podman: deleting"
    podman rm --force --time 0 "${podman_ids[@]}" >/dev/null
    podman_ids=()
}

: >"$work/report"
measure_oci berth "$BERTH_BIN" "$work/berth"
measure_oci runc runc "$work/runc"
if [[ "${PODMAN:-0}" == 1 ]]; then
    measure_podman
fi

echo
echo "host memory per idle container ($count × sleep 3600):"
cat "$work/report"
echo "(runc leaves no process behind a container; berth's Pss includes its waiter, podman's conmon)"
