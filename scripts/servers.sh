#!/usr/bin/env bash
# Private, throw-away PostgreSQL 15 and RabbitMQ nodes on free loopback ports,
# for the test suite and for benchmarks. Nothing is shared with a system-wide
# PostgreSQL or RabbitMQ that may already run on the default ports.
#
# As a command:
#   eval "$(scripts/servers.sh start)"   # starts both, prints `export ...` lines
#   scripts/servers.sh stop STATEFILE     # stops them, removes their folder
#   scripts/servers.sh install            # installs missing packages (root)
# Sourced (as test.sh does): servers_install, servers_start, servers_stop.
#
# After start these are set (and printed as exports by `start`):
#   TEST_POSTGRES             Npgsql connection string to the admin database
#   TEST_RABBITMQ             amqp://guest:guest@127.0.0.1:PORT/
#   TEST_RABBITMQ_MANAGEMENT  http://127.0.0.1:PORT (management API, guest/guest)
#   TEST_RABBITMQ_CTL         command prefix running rabbitmqctl against our node
#                             (broker-level tests stop and start the broker with
#                             `$TEST_RABBITMQ_CTL stop_app` / `start_app`)
#   SERVERS_STATE             state file to hand to `stop`
#
# SERVERS_POSTGRES_CONF (environment, optional): more postgresql.conf lines for
# the PostgreSQL node, for measuring: say
# "shared_preload_libraries = 'pg_stat_statements'".

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
RABBIT_BIN=${RABBIT_BIN:-/usr/lib/rabbitmq/bin}
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || true)}

_log() { echo "servers: $*" >&2; }

# initdb refuses to run as root and Debian's RabbitMQ expects its own user:
# as root, run their tools as postgres / rabbitmq; otherwise as ourselves.
# Sets the array AS to the command prefix (an array, so that setsid and
# timeout can run it, which they cannot do with a shell function). It ends
# in `env -C /`: the caller's folder may be closed to that user.
_as() { # USER
    if [ "$(id -u)" = 0 ]; then AS=(runuser -u "$1" -- env -C /); else AS=(env -C /); fi
}

_own() { # USER PATH... : hand folders to the user the server runs as
    local user=$1; shift
    if [ "$(id -u)" = 0 ]; then chown -R "$user:" "$@"; fi
}

