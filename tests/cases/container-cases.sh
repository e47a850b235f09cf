# shellcheck shell=sh
# The container test cases that run on every cgroup backend: on the host
# (v1 or hybrid here: tests/Berth.Cases.Tests runs each as a test) and inside
# the cgroup v2 VM (tests/vm/stage.sh). One list, two environments.
#
# Plain POSIX sh, run by busybox sh on both sides (the VM has nothing else):
#
#   sh container-cases.sh list          the case names, one a line
#   sh container-cases.sh run NAME      runs one case: exit 0 passed,
#                                       77 skipped (the reason on stdout's
#                                       last line), anything else failed
#   sh container-cases.sh coldstart RUNC N
#                                       the cold-start figure: berth/RUNC
#   sh container-cases.sh rootfs DIR    makes the busybox root file system
#                                       CASES_ROOTFS may name
#
# Environment: BERTH (the berth binary, required), BUSYBOX (a static
# busybox for the containers' root, default /bin/busybox), CASES_TMP (where
# bundles and state go, default /tmp/berth-cases), CASES_ROOTFS (a root file
# system made by `rootfs DIR` for every case to share; default: each case
# makes its own).
#
# Each case makes its own bundle, --root state folder and container ids, and
# its EXIT trap deletes its containers and folders, pass or fail. Cases
# assert what the kernel shows (cgroup files, exit statuses, failed forks)
# and what berth reports (state, stats); never timings.
set -u

BUSYBOX="${BUSYBOX:-/bin/busybox}"
CASES_TMP="${CASES_TMP:-/tmp/berth-cases}"

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }

# --- the environment --------------------------------------------------------

# is_v2: the host has the unified hierarchy only.
is_v2() { [ -f /sys/fs/cgroup/cgroup.controllers ]; }

# v1_mount CONTROLLER: where the v1 hierarchy holding CONTROLLER is mounted
# (empty when none is).
v1_mount() {
    awk -v c="$1" '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
        if ($(i + 1) != "cgroup") next; n = split($(i + 3), o, ",");
        for (j = 1; j <= n; j++) if (o[j] == c) { print $5; exit } }' /proc/self/mountinfo
}

# unified_mount: where cgroup2 is mounted.
unified_mount() {
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break; if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo
}

# cg_dir ID CONTROLLER: container ID's cgroup directory holding CONTROLLER's
# files. berth nests it under its caller's own cgroup (this shell's; on v2
# the one above berth.supervisor) as berth-ID; on a hybrid host a controller
# v1 does not mount (hugetlb) lives in the unified tree.
cg_dir() {
    _mount="" _own=""
    if ! is_v2; then
        _mount="$(v1_mount "$2")"
        [ -n "$_mount" ] && _own="$(awk -F: -v c="$2" '{ n = split($2, o, ","); for (j = 1; j <= n; j++) if (o[j] == c) { print $3; exit } }' /proc/self/cgroup)"
    fi
    if [ -z "$_mount" ]; then
        _mount="$(unified_mount)"
        _own="$(unified_base)"
    fi
    echo "$_mount${_own%/}/berth-$1"
}

# unified_base: where berth nests containers in the unified hierarchy: this
# shell's own cgroup, or the one above it when berth has moved the shell into
# its berth.supervisor leaf (see nested_busy_parent).
unified_base() {
    _own="$(sed -n 's/^0:://p' /proc/self/cgroup)"
    case "$_own" in */berth.supervisor) _own="${_own%/berth.supervisor}" ;; esac
    echo "${_own:-/}"
}

# cg_read ID CONTROLLER FILE: a file of the container's cgroup.
cg_read() { cat "$(cg_dir "$1" "$2")/$3"; }

# flat_key FILE KEY: the value of KEY in a flat-keyed file ("key value" lines).
flat_key() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# --- bundles and containers -------------------------------------------------

WORK="" ROOTFS="" IDS="" AT_EXIT="" MOUNTS=""

# cleanup: the EXIT trap: deletes every container the case made, runs the
# case's own AT_EXIT command (a function name), then removes its folder.
cleanup() {
    _status=$?
    for _id in $IDS; do
        "$BERTH" --root "$WORK/state" delete --force "$_id" >/dev/null 2>&1 || true
        # A cgroup left behind is a failed case, whatever else it showed.
        if [ -d "$(cg_dir "$_id" pids)" ]; then
            echo "FAIL: cgroup $(cg_dir "$_id" pids) left behind after delete --force"
            _status=1
        fi
    done
    [ -z "$AT_EXIT" ] || "$AT_EXIT" || _status=1
    [ -z "$WORK" ] || rm -rf "$WORK"
    exit "$_status"
}

# setup: the case's folder, and the containers' root file system: a busybox
# one of its own, or the shared CASES_ROOTFS (read-only to every container).
setup() {
    mkdir -p "$CASES_TMP"
    WORK="$(mktemp -d "$CASES_TMP/case.XXXXXX")"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    if [ -n "${CASES_ROOTFS:-}" ]; then
        ROOTFS="$CASES_ROOTFS"
    else
        ROOTFS="$WORK/rootfs"
        make_rootfs "$ROOTFS"
    fi
}

# make_rootfs DIR: a busybox root file system: one binary, a link per applet.
# (A link each is a fork each: the VM, where forks are slow, makes it once
# and shares it through CASES_ROOTFS.)
make_rootfs() {
    mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/etc" "$1/tmp"
    cp "$BUSYBOX" "$1/bin/busybox"
    for _a in $("$BUSYBOX" --list); do
        [ "$_a" = busybox ] || ln -s busybox "$1/bin/$_a"
    done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$1/etc/passwd"
    echo 'root:x:0:' >"$1/etc/group"
}

# new_id: sets NEW_ID to a fresh container id and records it for cleanup
# (not through $(...): a subshell's IDS would be lost).
new_id() {
    NEW_ID="c$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
    IDS="$IDS $NEW_ID"
}

