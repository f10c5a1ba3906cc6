# Shell functions the benchmark scripts share (sourced by bench/placement.sh and bench/queue.sh). They expect
# PYTHON, PIDS (an array) and BUSY_NOTES (an array) and a log function from the script.

stop_pid() { # PID: SIGTERM, then SIGKILL after 20 s
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 40); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
        sleep 0.5
    done
    log "process $pid did not stop on SIGTERM, killing it"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

stop_started() { # stops our processes, the last started first
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
    PIDS=()
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() { # URL SECONDS PID: until URL answers 200 (false if PID dies or time runs out)
    local url=$1 deadline=$((SECONDS + $2)) pid=$3
    until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'X-Auth-Token: admin' "$url")" = 200 ]; do
        kill -0 "$pid" 2>/dev/null || return 1
        [ $SECONDS -ge "$deadline" ] && return 1
        sleep 0.5
    done
}

cpu_busy() { # percent of all CPUs busy over 3 s
    local a b
    a=$(head -n 1 /proc/stat); sleep 3; b=$(head -n 1 /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x); split(b, y); for (i = 2; i <= 9; i++) { t += y[i] - x[i] }
        idle = (y[5] - x[5]) + (y[6] - x[6]); printf "%d", (t > 0 ? 100 * (t - idle) / t : 0) }'
}

# Anything else busy on the machine (a build, a test run) skews the figures: before each target starts, with
# the servers idle, measure how busy the CPUs are and say so.
check_idle() { # TARGET
    local busy
    busy=$(cpu_busy)
    BUSY_NOTES+=("$1 ${busy}%")
    [ "$busy" -le 15 ] ||
        log "warning: the CPUs were ${busy}% busy before $1 started (something else runs); its figures will suffer"
}

# Ours in the production shape: WORKERS Workers processes and one Api process (Release builds, Production
# environment, JSON logs) on the private PostgreSQL (database DB, created afresh) and RabbitMQ (vhost VHOST).
# Expects PSQL, PG_PORT, RABBIT_PORT, WORKERS, TEST_RABBITMQ_MANAGEMENT; more environment in OURS_ENV (an array).
# Sets OURS_PIDS (workers first, the Api last). Returns non-zero (and sets FAILED) when the service is not ready.
start_ours() { # DIR PORT DB VHOST
    local dir=$1 port=$2 db=$3 vhost=$4 i pid rel=net10.0 more
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" ||
        { log "ours: could not create the database"; FAILED=1; return 1; }
    # A vhost of its own on the broker (guest may use it).
    if ! { curl -sf -u guest:guest -X PUT "$TEST_RABBITMQ_MANAGEMENT/api/vhosts/$vhost" >/dev/null &&
        curl -sf -u guest:guest -X PUT -H 'content-type: application/json' \
            -d '{"configure":".*","write":".*","read":".*"}' \
            "$TEST_RABBITMQ_MANAGEMENT/api/permissions/$vhost/guest" >/dev/null; }; then
        log "ours: could not create the RabbitMQ vhost"; FAILED=1; return 1
    fi
    local env=(
        ASPNETCORE_ENVIRONMENT=Production DOTNET_ENVIRONMENT=Production
        Database__Provider=Postgres
        "ConnectionStrings__Database=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$db"
        Bus__Transport=RabbitMq
        "ConnectionStrings__RabbitMq=amqp://guest:guest@127.0.0.1:$RABBIT_PORT/$vhost"
        Workers__InProcess=false
        Logging__Json=true
        "${OURS_ENV[@]}"
    )
    # BENCH_OURS_ENV: more settings for our processes, space-separated NAME=VALUE (log levels, say).
    read -r -a more <<<"${BENCH_OURS_ENV:-}"
    env+=("${more[@]}")
    OURS_PIDS=()
    log "ours: starting $WORKERS Workers and the Api on :$port"
    for i in $(seq 1 "$WORKERS"); do
        # Each process runs in its own output folder, as in the container image (appsettings.json beside it).
        (cd src/Workers/bin/Release/$rel && exec setsid env "${env[@]}" dotnet Workers.dll) \
            >"$dir/worker-$i.log" 2>&1 </dev/null &
        PIDS+=($!)
        OURS_PIDS+=($!)
    done
    (cd src/Api/bin/Release/$rel && exec setsid env "${env[@]}" dotnet Api.dll --urls "http://127.0.0.1:$port") \
        >"$dir/api.log" 2>&1 </dev/null &
    pid=$!
    PIDS+=("$pid")
    OURS_PIDS+=("$pid")
    if ! wait_http "http://127.0.0.1:$port/readyz" 180 "$pid"; then
        tail -n 20 "$dir"/*.log >&2
        curl -s --max-time 5 "http://127.0.0.1:$port/readyz" >&2
        log "ours: /readyz did not answer 200"; FAILED=1; stop_started; return 1
    fi
    for pid in "${OURS_PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null || { log "ours: process $pid exited"; FAILED=1; }
    done
}

queue_type() { # the RabbitMQ queue type our workers declare: the service default unless BENCH_OURS_ENV sets Bus__QueueType
    local v=quorum
    [[ " ${BENCH_OURS_ENV:-} " =~ \ Bus__QueueType=([a-z]+)\  ]] && v=${BASH_REMATCH[1]}
    echo "$v"
}

rss_mb() { # PID: resident memory in MB
    awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null
}

# The machine, for a results file: nproc, CPU model, kernel.
machine() {
    local cpu
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sort | uniq -c | awk '{n=$1; $1=""; sub(/^ /,""); printf "%s%s x %d", (NR>1?", ":""), $0, n}')
    echo "nproc $(nproc); CPU $cpu; kernel $(uname -r)"
}
