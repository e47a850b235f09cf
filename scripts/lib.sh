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
# (chromium, CNI plugins...).
# shellcheck disable=SC2034  # used by the scripts that source this file
BERTH_BUILD_PACKAGES=(clang zlib1g-dev busybox-static libseccomp2)
# Bridge networks (`berth run --network NAME`): the CNI plugins, nft for
# berth's own rules, iptables for the plugins' (portmap, firewall), iproute2
# for the tests' look at links.
# shellcheck disable=SC2034
BERTH_NETWORK_PACKAGES=(containernetworking-plugins nftables iptables iproute2)
# apparmor: apparmor_parser, which compiles the VM stage's AppArmor case's
# profile (tests/vm/stage.sh). chromium: the browser tests/Berth.E2E drives.
# shellcheck disable=SC2034
BERTH_TEST_PACKAGES=(runc crun podman conmon uidmap docker-registry skopeo umoci apache2-utils apparmor chromium
    "${BERTH_NETWORK_PACKAGES[@]}")
# shellcheck disable=SC2034
BERTH_BENCH_PACKAGES=(hyperfine jq util-linux procps python3)
# Debian 12's PostgreSQL 15 (the `postgresql` package pulls in the current
# major version).
# shellcheck disable=SC2034
BERTH_PG_PACKAGES=(postgresql)

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
# build_web_assets: the web UI's front-end packages (xterm.js) from npm, as
# pinned by wwwroot-assets/package-lock.json, copied into wwwroot-assets/dist
# for the host to serve under /assets (Debian's nodejs and npm when npm is
# missing).
build_web_assets() {
    command -v npm >/dev/null || ensure_packages nodejs npm || return 1
    log "building the web UI's front-end assets into wwwroot-assets/dist"
    (cd "$BERTH_REPO/wwwroot-assets" && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build) </dev/null
}

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

# bench_control_plane WORK: the control plane for a benchmark, all under
# WORK: a fresh PostgreSQL (BERTH_PG_DATA), the host published to WORK/host and
# started on a free port over the engine roots WORK/run and WORK/data, which
# hold busybox:latest (its archive is WORK/busybox.tar). Sets bench_url,
# bench_token (an admin's, password bench-password) and bench_host_pid; the
# caller's EXIT trap kills the host and stops PostgreSQL.
bench_control_plane() {
    local work="$1" pg_port
    log "starting PostgreSQL and the host (published to a temporary folder)"
    postgres_paths "$work/pg"
    postgres_init "$BERTH_PG_DATA" --no-sync
    pg_port="$(random_free_port)"
    postgres_start "$BERTH_PG_DATA" "$pg_port" "$BERTH_PG_SOCKDIR" fsync=off max_connections=300
    postgres_ensure_db "$pg_port" berth
    export ConnectionStrings__Berth="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=berth"
    dotnet publish "$BERTH_REPO/src/Berth.Host" -c Release -o "$work/host" -nologo -v quiet -tl:off </dev/null
    "$work/host/Berth.Host" migrate >/dev/null
    build_busybox_image_archive "$work/busybox.tar" busybox:latest
    "$BERTH_BIN" --root "$work/run" --data-root "$work/data" load -q -i "$work/busybox.tar"

    bench_url="http://127.0.0.1:$(random_free_port)"
    BERTH_ADMIN_PASSWORD=bench-password Berth__Engine__BerthPath="$BERTH_BIN" Berth__Engine__DataRoot="$work/data" \
        Berth__Engine__RuntimeRoot="$work/run" Berth__DataDirectory="$work/hostdata" ASPNETCORE_URLS="$bench_url" \
        "$work/host/Berth.Host" >"$work/host.log" 2>&1 &
    bench_host_pid=$!
    for _ in $(seq 200); do
        curl -sf "$bench_url/readyz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    curl -sf "$bench_url/readyz" >/dev/null || { tail -20 "$work/host.log"; die "the host did not become ready"; }
    bench_token="$(curl -sf -XPOST "$bench_url/api/v1/auth/token" -H 'content-type: application/json' \
        -d '{"username":"admin","password":"bench-password"}' | jq -r .token)"
}

