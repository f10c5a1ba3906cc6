#!/usr/bin/env bash
# The Placement benchmark: the real OpenStack Placement 8.0 (the peer) and our service, side by side, on one
# private PostgreSQL (fsync and synchronous_commit on, the defaults) and, for ours, one private RabbitMQ.
#
#   bench/placement.sh [--providers N] [--clients C] [--duration S] [--only peer|ours]
#                      [--workloads alloc-writes,contended-claims,reshaper]
#                      [--iterations R] [--claim-clients C] [--warmup S] [--uwsgi-processes P] [--workers W]
#                      [--keep]
#
# - The peer: Debian python3-placement under uwsgi (P processes, 1 thread each, behind uwsgi's HTTP router with
#   keep-alive; bench/real_placement.py), database placement_bench, served at the root path. Its Debian packages
#   are installed when missing (as root).
# - Ours: Messaging.sln built in Release; W Workers processes and one Api process (dotnet <dll>), database
#   admission_bench, RabbitMQ vhost "bench", served under /placement.
# - The peer runs first and is stopped before ours starts: the two never share the machine's CPUs.
# - Workloads (bench/LoadGen): setup (N providers with inventories, always), then the chosen ones among
#   alloc-writes, contended-claims, reshaper, with the same parameters on both.
# - BENCH_OURS_ENV (environment): more settings for our processes, space-separated NAME=VALUE (log levels).
# - Prints the table and writes it to bench/results/placement-<UTC timestamp>.md (indexed in
#   bench/results/README.md). Logs and raw JSON stay in a work folder, kept with --keep or on failure.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
PYTHON=/usr/bin/python3 # Debian's: it has python3-placement and python3-psycopg2
COMMAND_LINE=bench/placement.sh
[ $# -gt 0 ] && COMMAND_LINE+=$(printf ' %q' "$@")

PROVIDERS=1000 CLIENTS=16 DURATION=20 WARMUP=3 ONLY=both ITERATIONS=100 CLAIM_CLIENTS=32
UWSGI_PROCESSES=4 WORKERS=2 KEEP=0
WORKLOADS=alloc-writes,contended-claims,reshaper

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
    --providers) PROVIDERS=${2:?}; shift 2 ;;
    --clients) CLIENTS=${2:?}; shift 2 ;;
    --duration) DURATION=${2:?}; shift 2 ;;
    --warmup) WARMUP=${2:?}; shift 2 ;;
    --only) ONLY=${2:?}; shift 2 ;;
    --workloads) WORKLOADS=${2?}; shift 2 ;;
    --iterations) ITERATIONS=${2:?}; shift 2 ;;
    --claim-clients) CLAIM_CLIENTS=${2:?}; shift 2 ;;
    --uwsgi-processes) UWSGI_PROCESSES=${2:?}; shift 2 ;;
    --workers) WORKERS=${2:?}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage ;;
    *) echo "placement.sh: unknown option $1" >&2; usage ;;
    esac
done
case "$ONLY" in both | peer | ours) ;; *) echo "placement.sh: --only peer|ours" >&2; exit 2 ;; esac
IFS=, read -r -a WORKLOAD_LIST <<<"$WORKLOADS"
for w in "${WORKLOAD_LIST[@]}"; do
    case "$w" in alloc-writes | contended-claims | reshaper) ;;
    *) echo "placement.sh: unknown workload '$w' (alloc-writes, contended-claims, reshaper)" >&2; exit 2 ;; esac
done
for v in PROVIDERS CLIENTS DURATION WARMUP ITERATIONS CLAIM_CLIENTS UWSGI_PROCESSES WORKERS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "placement.sh: ${v,,} must be a whole number" >&2; exit 2; }
done
TARGETS=()
[ "$ONLY" != ours ] && TARGETS+=(peer)
[ "$ONLY" != peer ] && TARGETS+=(ours)

log() { echo "bench: $*" >&2; }
# shellcheck source=bench/lib.sh
. bench/lib.sh

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d /tmp/placement-bench.XXXXXX)
RAW=$WORK/results
mkdir -p "$RAW"
PIDS=() # processes we started, in start order
OURS_ENV=()
LOG_NOTES=()
BUSY_NOTES=()
FAILED=0

