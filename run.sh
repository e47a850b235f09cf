#!/usr/bin/env bash
# Builds Berth and prepares what it needs on this machine.
#
# Today: build dependencies, the NativeAOT `berth` binary, the busybox:latest
# image (from Debian's busybox-static) loaded into the engine's store
# (/var/lib/berth, or $BERTH_DATA_ROOT), and busybox OCI bundles for the
# runtime's own command line. Each later part of the platform adds
# one step function below and one line to main (order: deps, build, state,
# services, host):
#   start_postgres   project-local cluster under .state/postgres (initdb as
#                    the postgres user, pg_ctl on 127.0.0.1)
#   migrate          apply EF Core migrations (explicit, never at host start)
#   start_host       Berth.Host on http://127.0.0.1:5080
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

install_deps() {
    ensure_packages "${BERTH_BUILD_PACKAGES[@]}"
}

build() {
    publish_berth
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

print_usage() {
    local bin="${BERTH_BIN#"$BERTH_REPO"/}" root=".state/berth"
    cat <<USAGE

Berth is built, and busybox:latest is in its image store. As root:

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
USAGE
}

main() {
    install_deps
    build
    prepare_state
    print_usage
}

main "$@"
