#!/usr/bin/env bash
# Builds everything and runs every test project under tests/*.Tests and tests/Berth.E2E, then
# the cgroup v2 VM stage (tests/vm/stage.sh), then prints a report of the
# shared container cases per backend and one summary line:
# "N passed, N failed, N skipped".
#
# Environment:
#   BERTH_TEST_FILTER   passed to `dotnet test --filter` when set
#   BERTH_TEST_HANG     per-test hang timeout (default 10m): a hung test
#                       host is killed and its project counted as failed
#
# The tests get one throwaway PostgreSQL cluster for the whole run, fresh
# each time and removed at exit however the run ends; test fixtures find it
# through BERTH_TEST_POSTGRES (an Npgsql connection string without a
# database) and BERTH_PG_BINDIR (PostgreSQL's programs).
set -euo pipefail
cd "$(dirname "$0")"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

ensure_packages "${BERTH_BUILD_PACKAGES[@]}" "${BERTH_TEST_PACKAGES[@]}" "${BERTH_BENCH_PACKAGES[@]}" \
    "${BERTH_PG_PACKAGES[@]}"

results_dir="$BERTH_REPO/artifacts/test-results"
rm -rf "$results_dir"
mkdir -p "$results_dir"

# Problems that are not test results (publish or build failures, crashed
# test hosts); each one counts as a failure in the summary.
problems=()

if ! publish_berth; then
    problems+=("publish of src/Berth.Cli failed")
fi
export BERTH_BINARY="$BERTH_BIN"

if ! build_web_assets; then
    problems+=("build of wwwroot-assets (npm) failed")
fi

log "building Web.sln"
solution_built=1
if ! dotnet build Web.sln -c Release -nologo -v quiet -tl:off </dev/null; then
    solution_built=0
    problems+=("build of Web.sln failed")
fi

# start_test_postgres: initdb and start the run's cluster in a new folder
# under /tmp (or postgres_paths' fallback), durability off, on a random free
# port, and export its connection string. A port taken between the check
# and the start gets another try.
pg_base="" pg_data="" pg_dirs=()
start_test_postgres() {
    local attempt port
    BERTH_PG_BINDIR="$(pg_bindir)" || return 1
    export BERTH_PG_BINDIR
    pg_base="$(mktemp -d /tmp/berth-pg-test.XXXXXX)" || return 1
    # mktemp makes it 0700; the postgres user must traverse it.
    chmod 0755 "$pg_base" || return 1
    postgres_paths "$pg_base" || return 1
    pg_data="$BERTH_PG_DATA"
    pg_dirs=("$BERTH_PG_BASE" "$BERTH_PG_SOCKDIR")
    postgres_init "$BERTH_PG_DATA" --no-sync || return 1
    for attempt in 1 2 3; do
        port="$(random_free_port)" || return 1
        if postgres_start "$BERTH_PG_DATA" "$port" "$BERTH_PG_SOCKDIR" \
            fsync=off synchronous_commit=off full_page_writes=off max_connections=300; then
            export BERTH_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres"
            return 0
        fi
        port_in_use "$port" || return 1
        log "port $port was taken meanwhile (attempt $attempt); trying another"
    done
    return 1
}

# stop_test_postgres: the EXIT trap: stop the run's cluster and remove its
# folders.
stop_test_postgres() {
    if [[ -n "$pg_data" ]]; then
        postgres_stop "$pg_data" || printf 'error: could not stop PostgreSQL in %s\n' "$pg_data" >&2
        rm -rf "${pg_dirs[@]}"
    fi
    [[ -z "$pg_base" ]] || rm -rf "$pg_base"
    pg_base="" pg_data="" pg_dirs=()
}
trap stop_test_postgres EXIT
# Interrupted: exit (which runs the EXIT trap) with the usual 128+signal.
trap 'exit 130' INT
trap 'exit 143' TERM

if ! start_test_postgres; then
    log "PostgreSQL did not start (see the error above): tests that need it will fail"
    problems+=("PostgreSQL did not start for the tests")
fi