# json_args ARG...: the arguments as a JSON array's body.
json_args() {
    _s=""
    for _a in "$@"; do
        _a="$(printf '%s' "$_a" | sed 's/\\/\\\\/g; s/"/\\"/g')"
        _s="$_s${_s:+, }\"$_a\""
    done
    printf '%s' "$_s"
}

# bundle ID RESOURCES DEVICES ARG...: WORK/ID, a bundle sharing the case's
# root file system, with linux.resources RESOURCES (JSON members, may be
# empty; the device rules deny everything first, as runc's spec does) and
# linux.devices DEVICES (JSON array body, may be empty), running ARG...
# MOUNTS (JSON objects, when set) are added to the default mounts;
# PROCESS_EXTRA (JSON members, when set) to the process.
bundle() {
    _b="$WORK/$1" _res="$2" _dev="$3"
    shift 3
    mkdir -p "$_b"
    cat >"$_b/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false, "user": { "uid": 0, "gid": 0 }, "cwd": "/",
    "args": [ $(json_args "$@") ],
    "env": [ "PATH=/bin" ],
    "capabilities": {
      "bounding": [ "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
      "effective": [ "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
      "permitted": [ "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
    },
    "noNewPrivileges": true${PROCESS_EXTRA:+, $PROCESS_EXTRA}
  },
  "root": { "path": "$ROOTFS", "readonly": true },
  "hostname": "cases",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "mode=755", "size=65536k" ] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": [ "nosuid", "nodev", "mode=1777", "size=65536k" ] },
    { "destination": "/tmp", "type": "tmpfs", "source": "tmp", "options": [ "nosuid", "nodev", "size=65536k" ] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": [ "nosuid", "noexec", "nodev", "ro" ] }${MOUNTS:+,
    $MOUNTS}
  ],
  "linux": {
    "resources": { "devices": [ { "allow": false, "access": "rwm" } ]${_res:+, $_res} },
    "devices": [ $_dev ],
    "namespaces": [ { "type": "pid" }, { "type": "network" }, { "type": "ipc" }, { "type": "uts" }, { "type": "mount" }, { "type": "cgroup" } ],
    "maskedPaths": [ "/proc/kcore", "/proc/keys", "/sys/firmware" ],
    "readonlyPaths": [ "/proc/sys", "/proc/sysrq-trigger" ]
  }
}
JSON
}

# b ARG...: berth with the case's state folder.
b() { "$BERTH" --root "$WORK/state" "$@"; }

# start ID RESOURCES DEVICES ARG...: creates and starts container ID (its
# output goes to WORK/ID.log).
start() {
    _id="$1"
    bundle "$@"
    b create --bundle "$WORK/$_id" "$_id" </dev/null >"$WORK/$_id.log" 2>&1 \
        || fail "create $_id: $(cat "$WORK/$_id.log")"
    b start "$_id" || fail "start $_id"
}

# run ID RESOURCES DEVICES ARG...: runs container ID in the foreground, its
# output in WORK/ID.log; sets RC to its exit status.
run() {
    _id="$1"
    bundle "$@"
    RC=0
    b run --bundle "$WORK/$_id" "$_id" </dev/null >"$WORK/$_id.log" 2>&1 || RC=$?
}

# status ID: the container's OCI status.
status() { b state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p' | head -n 1; }

# state_field ID FIELD: a scalar field of `berth state` (exitCode, oomKilled...).
state_field() { b state "$1" 2>/dev/null | tr ',{}' '\n\n\n' | sed -n "s/^ *\"$2\": *\"*\\([^\"]*\\)\"*\$/\\1/p" | head -n 1; }

# wait_status ID STATUS: waits (bounded: a hang is a failure, not a timing
# assertion) until the container's status is STATUS.
wait_status() {
    _i=0
    while [ "$(status "$1")" != "$2" ]; do
        _i=$((_i + 1))
        [ "$_i" -le 600 ] || fail "$1 did not become $2 (status: $(status "$1"))"
        sleep 0.1
    done
}

# wait_log ID TEXT: waits until the container's output holds TEXT.
wait_log() {
    _i=0
    until grep -q "$2" "$WORK/$1.log" 2>/dev/null; do
        _i=$((_i + 1))
        [ "$_i" -le 600 ] || fail "$1 never printed \"$2\" (output: $(cat "$WORK/$1.log"))"
        sleep 0.1
    done
}

# stat_json ID: one stats event of `berth events --stats`.
stat_json() { b events --stats "$1"; }

# json_num JSON KEY: the first number named KEY in JSON.
json_num() { printf '%s' "$1" | tr ',{}' '\n\n\n' | sed -n "s/^ *\"$2\": *\\([0-9][0-9]*\\).*/\\1/p" | head -n 1; }

# block_device: MAJ:MIN of a whole block device that io limits can name
# (the VM's brd ramdisk, else the host's first disk), or nothing.
block_device() {
    for _d in /sys/block/ram0 /sys/block/*; do
        case "${_d##*/}" in loop* | '*') continue ;; esac
        [ -f "$_d/dev" ] && { cat "$_d/dev"; return; }
    done
}

# --- the cases --------------------------------------------------------------
# Each case is a function case_NAME; `list` prints them in file order.

case_exit_status() {
    setup
    new_id; id="$NEW_ID"
    run "$id" "" "" sh -c 'echo out; exit 7'
    [ "$RC" = 7 ] || fail "run exited $RC, expected 7 (output: $(cat "$WORK/$id.log"))"
    grep -q out "$WORK/$id.log" || fail "no output"
}

case_exit_detection() {
    setup
    new_id; id="$NEW_ID"
    start "$id" "" "" sh -c 'sleep 1; exit 3'
    wait_status "$id" stopped
    [ "$(state_field "$id" exitCode)" = 3 ] || fail "exitCode $(state_field "$id" exitCode), expected 3"
    if is_v2; then
        # The cgroup stays until delete; cgroup.events says it is empty.
        [ "$(flat_key "$(cg_dir "$id" memory)/cgroup.events" populated)" = 0 ] || fail "cgroup.events still populated"
    fi
}

