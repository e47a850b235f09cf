#!/usr/bin/env bash
# The cgroup v2 VM stage: boots a throwaway QEMU VM (a Debian kernel, a
# busybox initramfs, cgroup2 with every controller) and runs the container
# cases of tests/cases/container-cases.sh inside it with the NativeAOT berth,
# shared in over 9p. ./test.sh runs it after the test projects; alone:
#
#   tests/vm/stage.sh [CASE...]
#
# Prints a line per case and, last, "vm: N passed, N failed, N skipped".
# Writes OUT/summary (passed= failed= skipped= problem=), OUT/results, the
# console log and per-case logs, OUT being $BERTH_VM_OUT or
# artifacts/test-results/vm. Exit 0: every case passed or skipped; 1: a case
# failed; 2: the VM did not boot or its driver died (a failure, loudly);
# 3: skipped, QEMU cannot run here (the reason in OUT/summary).
#
# Environment:
#   BERTH_BINARY      the berth to test (default artifacts/bin/berth)
#   BERTH_VM_CACHE    kernel cache (default /var/cache/berth-vm): the kernel
#                     .deb from `apt-get download`, unpacked, its vmlinux
#   BERTH_VM_MEMORY   guest memory (default 512M: OOM cases need room)
#   BERTH_VM_TIMEOUT  seconds before QEMU is killed (default 600)
#   BERTH_VM_KVM      1 to use KVM (default: when /dev/kvm and vmx/svm exist)
#   BERTH_VM_APPEND   more kernel parameters (ignore_loglevel, to see all the
#                     kernel says on the console log)
#   BERTH_VM_FAULT    test-only, to prove the stage fails loudly:
#                     driver-crash (the guest driver kills itself after its
#                     first case) or no-boot (the kernel finds no init)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../../scripts/lib.sh
source scripts/lib.sh

cache="${BERTH_VM_CACHE:-/var/cache/berth-vm}"
out="${BERTH_VM_OUT:-$BERTH_REPO/artifacts/test-results/vm}"
berth="${BERTH_BINARY:-$BERTH_BIN}"
memory="${BERTH_VM_MEMORY:-512M}"
vm_timeout="${BERTH_VM_TIMEOUT:-600}"
rm -rf "$out"
mkdir -p "$out"

# finish PASSED FAILED SKIPPED PROBLEM EXIT: writes the summary and exits.
finish() {
    printf 'passed=%s\nfailed=%s\nskipped=%s\nproblem=%s\n' "$1" "$2" "$3" "$4" >"$out/summary"
    echo "vm: $1 passed, $2 failed, $3 skipped${4:+ ($4)}"
    exit "$5"
}
cannot_run() { log "vm stage skipped: $*"; finish 0 0 0 "skipped: $*" 3; }
broken() { log "vm stage FAILED: $*"; finish "${passed:-0}" "${failed:-0}" "${skipped:-0}" "FAILED: $*" 2; }

start_time=$SECONDS
[[ "$(uname -m)" == x86_64 ]] || cannot_run "the VM stage boots an amd64 Debian kernel; this host is $(uname -m)"
[[ -x "$berth" ]] || broken "no berth binary at $berth (publish it first: ./test.sh does)"
if ! ensure_packages qemu-system-x86 busybox-static; then
    cannot_run "qemu-system-x86 cannot be installed here (apt-get install failed)"
fi
command -v qemu-system-x86_64 >/dev/null || cannot_run "qemu-system-x86_64 is missing after installing qemu-system-x86"

# --- the kernel, from Debian's packages, cached -----------------------------
# linux-image-amd64 depends on the current linux-image-VERSION-amd64; that
# package is fetched (not installed) and unpacked once per version.
kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1
}
mkdir -p "$cache"
pkg="$(kernel_package)"
if [[ -z "$pkg" ]]; then
    apt-get update -qq </dev/null >/dev/null 2>&1 || true
    pkg="$(kernel_package)"
fi
if [[ -z "$pkg" ]]; then
    # No package lists (offline): the newest kernel already in the cache.
    pkg="$(find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'linux-image-*' -printf '%f\n' | sort -V | tail -n 1)"
    [[ -n "$pkg" ]] || broken "cannot resolve linux-image-amd64 (apt-cache depends) and the cache $cache holds no kernel"