servers_install() {
    local missing=()
    [ -x "$RABBIT_BIN/rabbitmq-server" ] || missing+=(rabbitmq-server)
    [ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
    [ -n "$PYTHON" ] || missing+=(python3)
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        _log "missing packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})"
        return 1
    fi
    _log "installing ${missing[*]}"
    # Installing rabbitmq-server may start a default node on 5672: harmless,
    # this script never uses it.
    if ! { apt-get update -q &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } >&2; then
        _log "apt-get install ${missing[*]} failed"
        return 1
    fi
    PYTHON=${PYTHON:-$(command -v python3)}
}

# N distinct ports that are free now on 127.0.0.1, taken below the kernel's
# ephemeral range so outgoing connections are unlikely to grab them first.
_free_ports() { # N
    "$PYTHON" - "$1" <<'EOF'
import random, socket, sys
held = []
while len(held) < int(sys.argv[1]):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", random.randint(20000, 30999)))
        held.append(s)
    except OSError:
        s.close()
print(" ".join(str(s.getsockname()[1]) for s in held))
EOF
}

# Sets the array RABBIT to the prefix that runs a RabbitMQ tool against our
# node only: every path, port and name is private. Debian's wrappers in
# /usr/sbin are bypassed because they reset the environment and the folder.
_rabbit_env() {
    _as rabbitmq
    RABBIT=("${AS[@]}"
        HOME="$SERVERS_DIR/rabbit/home" LC_ALL=C.UTF-8
        RABBITMQ_NODENAME="$RABBIT_NODE"
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
        RABBITMQ_NODE_PORT="$RABBIT_PORT"
        RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT"
        ERL_EPMD_PORT="$RABBIT_EPMD_PORT"
        ERL_EPMD_ADDRESS=127.0.0.1
        # +sbwt none...: the broker's schedulers sleep when idle instead of spinning (few cores, shared).
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none"
        RABBITMQ_CONF_ENV_FILE="$SERVERS_DIR/rabbit/rabbitmq-env.conf"
        RABBITMQ_CONFIG_FILE="$SERVERS_DIR/rabbit/rabbitmq.conf"
        RABBITMQ_ADVANCED_CONFIG_FILE="$SERVERS_DIR/rabbit/advanced.config"
        RABBITMQ_ENABLED_PLUGINS_FILE="$SERVERS_DIR/rabbit/enabled_plugins"
        RABBITMQ_MNESIA_BASE="$SERVERS_DIR/rabbit/mnesia"
        RABBITMQ_LOG_BASE="$SERVERS_DIR/rabbit/log")
}

_random_hex() { # BYTES
    od -An -tx1 -N "$1" /dev/urandom | tr -d ' \n'
}

# Appends VAR=value to the state file as soon as something exists, so that
# stop can undo a start that failed half-way.
_state() { # VAR VALUE
    printf -v "$1" '%s' "$2"
    printf '%s=%q\n' "$1" "$2" >>"$SERVERS_STATE"
}

servers_start() {
    local t0=$SECONDS
    SERVERS_DIR=$(mktemp -d /tmp/msgtest.XXXXXX) || return 1
    chmod 755 "$SERVERS_DIR" # postgres and rabbitmq must reach their folders
    SERVERS_STATE=$SERVERS_DIR/state
    : >"$SERVERS_STATE"
    _state SERVERS_DIR "$SERVERS_DIR"

    read -r PG_PORT RABBIT_PORT RABBIT_DIST_PORT RABBIT_MGMT_PORT RABBIT_EPMD_PORT <<<"$(_free_ports 5)"
    [ -n "$RABBIT_EPMD_PORT" ] || { _log "could not find free ports"; return 1; }

    # RabbitMQ first, in the background: it is the slower one to boot.
    local r=$SERVERS_DIR/rabbit id
    id=$(_random_hex 4)
    _state RABBIT_NODE "msgtest-$id@localhost"
    _state RABBIT_PORT "$RABBIT_PORT"
    _state RABBIT_DIST_PORT "$RABBIT_DIST_PORT"
    _state RABBIT_MGMT_PORT "$RABBIT_MGMT_PORT"
    _state RABBIT_EPMD_PORT "$RABBIT_EPMD_PORT"
    mkdir -p "$r/home" "$r/mnesia" "$r/log"
    : >"$r/rabbitmq-env.conf" # keeps /etc/rabbitmq/rabbitmq-env.conf out
    cat >"$r/rabbitmq.conf" <<EOF
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBIT_MGMT_PORT
# a small test disk must not block publishers
disk_free_limit.absolute = 50MB
EOF
    echo '[rabbitmq_management].' >"$r/enabled_plugins"
    # Our own cookie, written before start so the node and the CLI agree.
    _random_hex 16 | tr a-f A-F >"$r/home/.erlang.cookie"
    chmod 400 "$r/home/.erlang.cookie"
    _own rabbitmq "$r"
    _rabbit_env
    # setsid: a Ctrl-C on the terminal reaches only us, and our trap stops
    # the node in order.
    setsid -w "${RABBIT[@]}" "$RABBIT_BIN/rabbitmq-server" >"$r/log/console.log" 2>&1 </dev/null &
    _state RABBIT_PID $!

    # PostgreSQL: loopback only, socket inside the data dir.
    local pg=$SERVERS_DIR/pg
    mkdir -p "$pg"
    _own postgres "$pg"
    _as postgres
    "${AS[@]}" "$PG_BIN/initdb" -D "$pg/data" -A trust -U postgres -E UTF8 >"$SERVERS_DIR/initdb.log" 2>&1 ||
        { cat "$SERVERS_DIR/initdb.log" >&2; _log "initdb failed"; return 1; }
    cat >>"$pg/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$pg/data'
max_connections = 300
fsync = on
${SERVERS_POSTGRES_CONF:-}
EOF
    _state PG_DATA "$pg/data"
    _state PG_PORT "$PG_PORT"
    setsid -w "${AS[@]}" "$PG_BIN/pg_ctl" -D "$pg/data" -l "$pg/postgres.log" -w -t 60 start >/dev/null </dev/null ||
        { tail -n 30 "$pg/postgres.log" >&2; _log "PostgreSQL did not start"; return 1; }
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 30 ||
        { _log "PostgreSQL is not ready"; return 1; }
    _log "PostgreSQL ready on 127.0.0.1:$PG_PORT ($((SECONDS - t0)) s)"

    # RabbitMQ: the node answers ping, then its management API answers.
    local deadline=$((SECONDS + 90))
    until "${RABBIT[@]}" "$RABBIT_BIN/rabbitmq-diagnostics" -q ping >/dev/null 2>&1; do
        if ! kill -0 "$RABBIT_PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
            tail -n 40 "$r/log/console.log" >&2
            _log "RabbitMQ node $RABBIT_NODE did not start (logs: $r/log)"
            return 1
        fi
        sleep 1
    done
    "$PYTHON" - "http://127.0.0.1:$RABBIT_MGMT_PORT/api/overview" $((deadline - SECONDS)) <<'EOF' ||
import base64, sys, time, urllib.request
url, deadline = sys.argv[1], time.time() + max(int(sys.argv[2]), 10)
req = urllib.request.Request(url, headers={"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()})
while True:
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception as e:
        if time.time() > deadline:
            sys.exit(f"{url}: {e}")
    time.sleep(0.5)
EOF
        { _log "RabbitMQ management API did not answer"; return 1; }
    _log "RabbitMQ ready on 127.0.0.1:$RABBIT_PORT, management on :$RABBIT_MGMT_PORT ($((SECONDS - t0)) s)"

    export TEST_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres"
    export TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:$RABBIT_PORT/"
    export TEST_RABBITMQ_MANAGEMENT="http://127.0.0.1:$RABBIT_MGMT_PORT"
    export TEST_RABBITMQ_CTL="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/servers.sh rabbitmqctl $SERVERS_STATE"
    export SERVERS_STATE
    local v
    for v in TEST_POSTGRES TEST_RABBITMQ TEST_RABBITMQ_MANAGEMENT TEST_RABBITMQ_CTL; do
        _state "$v" "${!v}"
    done
}

# Stops whatever the state file says was started; safe to call twice and
# after a start that failed half-way.
servers_stop() { # [STATEFILE]
    local state=${1:-${SERVERS_STATE:-}}
    [ -n "$state" ] && [ -f "$state" ] || return 0
    (
        set +e # best effort: go on stopping the rest whatever fails
        SERVERS_DIR='' RABBIT_NODE='' RABBIT_PID='' PG_DATA=''
        # shellcheck disable=SC1090
        . "$state"
        if [ -n "$RABBIT_NODE" ]; then
            # The pid we hold is the launcher's: ask the node itself to stop,
            # then make sure its Erlang VM (pid file, or the VM whose -home is
            # our private folder) is gone.
            local beam i
            beam=$(cat "$SERVERS_DIR/rabbit/mnesia/$RABBIT_NODE.pid" 2>/dev/null ||
                pgrep -o -f -- "beam.* -home $SERVERS_DIR/rabbit/home " || true)
            _rabbit_env
            timeout 60 "${RABBIT[@]}" "$RABBIT_BIN/rabbitmqctl" -q -n "$RABBIT_NODE" stop >/dev/null 2>&1 || true
            for i in $(seq 1 40); do
                if [ -z "$beam" ] || ! kill -0 "$beam" 2>/dev/null; then break; fi
                [ "$i" = 30 ] && { _log "RabbitMQ node did not stop, killing it"; kill -KILL "$beam"; }
                sleep 0.5
            done
            [ -n "$RABBIT_PID" ] && kill "$RABBIT_PID" 2>/dev/null
            # The node started a private epmd on its own port; end it too.
            [ -n "${RABBIT_EPMD_PORT:-}" ] && ERL_EPMD_PORT=$RABBIT_EPMD_PORT epmd -kill >/dev/null 2>&1
        fi
        if [ -n "$PG_DATA" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
            _as postgres
            "${AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || {
                _log "pg_ctl stop failed, killing postgres"
                kill -KILL "$(head -n 1 "$PG_DATA/postmaster.pid")" 2>/dev/null
            }
        fi
        case "$SERVERS_DIR" in /tmp/msgtest.*) rm -rf "$SERVERS_DIR" ;; esac
    )
    [ "$state" = "${SERVERS_STATE:-}" ] && unset SERVERS_STATE
    return 0
}

# Used as a command rather than sourced.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -uo pipefail
    case "${1:-}" in
    install) servers_install ;;
    start)
        servers_install || exit 1
        if ! servers_start; then servers_stop; exit 1; fi
        for v in TEST_POSTGRES TEST_RABBITMQ TEST_RABBITMQ_MANAGEMENT TEST_RABBITMQ_CTL SERVERS_STATE; do
            printf 'export %s=%q\n' "$v" "${!v}"
        done
        ;;
    stop) servers_stop "${2:?usage: $0 stop STATEFILE}" ;;
    rabbitmqctl)
        # rabbitmqctl against the node a state file names, e.g. stop_app / start_app
        state=${2:?usage: $0 rabbitmqctl STATEFILE ARGS...}
        shift 2
        # shellcheck disable=SC1090
        . "$state"
        _rabbit_env
        timeout 60 "${RABBIT[@]}" "$RABBIT_BIN/rabbitmqctl" -q -n "$RABBIT_NODE" "$@"
        ;;
    *)
        echo "usage: $0 install | start | stop STATEFILE | rabbitmqctl STATEFILE ARGS..." >&2
        exit 2
        ;;
    esac
fi