cleanup() {
    trap - EXIT INT TERM
    stop_started
    [ -n "${SERVERS_STATE:-}" ] && scripts/servers.sh stop "$SERVERS_STATE"
    if [ "$KEEP" = 1 ] || [ "$FAILED" != 0 ]; then
        log "logs and raw results kept in $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'FAILED=1; exit 130' INT TERM

# ---------------------------------------------------------------- build
log "building bench/LoadGen"
dotnet build bench/LoadGen -c Release -nologo -v q >"$WORK/build-loadgen.log" 2>&1 ||
    { cat "$WORK/build-loadgen.log" >&2; log "LoadGen did not build"; FAILED=1; exit 1; }
LOADGEN=(dotnet "$ROOT/bench/LoadGen/bin/Release/net10.0/LoadGen.dll")
OURS_NOTE=""
if [ "$ONLY" != peer ]; then
    log "building Messaging.sln (Release)"
    if ! dotnet build Messaging.sln -c Release -nologo -v q >"$WORK/build-ours.log" 2>&1; then
        tail -n 30 "$WORK/build-ours.log" >&2
        log "Messaging.sln did not build: ours is not measured"
        OURS_NOTE="Messaging.sln did not build; ours was not measured."
        FAILED=1
        if [ "$ONLY" = both ]; then TARGETS=(peer); else TARGETS=(); fi
    fi
fi

# ---------------------------------------------------------------- the peer's packages
# Debian's Placement 8.0, uwsgi with its Python plugin, and psycopg2 for PostgreSQL: installed when missing (root).
PEER_PACKAGES=(python3-placement placement-common uwsgi-core uwsgi-plugin-python3 python3-psycopg2)
if [ "$ONLY" != ours ]; then
    MISSING=()
    for p in "${PEER_PACKAGES[@]}"; do
        dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || MISSING+=("$p")
    done
    if [ ${#MISSING[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && log "installing the peer's packages: ${MISSING[*]}" &&
            { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${MISSING[@]}"; } \
                >"$WORK/install-peer.log" 2>&1; then
            log "installed ${MISSING[*]}"
        else
            tail -n 20 "$WORK/install-peer.log" >&2 2>/dev/null
            log "the peer needs ${MISSING[*]} (apt-get install, as root): the peer is not measured"
            FAILED=1
            if [ "$ONLY" = both ]; then TARGETS=(ours); else TARGETS=(); fi
        fi
    fi
fi

# ---------------------------------------------------------------- servers
log "starting PostgreSQL and RabbitMQ"
SERVERS_ENV=$(scripts/servers.sh start) || { FAILED=1; exit 1; }
eval "$SERVERS_ENV"
PG_PORT=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$TEST_POSTGRES")
RABBIT_PORT=$(sed -n 's#.*@127.0.0.1:\([0-9]*\)/.*#\1#p' <<<"$TEST_RABBITMQ")
PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q -tA)
PG_SETTINGS=$("${PSQL[@]}" -d postgres -c "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings
    WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'wal_sync_method')")
PG_VERSION=$("${PSQL[@]}" -d postgres -c 'SHOW server_version')
log "PostgreSQL $PG_VERSION on :$PG_PORT ($PG_SETTINGS); RabbitMQ on :$RABBIT_PORT"

# ---------------------------------------------------------------- workloads
run_workloads() { # TARGET BASE_URL
    local target=$1 base=$2 w
    "${LOADGEN[@]}" setup --base "$base" --target "$target" --clients "$CLIENTS" --providers "$PROVIDERS" \
        --providers-file "$WORK/$target-providers.txt" --run-id "$STAMP" --out "$RAW/$target-setup.json" ||
        { log "$target: setup crashed"; FAILED=1; }
    for w in "${WORKLOAD_LIST[@]}"; do
        case "$w" in
        alloc-writes)
            "${LOADGEN[@]}" alloc-writes --base "$base" --target "$target" --clients "$CLIENTS" \
                --duration "$DURATION" --warmup "$WARMUP" --providers-file "$WORK/$target-providers.txt" \
                --run-id "$STAMP" --out "$RAW/$target-alloc-writes.json" ;;
        contended-claims)
            "${LOADGEN[@]}" contended-claims --base "$base" --target "$target" --claim-clients "$CLAIM_CLIENTS" \
                --run-id "$STAMP" --out "$RAW/$target-contended-claims.json" ;;
        reshaper)
            "${LOADGEN[@]}" reshaper --base "$base" --target "$target" --iterations "$ITERATIONS" \
                --run-id "$STAMP" --out "$RAW/$target-reshaper.json" ;;
        esac || { log "$target: $w crashed"; FAILED=1; }
    done
}

run_peer() {
    local port pid
    port=$(free_port)
    mkdir -p "$WORK/peer"
    check_idle peer
    log "peer: starting Placement 8.0 under uwsgi ($UWSGI_PROCESSES processes) on :$port"
    setsid "$PYTHON" bench/real_placement.py --port "$port" --workdir "$WORK/peer" \
        --pg-url "postgresql+psycopg2://postgres@127.0.0.1:$PG_PORT" --dbname placement_bench \
        --processes "$UWSGI_PROCESSES" >"$WORK/peer/start.log" 2>&1 </dev/null &
    pid=$!
    PIDS+=("$pid")
    if ! wait_http "http://127.0.0.1:$port/" 120 "$pid"; then
        tail -n 20 "$WORK/peer/start.log" "$WORK/peer/uwsgi.log" >&2 2>/dev/null
        log "peer: Placement did not answer"; FAILED=1; stop_started; return 1
    fi
    run_workloads peer "http://127.0.0.1:$port"
    log "peer: stopping"
    stop_started
    LOG_NOTES+=("peer: $(grep -c ' ERROR ' "$WORK/peer/uwsgi.log") ERROR and $(grep -c ' WARNING ' "$WORK/peer/uwsgi.log") WARNING lines in Placement's log")
}

