#!/usr/bin/env bash
# The project's test command. Installs what is missing (as root), builds the
# solution, starts a private PostgreSQL 15 and RabbitMQ on free loopback ports,
# runs every test against them, stops them, and closes with one line:
#   Tests: N passed, M failed
#
# Usage: ./test.sh [--filter EXPR]     (EXPR as for `dotnet test --filter`)
# Environment: SOLUTION (default Messaging.sln); RESULTS_DIR to keep the TRX
# files there instead of in a temporary folder.
#
# The tests receive the servers through TEST_POSTGRES, TEST_RABBITMQ and
# TEST_RABBITMQ_MANAGEMENT (see scripts/servers.sh).
set -euo pipefail
cd "$(dirname "$0")"

SOLUTION=${SOLUTION:-Messaging.sln}

usage() {
    sed -n 's/^# Usage: /usage: /p' "$0" >&2
    exit "${1:-2}"
}

filter=()
while [ $# -gt 0 ]; do
    case "$1" in
    --filter)
        [ $# -ge 2 ] || usage
        filter=(--filter "$2")
        shift 2
        ;;
    --filter=*)
        filter=(--filter "${1#*=}")
        shift
        ;;
    -h | --help) usage 0 ;;
    *) usage ;;
    esac
done

# shellcheck source=scripts/servers.sh
. scripts/servers.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

keep_results=${RESULTS_DIR:+yes}
results=${RESULTS_DIR:-$(mktemp -d /tmp/msgtest-results.XXXXXX)}
mkdir -p "$results"
find "$results" -name '*.trx' -delete # only this run's files are counted

# Whatever happens (failure, Ctrl-C, kill), stop the servers we started.
cleanup() {
    servers_stop
    [ -n "$keep_results" ] || rm -rf "$results"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

servers_install

# Build first: a compile error should not wait for servers to boot.
echo "== dotnet build $SOLUTION"
if ! dotnet build "$SOLUTION" -c Release; then
    echo "test.sh: build failed, no test ran" >&2
    exit 1
fi

echo "== starting PostgreSQL and RabbitMQ"
if ! servers_start; then
    echo "test.sh: could not start the test servers, no test ran" >&2
    exit 1
fi

echo "== dotnet test $SOLUTION ${filter[*]}"
rc=0
dotnet test "$SOLUTION" -c Release --no-build \
    --logger "trx;LogFilePrefix=tests" --results-directory "$results" \
    "${filter[@]}" || rc=$?

# Stop now so that nothing is printed after the closing line.
servers_stop

# Sum the counters of every test assembly's TRX file:
# "files executed passed failed".
read -r files executed passed failed < <(
    "$PYTHON" - "$results" <<'EOF'
import glob, os, sys
import xml.etree.ElementTree as ET
files = executed = passed = failed = 0
for path in glob.glob(os.path.join(sys.argv[1], "**", "*.trx"), recursive=True):
    c = ET.parse(path).getroot().find(".//{*}ResultSummary/{*}Counters")
    if c is None:
        continue
    files += 1
    n = lambda k: int(c.get(k, 0))
    executed += n("executed")
    passed += n("passed")
    failed += n("failed") + n("error") + n("timeout") + n("aborted")
print(files, executed, passed, failed)
EOF
) || true
files=${files:-0} executed=${executed:-0} passed=${passed:-0} failed=${failed:-0}

if [ "$files" -eq 0 ]; then
    echo "test.sh: dotnet test produced no TRX file (exit code $rc); counted as one failure" >&2
    failed=$((failed + 1))
elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "test.sh: dotnet test exited with code $rc without a failed test; counted as one failure" >&2
    failed=$((failed + 1))
elif [ "$executed" -eq 0 ] && [ ${#filter[@]} -eq 0 ]; then
    echo "test.sh: no test was executed; counted as one failure" >&2
    failed=$((failed + 1))
fi

echo "Tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