fi
kdir="$cache/$pkg"
if [[ ! -f "$kdir/.done" ]]; then
    log "fetching $pkg with apt-get download into $cache"
    rm -rf "$kdir" "$cache"/"$pkg"_*.deb
    (cd "$cache" && apt-get download "$pkg" </dev/null >/dev/null 2>&1) || broken "apt-get download $pkg failed"
    dpkg -x "$cache"/"$pkg"_*.deb "$kdir" || broken "dpkg -x of $pkg failed"
    rm -f "$cache"/"$pkg"_*.deb
    touch "$kdir/.done"
fi
kver="$(basename "$(find "$kdir/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)")"
vmlinuz="$kdir/boot/vmlinuz-$kver"
[[ -f "$vmlinuz" ]] || broken "$vmlinuz is missing from $pkg"
# The uncompressed ELF boots through PVH, skipping the decompressor (slow
# under software emulation): the xz payload of the bzImage.
kernel="$kdir/vmlinux"
if [[ ! -f "$kernel" ]]; then
    offset="$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -n 1 | cut -d: -f1 || true)"
    # (xz stops after the stream, so tail may die of SIGPIPE: read it through a process substitution.)
    if [[ -n "$offset" ]] && xz -dc --single-stream < <(tail -c +$((offset + 1)) "$vmlinuz") >"$kernel.tmp" 2>/dev/null \
        && [[ "$(head -c 4 "$kernel.tmp" | od -An -c | tr -d ' ')" == 177ELF ]]; then
        mv "$kernel.tmp" "$kernel"
    else
        rm -f "$kernel.tmp"
        kernel="$vmlinuz"
    fi
fi

# --- the initramfs: busybox, the modules for 9p and a ramdisk ---------------
work="$(mktemp -d /tmp/berth-vm.XXXXXX)"
qemu_pid=""
cleanup() {
    [[ -z "$qemu_pid" ]] || kill "$qemu_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

initrd="$work/initrd"
mkdir -p "$initrd"/{bin,sbin,proc,sys,dev,etc,tmp,newroot}
cp /bin/busybox "$initrd/bin/busybox"
for applet in $(/bin/busybox --list); do
    [[ "$applet" == busybox ]] || ln -s busybox "$initrd/bin/$applet"
done
install -m 0755 tests/vm/init "$initrd/init"
modules=(kernel/drivers/virtio kernel/net/9p kernel/fs/9p kernel/fs/netfs kernel/fs/fscache kernel/drivers/block/brd.ko)
for m in "${modules[@]}"; do
    [[ -e "$kdir/lib/modules/$kver/$m" ]] || continue
    mkdir -p "$initrd/lib/modules/$kver/$(dirname "$m")"
    cp -a "$kdir/lib/modules/$kver/$m" "$initrd/lib/modules/$kver/$(dirname "$m")/"
done
# The .deb carries no modules.dep: make one for what is here.
/bin/busybox depmod -b "$initrd" "$kver" || broken "depmod failed for $kver"
(cd "$initrd" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) >"$work/initrd.cpio"

# --- the share: berth, runc, their libraries, the cases, the results --------
share="$work/share"
mkdir -p "$share"/{bin,lib,cases,out}
cp "$berth" "$share/bin/berth"
runc="$(command -v runc || true)"
[[ -z "$runc" ]] || cp "$runc" "$share/bin/runc"
for lib in $( { ldd "$berth"; [[ -z "$runc" ]] || ldd "$runc"; ldd /usr/lib/x86_64-linux-gnu/libseccomp.so.2 2>/dev/null || true; echo /usr/lib/x86_64-linux-gnu/libseccomp.so.2; } \
    | grep -o '/[^ ]*' | sort -u); do
    [[ -e "$lib" ]] || continue
    mkdir -p "$share/lib$(dirname "$lib")"
    cp -L "$lib" "$share/lib$lib"
done
# /lib is a link to usr/lib on Debian: give the guest the same names.
mkdir -p "$share/lib/lib64" "$share/lib/lib/x86_64-linux-gnu"
cp -L /lib64/ld-linux-x86-64.so.2 "$share/lib/lib64/"
cp -aL "$share/lib/usr/lib/x86_64-linux-gnu/." "$share/lib/lib/x86_64-linux-gnu/" 2>/dev/null || true
cp tests/cases/container-cases.sh "$share/cases/"
# The apparmor case's policy, compiled here (the guest has no parser) against
# the feature set Debian's apparmor package pins, not this host's kernel's
# (which may have no AppArmor to ask); the guest's newer kernel takes policy
# of that older ABI. Without apparmor_parser the case skips, saying so.
if ensure_packages apparmor && command -v apparmor_parser >/dev/null; then
    apparmor_parser --skip-kernel-load --skip-cache --quiet -M /usr/share/apparmor-features/features \
        -o "$share/cases/berth-cases.apparmor.bin" tests/cases/berth-cases.apparmor \
        || broken "apparmor_parser cannot compile tests/cases/berth-cases.apparmor"
else
    log "apparmor_parser is missing: the apparmor case will skip"
fi
cp tests/vm/driver.sh "$share/driver.sh"
if (($# > 0)); then
    printf '%s\n' "$@" >"$share/case-filter"
fi
# A soft lockup panics the guest (so QEMU exits at once rather than at the
# timeout) and, at loglevel 5, the console log shows the stuck task's stack.
append="console=ttyS0 panic=-1 quiet loglevel=5 softlockup_panic=1 hugepages=8 psi=1 ${BERTH_VM_APPEND:-}"
case "${BERTH_VM_FAULT:-}" in
"") ;;
driver-crash) echo driver-crash >"$share/fault" ;;
no-boot) append+=" rdinit=/berth-no-such-init" ;;
*) broken "unknown BERTH_VM_FAULT \"$BERTH_VM_FAULT\" (driver-crash or no-boot)" ;;
esac

