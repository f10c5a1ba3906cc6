#!/usr/bin/env bash
# The queue benchmark (SPEC section 7): our service in the production shape (N Workers processes and one Api
# process, RabbitMQ with durable queues and publisher confirms, PostgreSQL with fsync and synchronous_commit on),
# H hosts, J queued jobs, a real callback receiver on loopback (bench/QueueBench).
#
#   bench/queue.sh [--hosts H] [--jobs J] [--clients C] [--warmup W] [--paced P] [--rate R] [--workers N] [--keep]
#                  [--statements]
#
# QueueBench fills every host with one job, queues J jobs that do not fit, then frees hosts: W of them at R per
# second as a warm-up (not counted: finishing and admitting have run, as in a service that has been up a while;
# W defaults to R, one second at the rate: the finish path's connections and compiled code ramp up over that second),
# P more at R per second (latency at a steady rate: the defaults, 450 hosts at 250/s, are 1,800 jobs at 1,000 jobs
# per second, the bar's rate), the rest as fast as C clients can (throughput; their demand is above what the service
# admits, so jobs queue and that phase's latency is reported without a bar). For each admitted job:
# latency = its callback's arrival - the start of the request that freed its host. Prints the figures and writes
# bench/results/queue-<UTC timestamp>.md (indexed in bench/results/README.md). With --keep, the work folder keeps the
# logs, result.json and result.admissions.csv (every admission: when its host was freed, its callback, its latency).
# With --statements, PostgreSQL loads pg_stat_statements and the result also lists the statements that took the most
# of its time over the paced phase (counted from the warm-up's end to the paced phase's; the counting itself costs a
# little, so take latency figures from runs without it).
# BENCH_OURS_ENV (environment): more settings for our processes, space-separated NAME=VALUE (log levels).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
PYTHON=/usr/bin/python3
COMMAND_LINE=bench/queue.sh
[ $# -gt 0 ] && COMMAND_LINE+=$(printf ' %q' "$@")

HOSTS=1000 JOBS=10000 CLIENTS=16 WARMUP= PACED=450 RATE=250 WORKERS=2 KEEP=0 STATEMENTS=0
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
    --hosts) HOSTS=${2:?}; shift 2 ;;
    --jobs) JOBS=${2:?}; shift 2 ;;
    --clients) CLIENTS=${2:?}; shift 2 ;;
    --warmup) WARMUP=${2:?}; shift 2 ;;
    --paced) PACED=${2:?}; shift 2 ;;
    --rate) RATE=${2:?}; shift 2 ;;
    --workers) WORKERS=${2:?}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --statements) STATEMENTS=1; shift ;;
    -h | --help) usage ;;
    *) echo "queue.sh: unknown option $1" >&2; usage ;;
    esac
done
WARMUP=${WARMUP:-$RATE}
for v in HOSTS JOBS CLIENTS WARMUP PACED RATE WORKERS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "queue.sh: ${v,,} must be a whole number" >&2; exit 2; }
done

log() { echo "bench: $*" >&2; }
# shellcheck source=bench/lib.sh
. bench/lib.sh

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK=$(mktemp -d /tmp/queue-bench.XXXXXX)
PIDS=()
OURS_ENV=(Callbacks__AllowPrivateNetworks=true)
BUSY_NOTES=()
FAILED=0

