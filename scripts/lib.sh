# shellcheck shell=bash
# Shared helpers for run.sh, test.sh and bench/*.sh. Source it; it defines
# functions and a few variables and runs nothing by itself.
#
#   BERTH_REPO     repository root (the folder holding Web.sln)
#   BERTH_BIN      where `dotnet publish` puts the berth binary
#   BERTH_STATE    project-local state (bundles, databases, logs); git-ignored

BERTH_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BERTH_BIN="$BERTH_REPO/artifacts/bin/berth"
# shellcheck disable=SC2034  # used by the scripts that source this file
BERTH_STATE="$BERTH_REPO/.state"

# Packages per purpose. Later parts of the platform add their own lists here
# (PostgreSQL, chromium, docker-registry, CNI plugins...).
# shellcheck disable=SC2034  # used by the scripts that source this file
BERTH_BUILD_PACKAGES=(clang zlib1g-dev busybox-static libseccomp2)
# shellcheck disable=SC2034
BERTH_TEST_PACKAGES=(runc crun podman conmon uidmap docker-registry skopeo umoci apache2-utils)
# shellcheck disable=SC2034
BERTH_BENCH_PACKAGES=(hyperfine jq util-linux procps)

# Quiet, deterministic .NET CLI: no telemetry banner, no first-run text, no
# live terminal logger (progress bars garble CI logs).
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_GENERATE_ASPNET_CERTIFICATE=false
export MSBUILDTERMINALLOGGER=off
export NUGET_XMLDOC_MODE=skip

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# ensure_packages PKG...: install the Debian packages that are not installed
# yet. Runs `apt-get update` at most once per shell, and nothing at all when
# every package is present (a dpkg-query per package, a few milliseconds).
BERTH_APT_UPDATED=0
ensure_packages() {
    local pkg status missing=()
    for pkg in "$@"; do
        status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
        [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
    done
    ((${#missing[@]} == 0)) && return 0
    [[ "$(id -u)" == 0 ]] || die "missing packages (${missing[*]}); run as root or install them"
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ((BERTH_APT_UPDATED == 0)); then
        apt-get update -qq </dev/null >/dev/null
        BERTH_APT_UPDATED=1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
}

# publish_berth: NativeAOT-publish src/Berth.Cli to $BERTH_BIN. Returns
# non-zero on failure (explicitly: callers may run it under `if`, where
# `set -e` does not apply).
publish_berth() {
    log "publishing berth (NativeAOT) to ${BERTH_BIN#"$BERTH_REPO"/}"
    rm -f "$BERTH_BIN"
    dotnet publish "$BERTH_REPO/src/Berth.Cli" -c Release -o "$(dirname "$BERTH_BIN")" \
        -nologo -v quiet -tl:off </dev/null || return 1
    if [[ ! -x "$BERTH_BIN" ]]; then
        printf 'error: publish succeeded but %s is missing\n' "$BERTH_BIN" >&2
        return 1
    fi
}

# bench_berth: point BERTH_BIN at the berth to measure: $BERTH_BINARY when
# set, else artifacts/bin/berth, published first when missing or PUBLISH=1.
bench_berth() {
    if [[ -n "${BERTH_BINARY:-}" ]]; then
        BERTH_BIN="$BERTH_BINARY"
    elif [[ "${PUBLISH:-0}" == 1 || ! -x "$BERTH_BIN" ]]; then
        publish_berth || die "publish of berth failed"
    fi
}

# pool_medians OUT PART.json...: every run's time from hyperfine exports, sorted,
# with their count and median, into OUT.
pool_medians() {
    local out="$1"
    shift
    jq -s '[.[].results[0].times[]] | sort | {times: ., runs: length,
        median: (if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end)}' \
        "$@" >"$out"
}

# json_string S: S as a JSON string literal.
json_string() {
    local s="$1"
    s="${s//\\/\\\\}"
    s="${s//\"/\\\"}"
    s="${s//$'\t'/\\t}"
    s="${s//$'\n'/\\n}"
    printf '"%s"' "$s"
}

# build_busybox_rootfs DIR: a minimal root file system from Debian's
# busybox-static: /bin/busybox, a symlink per applet, and the /etc files that
# `id`, `whoami` and friends read. Reuses DIR when it is already built from
# the same busybox binary.
build_busybox_rootfs() {
    local rootfs="$1" busybox=/bin/busybox applet
    [[ -x "$busybox" ]] || die "$busybox is missing: install busybox-static"
    if [[ -f "$rootfs/etc/passwd" ]] && cmp -s "$busybox" "$rootfs/bin/busybox"; then
        return 0
    fi
    rm -rf "$rootfs"
    mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,root,var,run}
    install -d -m 1777 "$rootfs/tmp"
    install -m 0755 "$busybox" "$rootfs/bin/busybox"
    while IFS= read -r applet; do
        [[ -n "$applet" && "$applet" != busybox ]] || continue
        ln -sf busybox "$rootfs/bin/$applet"
    done < <("$busybox" --list)
    cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
    cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
tty:x:5:
app:x:1000:
nogroup:x:65534:
GROUP
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$rootfs/etc/hosts"
    : >"$rootfs/etc/hostname"
}

# write_bundle_config BUNDLE ARG...: BUNDLE/config.json, runc's default spec
# (read-only root, default capabilities, masked paths) running ARG... without
# a terminal.
write_bundle_config() {
    local bundle="$1" args="" a
    shift
    for a in "$@"; do
        args+="${args:+, }$(json_string "$a")"
    done
    cat >"$bundle/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": [ $args ],
    "env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "TERM=xterm"
    ],
    "cwd": "/",
    "capabilities": {
      "bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
      "effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
      "permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
      "ambient": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
    },
    "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
    "noNewPrivileges": true
  },
  "root": { "path": "rootfs", "readonly": true },
  "hostname": "berth",
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
      "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" ] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
      "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
    { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
      "options": [ "nosuid", "noexec", "nodev" ] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs",
      "options": [ "nosuid", "noexec", "nodev", "ro" ] },
    { "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
      "options": [ "nosuid", "noexec", "nodev", "relatime", "ro" ] }
  ],
  "linux": {
    "resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
    "namespaces": [
      { "type": "pid" }, { "type": "network" }, { "type": "ipc" },
      { "type": "uts" }, { "type": "mount" }, { "type": "cgroup" }
    ],
    "maskedPaths": [
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
      "/proc/sched_debug", "/sys/firmware", "/proc/scsi"
    ],
    "readonlyPaths": [
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
    ]
  }
}
JSON
}