# --- boot --------------------------------------------------------------------
accel=(-accel tcg)
if [[ "${BERTH_VM_KVM:-auto}" == 1 ]] || { [[ "${BERTH_VM_KVM:-auto}" == auto && -w /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo; }; then
    accel=(-accel kvm -cpu host)
fi
console="$out/console.log"
log "booting $pkg ($(basename "$kernel"), ${accel[1]}, $memory) for the v2 container cases"
set +e
timeout --kill-after=10 "$vm_timeout" qemu-system-x86_64 "${accel[@]}" -machine q35 -smp 2 -m "$memory" \
    -nographic -no-reboot -serial stdio -monitor none -nodefaults \
    -kernel "$kernel" -initrd "$work/initrd.cpio" \
    -append "$append" \
    -virtfs "local,path=$share,mount_tag=host,security_model=passthrough,id=host" \
    </dev/null >"$console" 2>&1 &
qemu_pid=$!
wait "$qemu_pid"
qemu_status=$?
qemu_pid=""
set -e
boot_seconds=$((SECONDS - start_time))

cp "$share"/out/* "$out/" 2>/dev/null || true
grep '^RESULT ' "$console" | sed 's/^RESULT /  /' || true
passed="$(grep -c '^RESULT [^ ]* pass' "$share/out/results" 2>/dev/null || true)"
failed="$(grep -c '^RESULT [^ ]* fail' "$share/out/results" 2>/dev/null || true)"
skipped="$(grep -c '^RESULT [^ ]* skip' "$share/out/results" 2>/dev/null || true)"
passed="${passed:-0}" failed="${failed:-0}" skipped="${skipped:-0}"
grep -h '^coldstart ' "$share/out/figures" 2>/dev/null | sed 's/^/  /' || true
done_line="$(grep -a 'BERTH-VM-DONE' "$console" | tail -n 1 | tr -d '\r' || true)"
if [[ -z "$done_line" && -f "$share/out/cases-done" ]]; then
    # The cases all ran and have their results; the guest died or hung taking the cold-start figure, which is no
    # test. Said loudly, and the stage stands on its cases.
    tail -n 30 "$console" | sed 's/^/  | /' >&2
    log "vm stage: every case ran, but the guest did not finish the cold-start figure (QEMU exit $qemu_status; console: $console)"
    echo "coldstart=unfinished (QEMU exit $qemu_status)" >>"$out/figures"
    done_line="rc=0"
fi
if [[ -z "$done_line" ]]; then
    tail -n 30 "$console" | sed 's/^/  | /' >&2
    ((qemu_status == 124 || qemu_status == 137)) && broken "QEMU was killed after ${vm_timeout}s (see $console)"
    broken "the VM did not finish (no BERTH-VM-DONE line; QEMU exit $qemu_status; console: $console)"
fi
[[ "$done_line" == *"rc=0" ]] || broken "the guest driver failed ($done_line; console: $console)"
((passed + failed + skipped > 0)) || broken "the guest ran no case (console: $console)"
log "vm stage: ${boot_seconds}s wall time"
echo "wall_seconds=$boot_seconds" >>"$out/figures"
((failed == 0)) || finish "$passed" "$failed" "$skipped" "" 1
finish "$passed" "$failed" "$skipped" "" 0
