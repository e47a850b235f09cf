#!/usr/bin/env bash
# Builds Berth and prepares what it needs on this machine.
#
# Today: build dependencies, the NativeAOT `berth` binary, the busybox:latest
# image (from Debian's busybox-static) loaded into the engine's store
# (/var/lib/berth, or $BERTH_DATA_ROOT), busybox OCI bundles for the
# runtime's own command line, and a project-local PostgreSQL cluster
# (.state/postgres, kept between runs) with its database `berth`.
#
# main runs the step functions below in order (deps, build, state, services,
# host); each later part of the platform adds its step to main's list.
# Written, and waiting for src/Berth.Host: publish_host, migrate (EF Core
# migrations, applied explicitly, never at host start) and start_host (the
# host in the foreground; Ctrl-C stops it and then PostgreSQL). They go after
# start_postgres, with print_usage before start_host.
#
# Environment:
#   BERTH_PG_PORT         PostgreSQL's port on 127.0.0.1 (default 5433)
#   BERTH_URL             where the host listens (default http://127.0.0.1:5080)
#   BERTH_ADMIN_PASSWORD  passed to the host when set
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

BERTH_PG_PORT="${BERTH_PG_PORT:-5433}"
BERTH_HOST_DIR="$BERTH_REPO/artifacts/host"
BERTH_HOST_BIN="$BERTH_HOST_DIR/Berth.Host"

install_deps() {
    ensure_packages "${BERTH_BUILD_PACKAGES[@]}" "${BERTH_PG_PACKAGES[@]}"
}

build() {
    publish_berth
    build_web_assets
}

prepare_state() {
    mkdir -p "$BERTH_STATE"
    log "building the busybox:latest image and loading it into the engine's store"
    build_busybox_image_archive "$BERTH_STATE/busybox-image.tar" busybox:latest
    "$BERTH_BIN" image load -q -i "$BERTH_STATE/busybox-image.tar" >/dev/null
    log "building busybox bundle in ${BERTH_STATE#"$BERTH_REPO"/}/bundles/busybox"
    build_busybox_bundle "$BERTH_STATE/bundles/busybox" sh
    build_busybox_bundle "$BERTH_STATE/bundles/sleep" sleep 3600
}

# start_postgres: the project's cluster (postgres_paths decides where: under
# .state/postgres, or a fallback the postgres user can reach), created on the
# first run and reused after, running on 127.0.0.1:$BERTH_PG_PORT, with the
# database `berth`. It keeps running when run.sh ends without a host.
start_postgres() {
    postgres_paths "$BERTH_STATE/postgres"
    postgres_init "$BERTH_PG_DATA"
    postgres_start "$BERTH_PG_DATA" "$BERTH_PG_PORT" "$BERTH_PG_SOCKDIR"
    postgres_ensure_db "$BERTH_PG_PORT" berth
}

# berth_connection_string: the host's connection string to database berth.
berth_connection_string() {
    printf 'Host=127.0.0.1;Port=%s;Username=postgres;Database=berth' "$BERTH_PG_PORT"
}

publish_host() {
    log "publishing Berth.Host to ${BERTH_HOST_DIR#"$BERTH_REPO"/}"
    rm -f "$BERTH_HOST_BIN"
    dotnet publish "$BERTH_REPO/src/Berth.Host" -c Release -o "$BERTH_HOST_DIR" -nologo -v quiet -tl:off </dev/null
    [[ -x "$BERTH_HOST_BIN" ]] || die "publish succeeded but $BERTH_HOST_BIN is missing"
}

migrate() {
    log "applying database migrations"
    ConnectionStrings__Berth="$(berth_connection_string)" "$BERTH_HOST_BIN" migrate </dev/null
}