case_memory_oom() {
    setup
    new_id; id="$NEW_ID"
    # memory+swap = memory: no swap to escape to. dd allocates its whole
    # block (128M) against a 32M limit: the OOM killer takes it.
    run "$id" '"memory": { "limit": 33554432, "swap": 33554432 }' "" \
        sh -c 'echo started; exec dd if=/dev/zero of=/dev/null bs=128M count=1'
    [ "$RC" = 137 ] || fail "exit $RC, expected 137 (output: $(cat "$WORK/$id.log"))"
}

case_memory_oom_recorded() {
    setup
    new_id; id="$NEW_ID"
    start "$id" '"memory": { "limit": 33554432, "swap": 33554432 }' "" \
        sh -c 'exec dd if=/dev/zero of=/dev/null bs=128M count=1'
    wait_status "$id" stopped
    [ "$(state_field "$id" exitCode)" = 137 ] || fail "exitCode $(state_field "$id" exitCode), expected 137"
    [ "$(state_field "$id" oomKilled)" = true ] || fail "oomKilled not recorded: $(b state "$id")"
    if is_v2; then
        d="$(cg_dir "$id" memory)"
        [ "$(cat "$d/memory.max")" = 33554432 ] || fail "memory.max $(cat "$d/memory.max")"
        [ "$(cat "$d/memory.swap.max")" = 0 ] || fail "memory.swap.max $(cat "$d/memory.swap.max")"
        [ "$(flat_key "$d/memory.events" oom_kill)" -ge 1 ] || fail "memory.events: $(cat "$d/memory.events")"
        [ "$(flat_key "$d/memory.events" oom)" -ge 1 ] || fail "memory.events: $(cat "$d/memory.events")"
    else
        d="$(cg_dir "$id" memory)"
        [ "$(cat "$d/memory.limit_in_bytes")" = 33554432 ] || fail "memory.limit_in_bytes $(cat "$d/memory.limit_in_bytes")"
        [ "$(flat_key "$d/memory.oom_control" oom_kill)" -ge 1 ] || fail "memory.oom_control: $(cat "$d/memory.oom_control")"
    fi
}

case_memory_limits() {
    setup
    new_id; id="$NEW_ID"
    # 64M memory, 96M memory+swap, 16M reservation (v2: memory.low).
    start "$id" '"memory": { "limit": 67108864, "swap": 100663296, "reservation": 16777216 }' "" sleep 600
    if is_v2; then
        d="$(cg_dir "$id" memory)"
        [ "$(cat "$d/memory.max")" = 67108864 ] || fail "memory.max $(cat "$d/memory.max")"
        [ "$(cat "$d/memory.swap.max")" = 33554432 ] || fail "memory.swap.max $(cat "$d/memory.swap.max")"
        [ "$(cat "$d/memory.low")" = 16777216 ] || fail "memory.low $(cat "$d/memory.low")"
    else
        d="$(cg_dir "$id" memory)"
        [ "$(cat "$d/memory.limit_in_bytes")" = 67108864 ] || fail "memory.limit_in_bytes $(cat "$d/memory.limit_in_bytes")"
        [ "$(cat "$d/memory.soft_limit_in_bytes")" = 16777216 ] || fail "soft limit $(cat "$d/memory.soft_limit_in_bytes")"
        if [ -f "$d/memory.memsw.limit_in_bytes" ]; then
            [ "$(cat "$d/memory.memsw.limit_in_bytes")" = 100663296 ] || fail "memsw $(cat "$d/memory.memsw.limit_in_bytes")"
        fi
    fi
    b update --memory 50331648 --memory-swap 83886080 "$id" || fail "update"
    if is_v2; then
        [ "$(cat "$d/memory.max")" = 50331648 ] || fail "memory.max after update $(cat "$d/memory.max")"
    else
        [ "$(cat "$d/memory.limit_in_bytes")" = 50331648 ] || fail "limit after update $(cat "$d/memory.limit_in_bytes")"
    fi
}

case_memory_swap() {
    swap_kb="$(awk '$1 == "SwapTotal:" { print $2 }' /proc/meminfo)"
    [ "${swap_kb:-0}" -ge 32768 ] || skip "no swap device of 32 MB or more is active (SwapTotal ${swap_kb:-0} kB; the VM has one): swap limits cannot be exercised"
    if ! is_v2 && [ ! -f "$(v1_mount memory)/memory.memsw.limit_in_bytes" ]; then
        skip "this kernel's v1 memory controller does not account swap (no memory.memsw.limit_in_bytes)"
    fi
    setup
    new_id; id="$NEW_ID"
    # 32M of memory and 32M of swap (memory+swap 64M): 48M written to the
    # container's tmpfs (shmem, which only swap can take) fits only by
    # swapping 16M or more out.
    start "$id" '"memory": { "limit": 33554432, "swap": 67108864 }' "" \
        sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=48 2>&1 && echo written; sleep 600'
    wait_log "$id" 'written\|dd:'
    grep -q written "$WORK/$id.log" || fail "48M did not fit in 32M plus 32M of swap: $(cat "$WORK/$id.log")"
    d="$(cg_dir "$id" memory)"
    if is_v2; then
        [ "$(cat "$d/memory.swap.max")" = 33554432 ] || fail "memory.swap.max $(cat "$d/memory.swap.max")"
        swapped="$(cat "$d/memory.swap.current")"
        [ "$swapped" -ge 1 ] && [ "$swapped" -le 33554432 ] || fail "memory.swap.current $swapped, expected some and at most memory.swap.max"
        [ "$(cat "$d/memory.current")" -le 33554432 ] || fail "memory.current $(cat "$d/memory.current") above memory.max"
    else
        [ "$(flat_key "$d/memory.stat" swap)" -ge 1 ] || fail "nothing swapped out: memory.stat $(grep swap "$d/memory.stat")"
    fi
    # The same 48M with only 8M of swap (memory+swap 40M): the write cannot
    # finish, the memory limit is hit with the swap limit used up, and the
    # OOM killer is called (memory.events oom).
    new_id; id2="$NEW_ID"
    start "$id2" '"memory": { "limit": 33554432, "swap": 41943040 }' "" \
        sh -c 'exec dd if=/dev/zero of=/dev/shm/f bs=1M count=48'
    wait_status "$id2" stopped
    [ "$(state_field "$id2" exitCode)" != 0 ] || fail "48M fit in 32M plus 8M of swap: $(cat "$WORK/$id2.log")"
    if is_v2; then
        d2="$(cg_dir "$id2" memory)"
        [ "$(cat "$d2/memory.swap.max")" = 8388608 ] || fail "memory.swap.max $(cat "$d2/memory.swap.max")"
        [ "$(flat_key "$d2/memory.events" oom)" -ge 1 ] || fail "memory.events: $(cat "$d2/memory.events")"
    fi
}