# hyperfine_rounds WORK ROUNDS PER_ROUND NAME...: the command of each NAME
# (from the caller's associative array `commands`) in ROUNDS rounds of
# PER_ROUND runs after one warm-up, the order rotating from round to round
# (see bench/README.md for why); hyperfine's exports in WORK/NAME-ROUND.json.
hyperfine_rounds() {
    local work="$1" rounds="$2" per_round="$3" round i name
    shift 3
    local names=("$@")
    for ((round = 0; round < rounds; round++)); do
        for ((i = 0; i < ${#names[@]}; i++)); do
            name="${names[(round + i) % ${#names[@]}]}"
            # shellcheck disable=SC2154  # the caller's
            hyperfine -N --style none --warmup 1 --runs "$per_round" \
                --export-json "$work/$name-$round.json" -n "$name" "${commands[$name]}" >/dev/null
        done
    done
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

# PostgreSQL clusters. A cluster lives in a folder BASE holding data/ (the
# data directory: owned by postgres, mode 0700), postgres.log and, unless its
# path is too long, run/ (the unix socket directory). PostgreSQL refuses to
# run as root, so initdb and pg_ctl run as the postgres user, which must be
# able to traverse every parent folder of BASE. It listens on 127.0.0.1 only
# and trusts every connection there (user postgres, no password): a
# development and test database, never one for data that matters.

# pg_bindir: print the bin folder of the newest installed PostgreSQL
# (/usr/lib/postgresql/VERSION/bin), or $BERTH_PG_BINDIR when that is set.
# Fails, saying so, when there is none.
pg_bindir() {
    local dir newest=""
    if [[ -n "${BERTH_PG_BINDIR:-}" ]]; then
        if [[ ! -x "$BERTH_PG_BINDIR/pg_ctl" ]]; then
            printf 'error: BERTH_PG_BINDIR=%s has no pg_ctl\n' "$BERTH_PG_BINDIR" >&2
            return 1
        fi
        printf '%s\n' "$BERTH_PG_BINDIR"
        return 0
    fi
    for dir in /usr/lib/postgresql/*/bin; do
        if [[ -x "$dir/pg_ctl" ]]; then
            newest="$(printf '%s\n%s\n' "$newest" "$dir" | sort -V | tail -n 1)"
        fi
    done
    if [[ -z "$newest" ]]; then
        printf 'error: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): apt-get install %s\n' \
            "${BERTH_PG_PACKAGES[*]}" >&2
        return 1
    fi
    printf '%s\n' "$newest"
}

# as_postgres CMD...: run CMD as the postgres user, from / (PostgreSQL's
# tools complain when they cannot read the current folder, e.g. one under
# /root).
as_postgres() {
    (cd / && runuser -u postgres -- "$@")
}

# postgres_can_reach DIR: true when the postgres user can traverse DIR and
# every folder above it.
postgres_can_reach() {
    as_postgres test -x "$1" 2>/dev/null
}

# port_in_use PORT: true when something accepts TCP connections on
# 127.0.0.1:PORT (a listener on 0.0.0.0 counts too).
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# random_free_port: print a random port in 20000..32767 (below Linux's
# ephemeral range) that nothing listens on yet.
random_free_port() {
    local attempt port
    for attempt in {1..50}; do
        port="$(shuf -i 20000-32767 -n 1)"
        if ! port_in_use "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    printf 'error: found no free port in %s tries\n' "$attempt" >&2
    return 1
}

# postgres_paths BASE: decide where the cluster whose preferred home is BASE
# lives, and set BERTH_PG_BASE, BERTH_PG_DATA (BERTH_PG_BASE/data) and
# BERTH_PG_SOCKDIR. Used by run.sh and test.sh alike.
# - BASE is created (mode 0755) when missing, and used when the postgres user
#   can reach it. No existing folder is ever chmod'ed: when postgres cannot
#   reach BASE (a checkout under /root, mode 0700, say), the cluster goes to
#   /var/lib/berth/postgres-HASH instead, HASH being a short hash of BASE, so
#   the same checkout finds the same cluster again.
# - The socket directory is BERTH_PG_BASE/run unless the socket's path would
#   pass ~100 bytes (the kernel's limit is 107); then /run/berth-pg-HASH (or
#   /tmp/berth-pg-HASH when /run is not writable).
# Each fallback prints a one-line note saying where.
postgres_paths() {
    local base="$1" hash fallback sockdir
    if ! id -u postgres >/dev/null 2>&1; then
        printf 'error: there is no postgres user: apt-get install %s\n' "${BERTH_PG_PACKAGES[*]}" >&2
        return 1
    fi
    hash="$(printf '%s' "$base" | sha256sum | cut -c 1-8)"
    if [[ ! -d "$base" ]]; then
        mkdir -p "$(dirname "$base")" || return 1
        mkdir -m 0755 "$base" || return 1
    fi
    if ! postgres_can_reach "$base"; then
        fallback="/var/lib/berth/postgres-$hash"
        if [[ ! -d "$fallback" ]]; then
            mkdir -p /var/lib/berth || return 1
            mkdir -m 0755 "$fallback" || return 1
        fi
        if ! postgres_can_reach "$fallback"; then
            printf 'error: the postgres user can reach neither %s nor %s\n' "$base" "$fallback" >&2
            return 1
        fi
        log "note: the postgres user cannot reach $base; the cluster lives in $fallback"
        base="$fallback"
    fi
    sockdir="$base/run"
    # The socket is SOCKDIR/.s.PGSQL.PORT: 16 bytes more at most.
    if ((${#sockdir} + 16 > 100)); then
        if [[ -d /run && -w /run ]]; then
            sockdir="/run/berth-pg-$hash"
        else
            sockdir="/tmp/berth-pg-$hash"
        fi
        log "note: socket paths under $base would be too long; the socket directory is $sockdir"
    fi
    # shellcheck disable=SC2034  # read by the scripts that source this file
    BERTH_PG_BASE="$base"
    # shellcheck disable=SC2034
    BERTH_PG_DATA="$base/data"
    # shellcheck disable=SC2034
    BERTH_PG_SOCKDIR="$sockdir"
}

# postgres_init DIR [INITDB_ARG...]: create a cluster in DIR (owned by
# postgres, mode 0700), superuser postgres, trust authentication, UTF-8 and
# the C.UTF-8 locale. Does nothing when DIR already holds a cluster. Extra
# arguments go to initdb (tests pass --no-sync).
postgres_init() {
    local dir="$1" bindir out
    shift
    [[ -f "$dir/PG_VERSION" ]] && return 0
    bindir="$(pg_bindir)" || return 1
    mkdir -p "$dir" || return 1
    chown postgres:postgres "$dir" || return 1
    chmod 0700 "$dir" || return 1
    log "creating a PostgreSQL cluster in ${dir#"$BERTH_REPO"/}"
    if ! out="$(as_postgres "$bindir/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 "$@" 2>&1)"; then
        printf 'error: initdb -D %s failed:\n%s\n' "$dir" "$out" >&2
        return 1
    fi
}

# postgres_start DIR PORT SOCKDIR [SETTING...]: start the cluster in DIR on
# 127.0.0.1:PORT with its socket in SOCKDIR (created, owned by postgres,
# mode 0700), logging to DIR/../postgres.log, and wait until it accepts
# connections. Each SETTING is NAME=VALUE, passed as `-c NAME=VALUE` (a
# literal -c before it is allowed). Does nothing when the cluster already
# runs on PORT. Fails with a clear error when it runs on another port, when
# PORT is taken by another program, or when PostgreSQL does not come up (then
# with the end of its log).
postgres_start() {
    local dir="$1" port="$2" sockdir="$3" bindir logfile running_port opts setting out listener
    shift 3
    bindir="$(pg_bindir)" || return 1
    logfile="$(dirname "$dir")/postgres.log"
    if as_postgres "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        # postmaster.pid: pid, data directory, start time, port, ...
        running_port="$(sed -n 4p "$dir/postmaster.pid" 2>/dev/null)"
        if [[ "$running_port" != "$port" ]]; then
            printf 'error: the PostgreSQL cluster in %s already runs, on port %s rather than %s; stop it first:\n  runuser -u postgres -- %s/pg_ctl -D %s -m fast stop\n' \
                "$dir" "${running_port:-?}" "$port" "$bindir" "$dir" >&2
            return 1
        fi
        log "PostgreSQL already runs on 127.0.0.1:$port (data ${dir#"$BERTH_REPO"/})"
        return 0
    fi
    if port_in_use "$port"; then
        listener="$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:.*' | head -n 1 || true)"
        printf 'error: port %s on 127.0.0.1 is taken by another program%s; choose another port (BERTH_PG_PORT)\n' \
            "$port" "${listener:+ ($listener)}" >&2
        return 1
    fi
    if [[ -L "$sockdir" ]]; then
        printf 'error: socket directory %s is a symbolic link; refusing to use it\n' "$sockdir" >&2
        return 1
    fi
    mkdir -p "$sockdir" || return 1
    chown postgres:postgres "$sockdir" || return 1
    chmod 0700 "$sockdir" || return 1
    touch "$logfile" || return 1
    chown postgres:postgres "$logfile" || return 1
    # pg_ctl hands -o to /bin/sh, hence the quoting of values.
    opts="-c listen_addresses=127.0.0.1 -p $port -k $(printf '%q' "$sockdir")"
    for setting in "$@"; do
        [[ "$setting" == -c ]] && continue
        opts+=" -c $(printf '%q' "$setting")"
    done
    log "starting PostgreSQL on 127.0.0.1:$port (data ${dir#"$BERTH_REPO"/})"
    if ! out="$(as_postgres "$bindir/pg_ctl" -w -t 60 -D "$dir" -l "$logfile" start -o "$opts" 2>&1)"; then
        printf 'error: PostgreSQL did not start on 127.0.0.1:%s (pg_ctl -D %s start: %s); the end of %s:\n' \
            "$port" "$dir" "$(tail -n 1 <<<"$out")" "$logfile" >&2
        tail -n 20 "$logfile" | sed 's/^/  /' >&2
        # A start that timed out may still come up later: do not leave it behind.
        postgres_stop "$dir" >/dev/null 2>&1 || true
        return 1
    fi
}

# postgres_stop DIR: stop the cluster in DIR (fast shutdown: sessions are
# disconnected, nothing is lost) and wait for it. Quiet, and successful, when
# it is not running.
postgres_stop() {
    local dir="$1" bindir
    [[ -f "$dir/postmaster.pid" ]] || return 0
    bindir="$(pg_bindir)" || return 1
    as_postgres "$bindir/pg_ctl" -D "$dir" status >/dev/null 2>&1 || return 0
    log "stopping PostgreSQL (data ${dir#"$BERTH_REPO"/})"
    as_postgres "$bindir/pg_ctl" -D "$dir" -m fast -w -t 60 stop >/dev/null
}

# postgres_ensure_db PORT NAME: create database NAME on the cluster at
# 127.0.0.1:PORT unless it exists. NAME: lowercase letters, digits, _.
postgres_ensure_db() {
    local port="$1" name="$2" bindir exists psql
    if [[ ! "$name" =~ ^[a-z_][a-z0-9_]*$ ]]; then
        printf 'error: %q is not a plain database name (lowercase letters, digits, _)\n' "$name" >&2
        return 1
    fi
    bindir="$(pg_bindir)" || return 1
    psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
    exists="$("${psql[@]}" -At -c "SELECT 1 FROM pg_database WHERE datname = '$name'" </dev/null)" || return 1
    [[ "$exists" == 1 ]] && return 0
    log "creating database $name"
    "${psql[@]}" -c "CREATE DATABASE $name" </dev/null >/dev/null
}