# trx_counter FILE NAME: the value of attribute NAME of <Counters> in FILE.
trx_counter() {
    local counters
    counters="$(grep -o '<Counters [^>]*>' "$1" | head -n 1)"
    [[ "$counters" =~ [[:space:]]$2=\"([0-9]+)\" ]] && printf '%s' "${BASH_REMATCH[1]}" || printf '0'
}

total_passed=0 total_failed=0 total_skipped=0
project_lines=()
shopt -s nullglob
for project in tests/*.Tests/*.csproj tests/Berth.E2E/*.csproj; do
    name="$(basename "$project" .csproj)"
    trx="$results_dir/$name.trx"
    build_flag=(--no-build)
    if ((solution_built == 0)) || ! grep -qF "${project//\//\\}" Web.sln; then
        # Not built by the solution build: build just this project so one
        # broken project does not hide the results of the others.
        build_flag=()
    fi
    log "testing $name"
    test_args=("$project" "${build_flag[@]}" -c Release -nologo -tl:off
        --results-directory "$results_dir" --logger "trx;LogFileName=$name.trx"
        --blame-hang-timeout "${BERTH_TEST_HANG:-10m}" --blame-hang-dump-type none)
    if [[ -n "${BERTH_TEST_FILTER:-}" ]]; then
        test_args+=(--filter "$BERTH_TEST_FILTER")
    fi
    set +e
    dotnet test "${test_args[@]}" </dev/null
    status=$?
    set -e

    if [[ ! -f "$trx" ]]; then
        problems+=("$name: no test results (exit $status): build failure or crashed test host")
        project_lines+=("$name: NO RESULTS (exit $status: build failed or test host crashed)")
        continue
    fi
    total="$(trx_counter "$trx" total)"
    executed="$(trx_counter "$trx" executed)"
    passed="$(trx_counter "$trx" passed)"
    failed="$(trx_counter "$trx" failed)"
    failed=$((failed + $(trx_counter "$trx" error) + $(trx_counter "$trx" timeout) + $(trx_counter "$trx" aborted)))
    skipped=$((total - executed))
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
    line="$name: $passed passed, $failed failed, $skipped skipped"
    if ((status != 0 && failed == 0)); then
        # dotnet test failed without a failed test: the host crashed or
        # hung part-way, so some tests never reported.
        problems+=("$name: test run failed (exit $status) with no failed test: crashed or hung test host")
        line+=" (CRASHED, exit $status)"
    fi
    project_lines+=("$line")
done

# The cgroup v2 VM stage (tests/vm/stage.sh): the shared container cases on
# a Debian kernel with cgroup2 only. Its cases count in the summary; a VM that
# does not boot or a guest driver that dies is a failure; a host where QEMU
# cannot run skips every case, saying why.
vm_out="$results_dir/vm"
vm_line=""
if [[ -n "${BERTH_TEST_FILTER:-}" ]]; then
    vm_line="vm stage (cgroup v2): not run (BERTH_TEST_FILTER is set)"
else
    log "running the cgroup v2 VM stage"
    set +e
    BERTH_VM_OUT="$vm_out" tests/vm/stage.sh
    vm_status=$?
    set -e
    vm_passed="$(sed -n 's/^passed=//p' "$vm_out/summary" 2>/dev/null)"
    vm_failed="$(sed -n 's/^failed=//p' "$vm_out/summary" 2>/dev/null)"
    vm_skipped="$(sed -n 's/^skipped=//p' "$vm_out/summary" 2>/dev/null)"
    vm_problem="$(sed -n 's/^problem=//p' "$vm_out/summary" 2>/dev/null)"
    vm_passed="${vm_passed:-0}" vm_failed="${vm_failed:-0}" vm_skipped="${vm_skipped:-0}"
    if ((vm_status == 3)); then
        vm_skipped="$(/bin/busybox sh tests/cases/container-cases.sh list | wc -l)"
    elif ((vm_status != 0 && vm_failed == 0)) || [[ "$vm_problem" == FAILED* ]]; then
        problems+=("vm stage (cgroup v2): ${vm_problem:-exit $vm_status} (see $vm_out)")
    fi
    total_passed=$((total_passed + vm_passed))
    total_failed=$((total_failed + vm_failed))
    total_skipped=$((total_skipped + vm_skipped))
    vm_line="vm stage (cgroup v2): $vm_passed passed, $vm_failed failed, $vm_skipped skipped${vm_problem:+ ($vm_problem)}"
fi

# cases_report: the shared container cases, one line each: the result on
# this host's backend (Berth.Cases.Tests' TRX) and in the v2 VM.
cases_report() {
    local trx="$results_dir/Berth.Cases.Tests.trx" layout="v1" name host vm
    if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
        layout="v2"
    elif grep -q ' - cgroup2 ' /proc/self/mountinfo; then
        layout="v1 hybrid"
    fi
    printf '  %-26s %-18s %s\n' case "host ($layout)" "VM (v2)"
    while IFS= read -r name; do
        host="$(grep -o "testName=\"[^\"]*(name: &quot;$name&quot;)\"[^>]* outcome=\"[A-Za-z]*\"" "$trx" 2>/dev/null \
            | sed 's/.*outcome="\(.*\)"/\1/' | head -n 1 || true)"
        case "$host" in Passed) host=pass ;; Failed) host=FAIL ;; NotExecuted) host=skip ;; *) host="-" ;; esac
        vm="$(awk -v n="$name" '$1 == "RESULT" && $2 == n { print $3 }' "$vm_out/results" 2>/dev/null | head -n 1 || true)"
        [[ "$vm" == fail ]] && vm=FAIL
        printf '  %-26s %-18s %s\n' "$name" "$host" "${vm:--}"
    done < <(/bin/busybox sh tests/cases/container-cases.sh list)
}

echo
echo "Container cases on each cgroup backend:"
cases_report | tee "$results_dir/cases-report.txt" || true
if [[ -f "$vm_out/figures" ]]; then
    sed 's/^/  vm figure: /' "$vm_out/figures"
fi

echo
echo "Per project:"
if ((${#project_lines[@]} == 0)); then
    echo "  (no test projects under tests/*.Tests)"
fi
for line in "${project_lines[@]}"; do
    echo "  $line"
done
[[ -z "$vm_line" ]] || echo "  $vm_line"
for problem in "${problems[@]}"; do
    echo "  FAILURE: $problem"
done
total_failed=$((total_failed + ${#problems[@]}))
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
((total_failed == 0))