case_cpu_quota() {
    setup
    new_id; id="$NEW_ID"
    # 20% of a CPU, busy for 2 s: throttled in most periods.
    start "$id" '"cpu": { "quota": 20000, "period": 100000, "shares": 512 }' "" \
        sh -c 'timeout 2 sh -c "while :; do :; done"; echo done; sleep 600'
    if is_v2; then
        d="$(cg_dir "$id" cpu)"
        [ "$(cat "$d/cpu.max")" = "20000 100000" ] || fail "cpu.max $(cat "$d/cpu.max")"
        # runc's mapping of shares onto weight: 1 + (512 - 2) * 9999 / 262142.
        [ "$(cat "$d/cpu.weight")" = 20 ] || fail "cpu.weight $(cat "$d/cpu.weight")"
    else
        d="$(cg_dir "$id" cpu)"
        [ "$(cat "$d/cpu.cfs_quota_us")" = 20000 ] || fail "cfs_quota_us $(cat "$d/cpu.cfs_quota_us")"
        [ "$(cat "$d/cpu.shares")" = 512 ] || fail "cpu.shares $(cat "$d/cpu.shares")"
    fi
    wait_log "$id" done
    s="$(stat_json "$id")" || fail "events --stats"
    t="$(json_num "$s" throttledPeriods)"
    [ "${t:-0}" -ge 1 ] || fail "no throttled period in the stats: $s"
}

# pinned ID CPUS: starts container ID on CPUS (and memory node 0); checks
# what the container itself and its cpuset.cpus say.
pinned() {
    start "$1" "\"cpu\": { \"cpus\": \"$2\", \"mems\": \"0\" }" "" sh -c 'grep Cpus_allowed_list /proc/self/status; sleep 600'
    wait_log "$1" Cpus_allowed_list
    grep -q "Cpus_allowed_list:[[:space:]]*$2\$" "$WORK/$1.log" || fail "inside: $(cat "$WORK/$1.log")"
    [ "$(cg_read "$1" cpuset cpuset.cpus)" = "$2" ] || fail "cpuset.cpus $(cg_read "$1" cpuset cpuset.cpus)"
}

case_cpuset() {
    setup
    new_id; id="$NEW_ID"
    pinned "$id" 0
    [ "$(cg_read "$id" cpuset cpuset.mems)" = 0 ] || fail "cpuset.mems $(cg_read "$id" cpuset cpuset.mems)"
}

case_cpuset_two_cpus() {
    [ -d /sys/devices/system/cpu/cpu1 ] && [ "$(cat /sys/devices/system/cpu/cpu1/online 2>/dev/null || echo 1)" = 1 ] \
        || skip "CPU 1 is not online: one CPU only"
    if is_v2; then effective=cpuset.cpus.effective; else effective=cpuset.effective_cpus; fi
    setup
    new_id; id="$NEW_ID"
    pinned "$id" 1
    [ "$(cg_read "$id" cpuset "$effective")" = 1 ] || fail "$effective $(cg_read "$id" cpuset "$effective")"
    # Widened while running: the kernel moves the running processes too.
    b update --cpuset-cpus 0-1 "$id" || fail "update --cpuset-cpus 0-1"
    [ "$(cg_read "$id" cpuset "$effective")" = 0-1 ] || fail "$effective after update: $(cg_read "$id" cpuset "$effective")"
    inside="$(b exec "$id" grep Cpus_allowed_list /proc/self/status)" || fail "exec"
    case "$inside" in *[[:space:]]0-1) ;; *) fail "inside after update: $inside" ;; esac
}

case_pids_max() {
    setup
    new_id; id="$NEW_ID"
    run "$id" '"pids": { "limit": 4 }' "" \
        sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 30 & done; echo forked; kill $(jobs -p) 2>/dev/null; exit 0'
    grep -q "can't fork" "$WORK/$id.log" || fail "every fork succeeded under pids.max 4 (output: $(cat "$WORK/$id.log"))"
}

case_pids_limit_file() {
    setup
    new_id; id="$NEW_ID"
    start "$id" '"pids": { "limit": 9 }' "" sleep 600
    [ "$(cg_read "$id" pids pids.max)" = 9 ] || fail "pids.max $(cg_read "$id" pids pids.max)"
    s="$(stat_json "$id")" || fail "events --stats"
    [ "$(json_num "$s" current)" -ge 1 ] || fail "pids.current in the stats: $s"
    [ "$(printf '%s' "$s" | sed -n 's/.*"pids": *{[^}]*"limit": *\([0-9]*\).*/\1/p')" = 9 ] || fail "pids limit in the stats: $s"
}

case_io_limits() {
    dev="$(block_device)"
    [ -n "$dev" ] || skip "no block device to name in an io limit"
    setup
    maj="${dev%:*}" min="${dev#*:}"
    new_id; id="$NEW_ID"
    start "$id" "\"blockIO\": { \"throttleReadBpsDevice\": [ { \"major\": $maj, \"minor\": $min, \"rate\": 1048576 } ],
        \"throttleWriteIOPSDevice\": [ { \"major\": $maj, \"minor\": $min, \"rate\": 100 } ] }" "" sleep 600
    if is_v2; then
        line="$(grep "^$dev " "$(cg_dir "$id" io)/io.max")" || fail "io.max: $(cg_read "$id" io io.max)"
        case "$line" in *rbps=1048576*wiops=100*) ;; *) fail "io.max: $line" ;; esac
    else
        grep -q "^$dev 1048576\$" "$(cg_dir "$id" blkio)/blkio.throttle.read_bps_device" \
            || fail "blkio.throttle.read_bps_device: $(cg_read "$id" blkio blkio.throttle.read_bps_device)"
        grep -q "^$dev 100\$" "$(cg_dir "$id" blkio)/blkio.throttle.write_iops_device" \
            || fail "blkio.throttle.write_iops_device: $(cg_read "$id" blkio blkio.throttle.write_iops_device)"
    fi
}