cleanup() {
    trap - EXIT INT TERM
    stop_started
    [ -n "${SERVERS_STATE:-}" ] && scripts/servers.sh stop "$SERVERS_STATE"
    if [ "$KEEP" = 1 ] || [ "$FAILED" != 0 ]; then log "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'FAILED=1; exit 130' INT TERM

log "building Messaging.sln and bench/QueueBench (Release)"
{ dotnet build Messaging.sln -c Release -nologo -v q && dotnet build bench/QueueBench -c Release -nologo -v q; } >"$WORK/build.log" 2>&1 ||
    { tail -n 30 "$WORK/build.log" >&2; log "the build failed"; FAILED=1; exit 1; }

log "starting PostgreSQL and RabbitMQ"
[ "$STATEMENTS" = 1 ] && export SERVERS_POSTGRES_CONF="shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all"
SERVERS_ENV=$(scripts/servers.sh start) || { FAILED=1; exit 1; }
eval "$SERVERS_ENV"
PG_PORT=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$TEST_POSTGRES")
RABBIT_PORT=$(sed -n 's#.*@127.0.0.1:\([0-9]*\)/.*#\1#p' <<<"$TEST_RABBITMQ")
PSQL=(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q -tA)
PG_SETTINGS=$("${PSQL[@]}" -d postgres -c "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings
    WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections')")
PG_VERSION=$("${PSQL[@]}" -d postgres -c 'SHOW server_version')

PORT=$(free_port)
mkdir -p "$WORK/ours"
check_idle ours
start_ours "$WORK/ours" "$PORT" queue_bench queuebench || exit 1

# --statements: counted from the line QueueBench prints as the warm-up ends to the one it prints as the paced phase ends.
count_statements() {
    local db=(-d queue_bench -F $'\t')
    "${PSQL[@]}" -d queue_bench -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" || return 1
    until grep -q '^queuebench: warm-up (' "$WORK/queuebench.log" 2>/dev/null; do sleep 0.02; done
    "${PSQL[@]}" -d queue_bench -c "SELECT pg_stat_statements_reset()" >/dev/null
    until grep -q '^queuebench: paced (' "$WORK/queuebench.log" 2>/dev/null; do sleep 0.02; done
    "${PSQL[@]}" "${db[@]}" -c "SELECT calls, round(total_exec_time::numeric, 1), round((total_exec_time / calls)::numeric, 3), rows,
        left(regexp_replace(query, '\s+', ' ', 'g'), 140) FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
        ORDER BY total_exec_time DESC LIMIT 25" >"$WORK/statements.tsv"
}

T0=$SECONDS
[ "$STATEMENTS" = 1 ] && { count_statements & COUNTER=$!; }
dotnet bench/QueueBench/bin/Release/net10.0/QueueBench.dll --base "http://127.0.0.1:$PORT" --hosts "$HOSTS" --jobs "$JOBS" \
    --clients "$CLIENTS" --warmup "$WARMUP" --paced "$PACED" --rate "$RATE" --out "$WORK/result.json" \
    2> >(tee "$WORK/queuebench.log" >&2) || { log "QueueBench failed"; FAILED=1; }
ELAPSED=$((SECONDS - T0))
if [ -n "${COUNTER:-}" ]; then
    sleep 1
    kill "$COUNTER" 2>/dev/null
    wait "$COUNTER" 2>/dev/null
fi
MEMORY=()
for i in "${!OURS_PIDS[@]}"; do
    if [ "$i" = $((${#OURS_PIDS[@]} - 1)) ]; then name=Api; else name="worker $((i + 1))"; fi
    MEMORY+=("$name $(rss_mb "${OURS_PIDS[i]}") MB")
done
ERRORS=$(cat "$WORK"/ours/*.log | grep -c '"Level":"Error"')
WARNINGS=$(cat "$WORK"/ours/*.log | grep -c '"Level":"Warning"')
stop_started

[ -f "$WORK/result.json" ] || { log "no result"; FAILED=1; exit 1; }
fig() { "$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$WORK/result.json" "$1"; }
verdict() { "$PYTHON" -c "import sys; v=sys.argv[1]; b=float(sys.argv[2]); print('-' if v == 'None' else ('met' if (float(v)>=b if sys.argv[3]=='>=' else float(v)<=b) else 'NOT met'))" "$1" "$2" "$3"; }

RESULT=bench/results/queue-$STAMP.md
COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
[ -n "$(git status --porcelain -- src bench/QueueBench Messaging.sln 2>/dev/null)" ] && COMMIT="$COMMIT (with uncommitted changes)"
{
    echo "# Queue benchmark, $STAMP"
    echo
    echo "- command: \`$COMMAND_LINE\`"
    echo "- commit: $COMMIT"
    echo "- machine: $(machine); CPUs busy in the 3 s before the start (others' load): ${BUSY_NOTES[*]}"
    echo "- PostgreSQL $PG_VERSION ($PG_SETTINGS); RabbitMQ $(dpkg-query -W -f '${Version}' rabbitmq-server 2>/dev/null), $(queue_type) queues, publisher confirms"
    echo "- ours: $WORKERS Workers processes + 1 Api process (Release, Production, JSON logs${BENCH_OURS_ENV:+, with $BENCH_OURS_ENV}); load and receiver: bench/QueueBench, $CLIENTS clients, on the same machine"
    echo "- workload: $HOSTS hosts (VCPU 16, MEMORY_MB 65536, DISK_GB 1000), each filled by one job; $JOBS queued jobs of VCPU 4 / 16384 MiB / 250 GiB (type vm, strict, spread); $(fig warmup_hosts) hosts freed at $RATE/s as a warm-up (not counted), then $(fig paced_hosts) more at $RATE/s, then the rest by $CLIENTS clients at once; a host freed admits 4 jobs; whole run ${ELAPSED} s"
    echo "- resident memory at the end: ${MEMORY[*]}; logs: $ERRORS Error and $WARNINGS Warning lines"
    echo
    echo "| figure | measured | bar | |"
    echo "|---|---|---|---|"
    echo "| admissions/s, burst ($(fig burst_admissions) jobs in $(fig burst_seconds) s) | $(fig burst_admissions_per_s) | >= 1000 | $(verdict "$(fig burst_admissions_per_s)" 1000 '>=') |"
    echo "| freeing request -> callback, paced at $((RATE * 4)) jobs/s, p50 ms ($(fig paced_admissions) jobs) | $(fig paced_p50_ms) | <= 50 | $(verdict "$(fig paced_p50_ms)" 50 '<=') |"
    echo "| freeing request -> callback, paced at $((RATE * 4)) jobs/s, p99 ms | $(fig paced_p99_ms) | <= 250 | $(verdict "$(fig paced_p99_ms)" 250 '<=') |"
    echo "| freeing request -> callback, burst (freed at $(fig burst_freed_jobs_per_s) jobs/s), p50 / p99 ms | $(fig burst_p50_ms) / $(fig burst_p99_ms) | | |"
    echo "| finish request itself, p50 / p99 ms | $(fig finish_request_p50_ms) / $(fig finish_request_p99_ms) | | |"
    echo "| fill: admissions/s with an empty queue behind | $(fig fill_admissions_per_s) | | |"
    echo "| submit requests/s ($JOBS jobs, $CLIENTS clients) | $(fig submit_per_s) | | |"
    echo "| duplicate callbacks / jobs with two delivery ids | $(fig duplicate_callbacks) / $(fig jobs_with_two_delivery_ids) | | |"
    echo
    echo "All figures from QueueBench's clock on this machine. Every admitted job counts once, at its first callback."
    echo
    if [ -s "$WORK/statements.tsv" ]; then
        echo "PostgreSQL statements over the paced phase (pg_stat_statements, track = all, so a trigger's statements count"
        echo "both alone and in the statement that fired them), by total execution time:"
        echo
        echo "| calls | total ms | mean ms | rows | statement |"
        echo "|---:|---:|---:|---:|---|"
        while IFS=$'\t' read -r calls total mean rows query; do
            echo "| $calls | $total | $mean | $rows | \`${query//|/\\|}\` |"
        done <"$WORK/statements.tsv"
        echo
    elif [ "$STATEMENTS" = 1 ]; then
        echo "The statements over the paced phase were not counted (see the log)."
        echo
    fi
    echo '```json'
    cat "$WORK/result.json"
    echo '```'
} >"$RESULT"
INDEX=bench/results/README.md
DIRTY=$(git status --porcelain -- src tests Messaging.sln 2>/dev/null)
echo "- [$STAMP](queue-$STAMP.md): \`$COMMAND_LINE\`, commit ${COMMIT:0:12}${DIRTY:+ with uncommitted changes}${BENCH_OURS_ENV:+, with $BENCH_OURS_ENV}; burst $(fig burst_admissions_per_s) admissions/s, paced at $((RATE * 4)) jobs/s p50 $(fig paced_p50_ms) / p99 $(fig paced_p99_ms) ms" >>"$INDEX"
cat "$RESULT"
log "written $RESULT"
exit "$FAILED"