run_ours() {
    local port dir=$WORK/ours
    port=$(free_port)
    mkdir -p "$dir"
    check_idle ours
    start_ours "$dir" "$port" admission_bench bench || return 1
    run_workloads ours "http://127.0.0.1:$port/placement"
    log "ours: stopping"
    stop_started
    LOG_NOTES+=("ours: $(cat "$dir"/*.log | grep -c '"Level":"Error"') Error and $(cat "$dir"/*.log | grep -c '"Level":"Warning"') Warning lines in the Api's and Workers' logs")
}

T0=$SECONDS
for t in "${TARGETS[@]}"; do
    case "$t" in peer) run_peer ;; ours) run_ours ;; esac
done
ELAPSED=$((SECONDS - T0))

# ---------------------------------------------------------------- report
RESULT=bench/results/placement-$STAMP.md
mkdir -p bench/results
TABLE=$("${LOADGEN[@]}" report --dir "$RAW")
COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- src tests Messaging.sln 2>/dev/null)" ] && COMMIT="$COMMIT (with uncommitted changes in src/tests)"
{
    echo "# Placement benchmark, $STAMP"
    echo
    echo "- command: \`$COMMAND_LINE\`"
    echo "- commit: $COMMIT"
    echo "- machine: $(machine); CPUs busy in the 3 s before each target started (others' load): ${BUSY_NOTES[*]:-not measured}"
    echo '- memory (`free -g`):'
    echo
    free -g | sed 's/^/      /'
    echo
    echo "- PostgreSQL $PG_VERSION, one private server for both ($PG_SETTINGS); RabbitMQ $(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null) (ours only)"
    echo "- peer: OpenStack Placement $(dpkg-query -W -f '${Version}' python3-placement 2>/dev/null) (Debian python3-placement) under uwsgi $(uwsgi --version 2>/dev/null), $UWSGI_PROCESSES processes x 1 thread, HTTP router with keep-alive, served at /, database placement_bench"
    echo "- ours: $WORKERS Workers processes + 1 Api process (Release, \`dotnet <dll>\`, Production, JSON logs${BENCH_OURS_ENV:+, with $BENCH_OURS_ENV}), RabbitMQ vhost bench ($(queue_type) queues), database admission_bench, served under /placement"
    echo "- load: bench/LoadGen (HttpClient, SocketsHttpHandler, MaxConnectionsPerServer = clients, keep-alive), microversion 1.39, X-Auth-Token admin"
    echo "- configuration: providers $PROVIDERS; clients $CLIENTS (setup, alloc-writes); alloc-writes $DURATION s after a $WARMUP s warm-up; contended-claims $CLAIM_CLIENTS clients on VCPU 200; reshaper $ITERATIONS iterations, sequential; workloads setup,$WORKLOADS; targets ${TARGETS[*]:-none} (peer first, stopped before ours starts); whole run ${ELAPSED} s"
    [ -n "$OURS_NOTE" ] && echo "- **$OURS_NOTE**"
    for n in "${LOG_NOTES[@]}"; do echo "- logs, $n"; done
    echo
    echo "$TABLE"
    echo
    echo "ops/s counts 2xx answers only and latencies are of the 2xx answers (\"no 2xx\": none succeeded; the statuses"
    echo "say what came back). alloc-writes: answers arriving in the $DURATION s after the warm-up. contended-claims:"
    echo "successful claims from the first request to the last success; a client claims again after a"
    echo "placement.concurrent_update 409 and stops at any other non-2xx answer (the capacity 409). reshaper: the POST"
    echo "/reshaper alone is timed (reads of generations before it are not), ops/s = successes / seconds spent in"
    echo "POSTs. setup: both requests of each provider. Status 0 = no answer (connection error or 60 s timeout)."
} >"$RESULT"

INDEX=bench/results/README.md
DIRTY=$(git status --porcelain -- src tests Messaging.sln 2>/dev/null)
[ -f "$INDEX" ] || printf '# Benchmark results\n\nOne line per run of `bench/placement.sh` (newest last).\n\n' >"$INDEX"
ALLOC_LINE=$(grep '^| alloc-writes ' <<<"$TABLE" | awk -F'|' '{gsub(/^ +| +$/,"",$3); gsub(/^ +| +$/,"",$4); print "alloc-writes peer " $3 " / ours " $4 " ops/s"}')
echo "- [$STAMP](placement-$STAMP.md): \`$COMMAND_LINE\`, commit ${COMMIT:0:12}${DIRTY:+ with uncommitted changes}${BENCH_OURS_ENV:+, with $BENCH_OURS_ENV}${ALLOC_LINE:+; $ALLOC_LINE}" >>"$INDEX"

echo
echo "$TABLE"
echo
log "written $RESULT (whole run ${ELAPSED} s)"
exit "$FAILED"