case_io_weight() {
    if is_v2; then
        d="$(unified_mount)"
        [ -f "$d/$(sed -n 's/^0:://p' /proc/self/cgroup | sed 's,^/$,,')/io.pressure" ] || true
    elif [ ! -f "$(v1_mount blkio)/blkio.weight" ] && [ ! -f "$(v1_mount blkio)/blkio.bfq.weight" ]; then
        skip "this kernel's v1 blkio has no weight file (no CFQ or BFQ)"
    fi
    setup
    new_id; id="$NEW_ID"
    start "$id" '"blockIO": { "weight": 500 }' "" sleep 600
    if is_v2; then
        d="$(cg_dir "$id" io)"
        if [ -f "$d/io.bfq.weight" ]; then
            [ "$(flat_key "$d/io.bfq.weight" default)" = 500 ] || fail "io.bfq.weight: $(cat "$d/io.bfq.weight")"
        else
            # 1 + (500 - 10) * 9999 / 990
            [ "$(flat_key "$d/io.weight" default)" = 4950 ] || fail "io.weight: $(cat "$d/io.weight")"
        fi
    else
        d="$(cg_dir "$id" blkio)"
        [ "$(cat "$d/blkio.weight" 2>/dev/null || cat "$d/blkio.bfq.weight")" = 500 ] || fail "blkio weight"
    fi
}

case_io_stat() {
    dev="$(block_device)"
    [ -n "$dev" ] || skip "no block device to read"
    setup
    maj="${dev%:*}" min="${dev#*:}"
    mknod "$WORK/disk0" b "$maj" "$min" && dd if="$WORK/disk0" of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null \
        || skip "this host does not let even its root read block device $dev (the development machines' disk): nothing to count"
    new_id; id="$NEW_ID"
    # 1M read with O_DIRECT (no page cache in between) from the block device,
    # made in the container (m) and allowed for reading only.
    start "$id" "\"devices\": [ { \"allow\": false, \"access\": \"rwm\" }, { \"allow\": true, \"type\": \"b\", \"major\": $maj, \"minor\": $min, \"access\": \"rm\" } ]" \
        "{ \"path\": \"/dev/disk0\", \"type\": \"b\", \"major\": $maj, \"minor\": $min, \"fileMode\": 384 }" \
        sh -c 'dd if=/dev/disk0 of=/dev/null bs=64k count=16 iflag=direct 2>&1; echo read-done; sleep 600'
    wait_log "$id" read-done
    if is_v2; then
        line="$(grep "^$dev " "$(cg_dir "$id" io)/io.stat")" || fail "no $dev line in io.stat: $(cg_read "$id" io io.stat); dd: $(cat "$WORK/$id.log")"
        rbytes="$(printf '%s\n' "$line" | tr ' ' '\n' | sed -n 's/^rbytes=//p')"
    else
        rbytes="$(awk -v d="$dev" '$1 == d && $2 == "Read" { print $3 }' "$(cg_dir "$id" blkio)/blkio.throttle.io_service_bytes")"
    fi
    [ "${rbytes:-0}" -ge 1048576 ] || fail "$dev read bytes ${rbytes:-none} below the 1M read (dd: $(cat "$WORK/$id.log"))"
    s="$(stat_json "$id")" || fail "events --stats"
    [ "$(json_num "$s" readBytes)" -ge 1048576 ] || fail "blkio readBytes below the 1M read: $s"
}