# build_busybox_image_archive FILE [NAME]: a docker-archive (`docker save`
# format) of a one-layer image made from build_busybox_rootfs, named NAME
# (default busybox:latest), whose command is sh. Deterministic: the same
# busybox binary gives the same image id.
build_busybox_image_archive() {
    local out="$1" name="${2:-busybox:latest}" work layer_sha config_sha
    work="$(mktemp -d)"
    build_busybox_rootfs "$work/rootfs"
    tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$work/rootfs" -cf "$work/layer.tar" .
    layer_sha="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
    cat >"$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:$layer_sha"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"Debian busybox-static $(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo unknown)"}]}
JSON
    config_sha="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
    mv "$work/config.json" "$work/$config_sha.json"
    mkdir -p "$work/$layer_sha"
    mv "$work/layer.tar" "$work/$layer_sha/layer.tar"
    printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["%s/layer.tar"]}]\n' "$config_sha" "$(json_string "$name")" "$layer_sha" >"$work/manifest.json"
    tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$work" -cf "$out" manifest.json "$config_sha.json" "$layer_sha"
    rm -rf "$work"
}

# build_busybox_bundle BUNDLE ARG...: an OCI bundle (BUNDLE/rootfs plus
# BUNDLE/config.json) whose process is ARG... (default: sh).
build_busybox_bundle() {
    local bundle="$1"
    shift
    (($# > 0)) || set -- sh
    mkdir -p "$bundle"
    build_busybox_rootfs "$bundle/rootfs"
    write_bundle_config "$bundle" "$@"
}
