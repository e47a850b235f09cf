#!/bin/sh
# The guest's test driver (busybox sh, run by /init from the 9p share
# /host): copies berth (and runc, for the cold-start figure) into the tmpfs
# root, runs every container case, one at a time, and writes
# /host/out/results (one "RESULT NAME pass|fail|skip" line per case),
# /host/out/times (seconds per case) and /host/out/figures. /host/fault,
# written by stage.sh under the test-only BERTH_VM_FAULT=driver-crash, makes
# it die by SIGKILL after its first case: the stage must then fail loudly.
set -u
mkdir -p /usr/local/bin /host/out
cp /host/bin/berth /usr/local/bin/berth
[ -f /host/bin/runc ] && cp /host/bin/runc /usr/local/bin/runc
# Libraries berth and runc load (libc, libm, libseccomp, the loader).
cp -a /host/lib/. /
export BERTH=/usr/local/bin/berth BUSYBOX=/bin/busybox CASES_TMP=/tmp/berth-cases CASES_ROOTFS=/tmp/berth-rootfs
# The apparmor case's compiled policy (stage.sh makes it when it can).
export CASES_APPARMOR_POLICY=/host/cases/berth-cases.apparmor.bin
cd /host/cases || exit 98
# One root file system for every case's containers (read-only to them):
# its few hundred links cost a fork each, and forks are slow here.
sh container-cases.sh rootfs "$CASES_ROOTFS" || exit 97
: >/host/out/results
: >/host/out/times
cases="${BERTH_VM_CASES:-$(sh container-cases.sh list)}"
[ -f /host/case-filter ] && cases="$(cat /host/case-filter)"
for name in $cases; do
    log="/host/out/case-$name.log"
    t0="$(cut -d' ' -f1 /proc/uptime)"
    timeout 180 sh container-cases.sh run "$name" >"$log" 2>&1
    rc=$?
    echo "$name $t0 $(cut -d' ' -f1 /proc/uptime)" | awk '{ printf "%s %.1f\n", $1, $3 - $2 }' >>/host/out/times
    case "$rc" in
    0) result=pass ;;
    77) result=skip ;;
    *) result=fail ;;
    esac
    echo "RESULT $name $result $(tail -n 1 "$log" | tr -d '\r')" | tee -a /host/out/results
    [ "$result" = fail ] && sed 's/^/    | /' "$log"
    if [ "$(cat /host/fault 2>/dev/null)" = driver-crash ]; then
        echo "BERTH-VM: driver-crash fault: the driver kills itself"
        kill -KILL $$
    fi
done
left="$(ls /tmp/berth-cases 2>/dev/null) $(cd /sys/fs/cgroup && ls -d berth-* 2>/dev/null)"
[ -z "${left# }" ] || echo "RESULT cleanup fail left behind (folders, cgroups): $left" | tee -a /host/out/results
# Every case has its result: what follows is a figure, never a test (stage.sh
# reads this mark when the guest does not finish the figure).
: >/host/out/cases-done

# Cold start, berth against Debian's runc, both inside this VM: N runs each
# of /bin/true in a fresh container, timed by /proc/uptime (10 ms ticks over
# the whole series). A figure for the docs, never a test.
if [ -x /usr/local/bin/runc ]; then
    sh container-cases.sh coldstart /usr/local/bin/runc "${BERTH_VM_COLDSTART_RUNS:-5}" >/host/out/figures 2>&1 \
        || echo "cold start: failed: $(tail -n 1 /host/out/figures)"
    cat /host/out/figures
fi
exit 0