# need_hugetlb: skips the case unless the unified hierarchy (the whole tree
# on v2, the cgroup2 mount on a hybrid host) has hugetlb and the kernel 2 MB
# huge pages.
need_hugetlb() {
    _u="$(unified_mount)"
    [ -n "$_u" ] && grep -qw hugetlb "$_u/cgroup.controllers" 2>/dev/null || skip "the unified hierarchy has no hugetlb controller"
    [ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "the kernel has no 2 MB huge pages"
}

# refused ID WHAT PATTERN: creating the bundled container ID fails, saying
# something that matches PATTERN, and leaves no container behind.
refused() {
    if b create --bundle "$WORK/$1" "$1" </dev/null >"$WORK/$1.log" 2>&1; then fail "$2 accepted"; fi
    grep -q "$3" "$WORK/$1.log" || fail "no clear refusal of $2: $(cat "$WORK/$1.log")"
    [ -z "$(status "$1")" ] || fail "a refused create left container $1"
}

case_hugetlb_limit() {
    need_hugetlb
    setup
    new_id; id="$NEW_ID"
    start "$id" '"hugepageLimits": [ { "pageSize": "2MB", "limit": 4194304 } ]' "" sleep 600
    [ "$(cg_read "$id" hugetlb hugetlb.2MB.max)" = 4194304 ] || fail "hugetlb.2MB.max $(cg_read "$id" hugetlb hugetlb.2MB.max)"
}

case_hugetlb_enforced() {
    need_hugetlb
    free="$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)"
    [ "$free" -ge 4 ] || skip "fewer than 4 free 2 MB huge pages ($free; the VM reserves 8 at boot): nothing to allocate against the limit"
    setup
    MOUNTS='{ "destination": "/dev/hugepages", "type": "hugetlbfs", "source": "hugetlbfs", "options": [ "pagesize=2M" ] }'
    new_id; id="$NEW_ID"
    # A 4M limit, two huge pages: allocating them in the container's
    # hugetlbfs succeeds, a third is refused by the limit (the host has two
    # more free), and the refusal is counted.
    start "$id" '"hugepageLimits": [ { "pageSize": "2MB", "limit": 4194304 } ]' "" \
        sh -c 'fallocate -l 4194304 /dev/hugepages/a && echo within-limit; fallocate -l 2097152 /dev/hugepages/b && echo beyond-limit; echo tried; sleep 600'
    wait_log "$id" tried
    grep -q within-limit "$WORK/$id.log" || fail "two huge pages refused under a 4M limit: $(cat "$WORK/$id.log")"
    if grep -q beyond-limit "$WORK/$id.log"; then fail "a third huge page was allocated beyond the 4M limit"; fi
    d="$(cg_dir "$id" hugetlb)"
    [ "$(cat "$d/hugetlb.2MB.current")" = 4194304 ] || fail "hugetlb.2MB.current $(cat "$d/hugetlb.2MB.current")"
    [ "$(flat_key "$d/hugetlb.2MB.events" max)" -ge 1 ] || fail "hugetlb.2MB.events: $(cat "$d/hugetlb.2MB.events")"
}

case_unified_files() {
    setup
    new_id; id="$NEW_ID"
    # A core file is the runtime's own: refused before anything is made.
    bundle "$id" '"unified": { "cgroup.procs": "1" }' "" true
    refused "$id" "cgroup.procs as a unified file" "cgroup.procs"
    new_id; id="$NEW_ID"
    if is_v2; then
        # Raw v2 files, written after the structured limits: memory.high
        # (which OCI has no other field for) and pids.max over pids.limit.
        start "$id" '"memory": { "limit": 67108864 }, "pids": { "limit": 100 }, "unified": { "memory.high": "50331648", "pids.max": "77" }' "" sleep 600
        [ "$(cg_read "$id" memory memory.high)" = 50331648 ] || fail "memory.high $(cg_read "$id" memory memory.high)"
        [ "$(cg_read "$id" memory memory.max)" = 67108864 ] || fail "memory.max $(cg_read "$id" memory memory.max)"
        [ "$(cg_read "$id" pids pids.max)" = 77 ] || fail "pids.max $(cg_read "$id" pids pids.max)"
    else
        # Memory runs on cgroup v1 here: its v2 file is refused by name.
        bundle "$id" '"unified": { "memory.high": "50331648" }' "" sleep 600
        refused "$id" "memory.high on a host whose memory controller is v1" "memory.high.*cgroup v1"
        need_hugetlb
        # hugetlb is on the unified hierarchy of this hybrid host: its file is written.
        new_id; id="$NEW_ID"
        start "$id" '"unified": { "hugetlb.2MB.max": "6291456" }' "" sleep 600
        [ "$(cg_read "$id" hugetlb hugetlb.2MB.max)" = 6291456 ] || fail "hugetlb.2MB.max $(cg_read "$id" hugetlb hugetlb.2MB.max)"
    fi
}

case_devices() {
    setup
    new_id; id="$NEW_ID"
    # /dev/kmsg (c 1:11) is made in the container (mknod: m), but no rule
    # allows writing it; the default nodes (/dev/null...) are allowed.
    kmsg='{ "path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438 }'
    run "$id" '"devices": [ { "allow": false, "access": "rwm" }, { "allow": true, "type": "c", "major": 1, "minor": 11, "access": "m" } ]' \
        "$kmsg" sh -c 'echo ok >/dev/null && echo null-ok; echo berth-case >/dev/kmsg && echo kmsg-ok; exit 0'
    grep -q null-ok "$WORK/$id.log" || fail "/dev/null was refused: $(cat "$WORK/$id.log")"
    if grep -q kmsg-ok "$WORK/$id.log"; then fail "/dev/kmsg was writable without a rule allowing w"; fi
    new_id; id2="$NEW_ID"
    run "$id2" '"devices": [ { "allow": false, "access": "rwm" }, { "allow": true, "type": "c", "major": 1, "minor": 11, "access": "mw" } ]' \
        "$kmsg" sh -c 'echo berth-case >/dev/kmsg && echo kmsg-ok; exit 0'
    grep -q kmsg-ok "$WORK/$id2.log" || fail "/dev/kmsg was refused with a rule allowing w: $(cat "$WORK/$id2.log")"
}

case_freeze_thaw() {
    setup
    new_id; id="$NEW_ID"
    start "$id" "" "" sleep 600
    b pause "$id" || fail "pause"
    [ "$(status "$id")" = paused ] || fail "status $(status "$id") after pause"
    if is_v2; then
        d="$(cg_dir "$id" memory)"
        [ "$(flat_key "$d/cgroup.events" frozen)" = 1 ] || fail "cgroup.events: $(cat "$d/cgroup.events")"
    else
        [ "$(cg_read "$id" freezer freezer.state)" = FROZEN ] || fail "freezer.state $(cg_read "$id" freezer freezer.state)"
    fi
    b resume "$id" || fail "resume"
    [ "$(status "$id")" = running ] || fail "status $(status "$id") after resume"
    if is_v2; then
        [ "$(flat_key "$d/cgroup.events" frozen)" = 0 ] || fail "cgroup.events after resume: $(cat "$d/cgroup.events")"
    fi
}

case_kill_all() {
    setup
    new_id; id="$NEW_ID"
    start "$id" "" "" sh -c 'sleep 600 & sleep 600 & echo forked; wait'
    wait_log "$id" forked
    n="$(wc -l <"$(cg_dir "$id" pids)/cgroup.procs")"
    [ "$n" -ge 3 ] || fail "$n processes in the cgroup, expected 3"
    b kill --all "$id" KILL || fail "kill --all"
    wait_status "$id" stopped
    [ -z "$(cat "$(cg_dir "$id" pids)/cgroup.procs")" ] || fail "processes left: $(cat "$(cg_dir "$id" pids)/cgroup.procs")"
}

case_delete_removes_cgroup() {
    setup
    new_id; id="$NEW_ID"
    start "$id" '"memory": { "limit": 67108864 }, "pids": { "limit": 50 }' "" sleep 600
    dirs="$(cg_dir "$id" memory) $(cg_dir "$id" pids)"
    for d in $dirs; do [ -d "$d" ] || fail "no cgroup $d while running"; done
    b delete --force "$id" || fail "delete --force"
    for d in $dirs; do [ ! -d "$d" ] || fail "cgroup $d left after delete"; done
    [ -z "$(b list -q 2>/dev/null)" ] || fail "state left: $(b list 2>&1)"
}

case_nested_busy_parent() {
    u="$(unified_mount)"
    [ -n "$u" ] || skip "no unified hierarchy (cgroup v1 only): nothing to nest under"
    is_v2 || need_hugetlb
    setup
    # A cgroup of its own with processes in it, as a systemd session scope
    # is: a companion process and this shell. berth, started from here with
    # no BERTH_CGROUP_PARENT, must move them into P/berth.supervisor to
    # enable the controllers its limits need, and nest the container in P.
    ORIG="$u$(unified_base)"
    P="${ORIG%/}/berth-case-$(basename "$WORK")"
    mkdir "$P" || fail "mkdir $P"
    AT_EXIT=leave_busy_parent
    sleep 600 &
    COMPANION=$!
    echo "$COMPANION" >"$P/cgroup.procs" || fail "cannot move the companion into $P"
    echo $$ >"$P/cgroup.procs" || fail "cannot move this shell into $P"
    new_id; id="$NEW_ID"
    if is_v2; then
        # pids 8: the forks beyond fail (and end the inner shell); memory 32M,
        # no swap: dd is OOM-killed.
        start "$id" '"memory": { "limit": 33554432, "swap": 33554432 }, "pids": { "limit": 8 }' "" \
            sh -c 'sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 600 & done"; exec dd if=/dev/zero of=/dev/null bs=128M count=1'
        wait_status "$id" stopped
        d="$P/berth-$id"
        [ "$(cat "$d/memory.max")" = 33554432 ] || fail "memory.max $(cat "$d/memory.max")"
        [ "$(cat "$d/pids.max")" = 8 ] || fail "pids.max $(cat "$d/pids.max")"
        grep -q "can't fork" "$WORK/$id.log" || fail "every fork succeeded under pids.max 8: $(cat "$WORK/$id.log")"
        [ "$(flat_key "$d/pids.events" max)" -ge 1 ] || fail "pids.events: $(cat "$d/pids.events")"
        [ "$(state_field "$id" exitCode)" = 137 ] || fail "exitCode $(state_field "$id" exitCode), expected 137 (OOM under memory.max)"
        [ "$(flat_key "$d/memory.events" oom_kill)" -ge 1 ] || fail "memory.events: $(cat "$d/memory.events")"
        want="memory pids"
    else
        start "$id" '"hugepageLimits": [ { "pageSize": "2MB", "limit": 4194304 } ]' "" sleep 600
        d="$P/berth-$id"
        [ "$(cat "$d/hugetlb.2MB.max")" = 4194304 ] || fail "hugetlb.2MB.max $(cat "$d/hugetlb.2MB.max")"
        want=hugetlb
    fi
    for c in $want; do
        grep -qw "$c" "$P/cgroup.subtree_control" || fail "$c not enabled in $P: $(cat "$P/cgroup.subtree_control")"
    done
    [ -z "$(cat "$P/cgroup.procs")" ] || fail "processes left in $P: $(cat "$P/cgroup.procs")"
    leaf="$(cat "$P/berth.supervisor/cgroup.procs")" || fail "no $P/berth.supervisor"
    for pid in "$COMPANION" $$; do
        printf '%s\n' "$leaf" | grep -qx "$pid" || fail "former member $pid not in berth.supervisor (it holds: $(echo $leaf))"
    done
}

# leave_busy_parent: nested_busy_parent's AT_EXIT: stops the companion, moves
# what is left (this shell, a berth waiter still idling) back to the cgroup
# the case started in, and removes the case's cgroup and its leaf.
leave_busy_parent() {
    kill "$COMPANION" 2>/dev/null
    wait "$COMPANION" 2>/dev/null
    for _p in $(cat "$P/berth.supervisor/cgroup.procs" "$P/cgroup.procs" 2>/dev/null); do
        echo "$_p" >"$ORIG/cgroup.procs" 2>/dev/null
    done
    rmdir "$P/berth.supervisor" 2>/dev/null
    rmdir "$P" || { echo "FAIL: cgroup $P left behind: $(ls "$P")"; return 1; }
}

case_stats() {
    setup
    new_id; id="$NEW_ID"
    # 8M in a tmpfs file (page cache) and a shell's anonymous memory.
    start "$id" '"memory": { "limit": 134217728 }' "" \
        sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=8 2>/dev/null; echo written; sleep 600'
    wait_log "$id" written
    s="$(stat_json "$id")" || fail "events --stats"
    [ "$(json_num "$s" usage)" -ge 8388608 ] || fail "memory usage below the 8M written: $s"
    [ "$(json_num "$s" cache)" -ge 8388608 ] || fail "memory cache (file) below the 8M written: $s"
    [ "$(json_num "$s" rss)" -ge 1 ] || fail "no anonymous memory: $s"
    [ "$(json_num "$s" limit)" = 134217728 ] || fail "memory limit: $s"
    [ "$(json_num "$s" total)" -ge 1 ] || fail "no cpu usage: $s"
    [ "$(json_num "$s" current)" -ge 1 ] || fail "pids current: $s"
    # Per-CPU usage: v1's cpuacct.usage_percpu; v2 has no such file, and says
    # so with an empty list.
    percpu="$(printf '%s' "$s" | tr -d ' \n' | sed -n 's/.*"percpu":\[\([0-9,]*\)\].*/\1/p')"
    case "$s" in *'"percpu"'*) ;; *) fail "no percpu in the stats: $s" ;; esac
    if is_v2; then
        [ -z "$percpu" ] || fail "per-CPU usage on v2, which has no per-CPU file: $percpu"
    else
        [ -n "$percpu" ] || fail "no per-CPU usage on v1: $s"
    fi
}