# start_host: the host, in the foreground until it exits or run.sh gets
# SIGINT (Ctrl-C) or SIGTERM; then PostgreSQL is stopped too. Containers keep
# running: they live under their own monitors in their own sessions, and only
# the host's own pid is ever signalled. The host runs as a background job
# that run.sh waits for, because bash runs a trap only between commands: a
# foreground child would leave a SIGTERM to run.sh pending until it exited.
start_host() {
    local url="${BERTH_URL:-http://127.0.0.1:5080}" status env_args
    [[ -n "${BERTH_PG_DATA:-}" ]] || die "start_host runs after start_postgres"
    [[ -x "$BERTH_HOST_BIN" ]] || die "$BERTH_HOST_BIN is missing: publish_host first"
    mkdir -p "$BERTH_STATE/host"
    env_args=(
        "ConnectionStrings__Berth=$(berth_connection_string)"
        "Berth__Engine__BerthPath=$BERTH_BIN"
        "Berth__DataDirectory=$BERTH_STATE/host"
        "ASPNETCORE_URLS=$url"
    )
    if [[ -v BERTH_ADMIN_PASSWORD ]]; then
        env_args+=("BERTH_ADMIN_PASSWORD=$BERTH_ADMIN_PASSWORD")
    fi
    log "starting Berth.Host on $url; Ctrl-C stops it and PostgreSQL (containers keep running)"
    BERTH_HOST_SIGNALS=0
    env "${env_args[@]}" "$BERTH_HOST_BIN" &
    BERTH_HOST_PID=$!
    trap stop_host INT TERM
    while :; do
        status=0
        wait "$BERTH_HOST_PID" || status=$?
        # A trapped signal ends `wait` early: wait again until the host is gone.
        kill -0 "$BERTH_HOST_PID" 2>/dev/null || break
    done
    trap - INT TERM
    postgres_stop "$BERTH_PG_DATA"
    return "$status"
}

# stop_host: start_host's INT/TERM trap. The first signal asks the host to
# shut down (SIGTERM: ASP.NET Core's graceful stop; a background job ignores
# the terminal's SIGINT, so it is not sent that); a second one kills it.
stop_host() {
    BERTH_HOST_SIGNALS=$((BERTH_HOST_SIGNALS + 1))
    if ((BERTH_HOST_SIGNALS == 1)); then
        log "stopping Berth.Host (again to kill it)"
        kill -TERM "$BERTH_HOST_PID" 2>/dev/null || true
    else
        log "killing Berth.Host"
        kill -KILL "$BERTH_HOST_PID" 2>/dev/null || true
    fi
}

print_usage() {
    local bin="${BERTH_BIN#"$BERTH_REPO"/}" root=".state/berth"
    cat <<USAGE

Berth is starting on ${BERTH_URL:-http://127.0.0.1:5080} (its log follows). Sign in as admin with
\$BERTH_ADMIN_PASSWORD, or with the password the host prints on its first start. The API:

  T=\$(curl -s -XPOST ${BERTH_URL:-http://127.0.0.1:5080}/api/v1/auth/token -H 'content-type: application/json' \\
        -d '{"username":"admin","password":"PASSWORD"}' | jq -r .token)
  curl -s -XPOST ${BERTH_URL:-http://127.0.0.1:5080}/api/v1/containers -H "authorization: Bearer \$T" \\
        -H 'content-type: application/json' -d '{"image":"busybox","command":["sleep","600"],"ttlSeconds":600}'
  curl -s ${BERTH_URL:-http://127.0.0.1:5080}/api/v1/containers -H "authorization: Bearer \$T"

docs/control-plane.md has every route. Ctrl-C stops the host and its PostgreSQL;
containers keep running, and the next ./run.sh finds them again.

The same node from the command line (busybox:latest is in its image store). As root:

  $bin run --rm busybox echo hi
  $bin run -it --rm busybox sh
  $bin run -d --name web busybox httpd -f -p 8080
  $bin ps
  $bin logs web
  $bin exec web ps
  $bin top web
  $bin rm -f web          # stop and remove; a plain stop waits 10 s, as httpd as PID 1 ignores SIGTERM
  $bin images
  $bin system df

docs/engine.md has every verb and flag. The OCI runtime alone, on a bundle:

  $bin --root $root run --bundle .state/bundles/busybox demo
      busybox sh in fresh namespaces; its stdin is yours: try 'ps', 'hostname',
      'id', then 'exit'

  $bin --root $root run -d --bundle .state/bundles/sleep idle </dev/null >/dev/null
  $bin --root $root list
  $bin --root $root state idle
  $bin --root $root ps idle
  $bin --root $root kill idle KILL
  $bin --root $root delete --force idle

The bundle's process is config.json's "args"; edit it or write another bundle
with '$bin spec --bundle DIR'.

PostgreSQL runs on 127.0.0.1:$BERTH_PG_PORT (user postgres, database berth), data in
${BERTH_PG_DATA#"$BERTH_REPO"/}; ./run.sh again reuses it. To stop it:

  runuser -u postgres -- $(pg_bindir)/pg_ctl -D $BERTH_PG_DATA -m fast stop
USAGE
}

main() {
    local step steps=(install_deps build prepare_state start_postgres publish_host migrate print_usage start_host)
    for step in "${steps[@]}"; do
        "$step"
    done
}

main "$@"