case_pressure_stats() {
    is_v2 || skip "pressure (PSI) files are per cgroup only on cgroup v2"
    setup
    new_id; id="$NEW_ID"
    start "$id" "" "" sleep 600
    [ -f "$(cg_dir "$id" memory)/memory.pressure" ] || skip "the kernel has PSI off (no memory.pressure)"
    s="$(stat_json "$id")" || fail "events --stats"
    case "$s" in *'"pressure"'*'"memory"'*) ;; *) fail "no pressure in the stats: $s" ;; esac
}

# The AppArmor profile of tests/cases/berth-cases.apparmor: the policy
# CASES_APPARMOR_POLICY names (compiled by tests/vm/stage.sh) is loaded into
# the kernel, a container and an exec run under the profile, and the kernel
# shows it: /proc/self/attr/current inside, and the one write the profile
# denies refused.
AA_FS=/sys/kernel/security/apparmor
AA_PROFILE=berth-cases-test

unload_apparmor() {
    grep -q "^$AA_PROFILE " "$AA_FS/profiles" 2>/dev/null || return 0
    printf '%s' "$AA_PROFILE" >"$AA_FS/.remove"
}

case_apparmor() {
    [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] \
        || skip "AppArmor is not enabled in this kernel (/sys/module/apparmor/parameters/enabled does not read Y)"
    [ -d "$AA_FS" ] || skip "securityfs shows no apparmor folder at $AA_FS"
    [ -f "${CASES_APPARMOR_POLICY:-}" ] \
        || skip "no compiled AppArmor policy: CASES_APPARMOR_POLICY is unset or missing (tests/vm/stage.sh compiles it with apparmor_parser)"
    setup
    AT_EXIT=unload_apparmor
    # The kernel takes a policy in one write: dd writes the file in one block.
    dd if="$CASES_APPARMOR_POLICY" of="$AA_FS/.replace" bs=1M 2>"$WORK/load.err" \
        || fail "the kernel refused the policy $CASES_APPARMOR_POLICY: $(cat "$WORK/load.err")"
    grep -q "^$AA_PROFILE (enforce)" "$AA_FS/profiles" || fail "$AA_PROFILE is not loaded: $(cat "$AA_FS/profiles")"

    new_id; id="$NEW_ID"
    PROCESS_EXTRA="\"apparmorProfile\": \"$AA_PROFILE\""
    start "$id" "" "" sh -c 'cat /proc/self/attr/current; touch /tmp/allowed && echo allowed; touch /tmp/denied 2>/dev/null || echo refused; sleep 600'
    PROCESS_EXTRA=""
    wait_log "$id" refused
    [ "$(head -n 1 "$WORK/$id.log")" = "$AA_PROFILE (enforce)" ] || fail "the container's label: $(cat "$WORK/$id.log")"
    grep -q '^allowed$' "$WORK/$id.log" || fail "a write the profile allows failed: $(cat "$WORK/$id.log")"
    # What the kernel says of the container's process from outside, too.
    pid="$(state_field "$id" pid)"
    [ "$(cat "/proc/$pid/attr/current")" = "$AA_PROFILE (enforce)" ] || fail "/proc/$pid/attr/current: $(cat "/proc/$pid/attr/current")"

    # exec runs under the container's profile unless told otherwise.
    label="$(b exec "$id" cat /proc/self/attr/current)" || fail "exec failed"
    [ "$label" = "$AA_PROFILE (enforce)" ] || fail "the exec's label: $label"
    b exec "$id" touch /tmp/denied 2>/dev/null && fail "the exec wrote /tmp/denied"
    # A profile that is not loaded fails the exec, named.
    out="$(b exec --apparmor berth-cases-missing "$id" true 2>&1)" && fail "exec under a missing profile ran"
    case "$out" in *'"berth-cases-missing"'*) ;; *) fail "the error does not name the profile: $out" ;; esac
    [ "$(status "$id")" = running ] || fail "the container stopped: $(status "$id")"
    echo "container and exec ran as \"$AA_PROFILE (enforce)\"; the write it denies was refused"
}

# coldstart RUNC N: a figure, not a case: the mean time of N `run`s of
# /bin/true with berth and with RUNC (another runc-compatible runtime) in
# the same bundle, from /proc/uptime (10 ms ticks, over the whole series).
coldstart() {
    setup
    bundle true "" "" /bin/true
    for rt in "$BERTH" "$1"; do
        "$rt" --root "$WORK/warm" run --bundle "$WORK/true" warm </dev/null >/dev/null 2>&1 || fail "$rt run failed"
        t0="$(cut -d' ' -f1 /proc/uptime)"
        i=0
        while [ "$i" -lt "$2" ]; do
            "$rt" --root "$WORK/cold" run --bundle "$WORK/true" "cold$i" </dev/null >/dev/null 2>&1 || fail "$rt run $i failed"
            i=$((i + 1))
        done
        t1="$(cut -d' ' -f1 /proc/uptime)"
        echo "$rt $t0 $t1"
    done | awk -v n="$2" '{ ms[NR] = ($3 - $2) * 1000 / n }
        END { printf "coldstart runs=%d berth_ms=%.0f runc_ms=%.0f ratio=%.2f\n", n, ms[1], ms[2], ms[1] / ms[2] }'
}

# --- main -------------------------------------------------------------------

case "${1:-}" in
list)
    sed -n 's/^case_\([a-z0-9_]*\)() {$/\1/p' "$0"
    ;;
run)
    [ -n "${2:-}" ] || { echo "usage: $0 run NAME" >&2; exit 2; }
    [ -n "${BERTH:-}" ] && [ -x "$BERTH" ] || { echo "BERTH must name the berth binary" >&2; exit 2; }
    "case_$2"
    ;;
coldstart)
    coldstart "$2" "$3"
    ;;
rootfs)
    make_rootfs "$2"
    ;;
*)
    echo "usage: $0 list | run NAME | coldstart RUNC N | rootfs DIR" >&2
    exit 2
    ;;
esac
