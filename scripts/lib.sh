# shellcheck shell=bash
# Shared by scripts/up, down, seed and test: settings, logging, prerequisites, processes.
# Sourced, never run; the caller has `set -euo pipefail`.

CHAT_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# .env at the repo root, if any; `set -a` exports what it assigns. What the caller exported
# wins over .env (as with docker compose), so `CHAT_PROFILE=debug scripts/up` does what it says.
if [[ -f "$CHAT_REPO/.env" ]]; then
    __chat_caller_env="$(declare -px | grep -v '^declare -[a-z]*r')"
    set -a
    # shellcheck disable=SC1091
    source "$CHAT_REPO/.env"
    set +a
    eval "$__chat_caller_env"
    unset __chat_caller_env
fi

: "${CHAT_HTTP_PORT:=8080}"
# nginx listens on loopback only unless told otherwise (0.0.0.0 to serve other machines).
: "${CHAT_HTTP_ADDR:=127.0.0.1}"
: "${CHAT_PORT_BASE:=8081}"
: "${CHAT_GATEWAYS:=1}"
# Replicas of the other services (the first keeps the plain name and port; see port_of).
: "${CHAT_AUTH_REPLICAS:=1}"
: "${CHAT_ROOMS_REPLICAS:=1}"
: "${CHAT_NOTIFIERS:=1}"
: "${CHAT_RUN_DIR:=$CHAT_REPO/.run}"
: "${CHAT_DB_NAME:=chat}"
: "${CHAT_EXCHANGE:=chat.events}"
: "${NOTIFIER_QUEUE:=notifier.messages}"
: "${CHAT_PROFILE:=release}"
: "${CARGO_TARGET_DIR:=/var/tmp/chat-target}"
: "${CHAT_SEED:=1}"
: "${CHAT_SKIP_WEB:=0}"
# The password of the `postgres` role, when scripts/up created the PostgreSQL cluster itself
# (it then sets one instead of trusting every local TCP connection): in every URL built here,
# and in PGPASSWORD for psql.
CHAT_PG_PASSWORD_FILE="${CHAT_PG_PASSWORD_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/chat/pg-password}"
CHAT_PG_USER=postgres
if [[ -r "$CHAT_PG_PASSWORD_FILE" ]]; then
    CHAT_PG_USER="postgres:$(<"$CHAT_PG_PASSWORD_FILE")"
    export PGPASSWORD="${CHAT_PG_USER#postgres:}"
fi
[[ -n "${DATABASE_URL:-}" ]] || __chat_default_database_url=1
: "${DATABASE_URL:=postgres://$CHAT_PG_USER@127.0.0.1:5432/$CHAT_DB_NAME}"
: "${AMQP_URL:=amqp://guest:guest@127.0.0.1:5672/%2f}"
# The Redis every replica's rate limits count in; CHAT_REDIS=0 leaves it out (each replica
# then counts its own). scripts/up installs and starts Redis when this is the local one.
: "${CHAT_REDIS:=1}"
: "${REDIS_URL:=redis://127.0.0.1:6379/0}"
: "${RUST_LOG:=info}"
: "${LOG_FORMAT:=json}"
: "${CHAT_NGINX_WORKERS:=auto}"
: "${CHAT_NGINX_EXTRA:=}"
# Per client address, at nginx: requests a second (burst on top), new WebSockets a second
# (burst on top), and connections open at once; addresses (CIDRs, space-separated) left
# unlimited, none by default (the test and benchmark stacks exempt loopback: their load all
# comes from it).
: "${CHAT_HTTPS_PORT:=8443}"
: "${CHAT_NGINX_REQ_RATE:=50}"
: "${CHAT_NGINX_REQ_BURST:=100}"
: "${CHAT_NGINX_WS_RATE:=10}"
: "${CHAT_NGINX_WS_BURST:=50}"
: "${CHAT_NGINX_CONN_LIMIT:=2100}"
: "${CHAT_NGINX_UNLIMITED:=}"
# Only the cargo target dir is exported here; scripts/up exports the services' settings itself,
# so a script that sources this file (scripts/test) does not hand those on to its children.
export CARGO_TARGET_DIR

# A relative run dir would break once a process changes directory.
case "$CHAT_RUN_DIR" in
    /*) ;;
    *) CHAT_RUN_DIR="$CHAT_REPO/$CHAT_RUN_DIR" ;;
esac

PIDS_DIR="$CHAT_RUN_DIR/pids"
LOGS_DIR="$CHAT_RUN_DIR/logs"
CMDS_DIR="$CHAT_RUN_DIR/cmds"
# shellcheck disable=SC2034 # used by scripts/up
KEYS_DIR="$CHAT_RUN_DIR/keys"
# shellcheck disable=SC2034 # used by scripts/up
NGINX_DIR="$CHAT_RUN_DIR/nginx"

step() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Ports: auth, rooms, gateway #1, notifier, then gateway #2, #3, ... after the notifier, so
# adding gateways never moves the other services. Further replicas of auth, rooms and the
# notifier (auth-2, rooms-2, notifier-2, ...) are at base+100+N, base+120+N and base+140+N.
auth_port() { echo $((CHAT_PORT_BASE)); }
rooms_port() { echo $((CHAT_PORT_BASE + 1)); }
notifier_port() { echo $((CHAT_PORT_BASE + 3)); }
port_of() { # $1 = service name
    case "$1" in
        auth) auth_port ;;
        rooms) rooms_port ;;
        notifier) notifier_port ;;
        gateway-*) gateway_port "${1#gateway-}" ;;
        auth-*) echo $((CHAT_PORT_BASE + 100 + ${1#auth-})) ;;
        rooms-*) echo $((CHAT_PORT_BASE + 120 + ${1#rooms-})) ;;
        notifier-*) echo $((CHAT_PORT_BASE + 140 + ${1#notifier-})) ;;
    esac
}

# The names of a service's replicas: `auth`, then `auth-2`, `auth-3`, ...
replica_names() { # $1 = service, $2 = count
    local i
    echo "$1"
    for ((i = 2; i <= $2; i++)); do echo "$1-$i"; done
}
# Every service's own address, as `name=url,...` (their /metrics, /readyz).
service_urls() {
    local name urls=()
    for name in $(replica_names auth "$CHAT_AUTH_REPLICAS") $(replica_names rooms "$CHAT_ROOMS_REPLICAS") \
        $(replica_names notifier "$CHAT_NOTIFIERS"); do
        urls+=("$name=http://127.0.0.1:$(port_of "$name")")
    done
    local i
    for ((i = 1; i <= CHAT_GATEWAYS; i++)); do
        urls+=("gateway-$i=http://127.0.0.1:$(gateway_port "$i")")
    done
    local IFS=,
    echo "${urls[*]}"
}
gateway_port() { # $1 = instance number, from 1
    if (($1 == 1)); then
        echo $((CHAT_PORT_BASE + 2))
    else
        echo $((CHAT_PORT_BASE + 2 + $1))
    fi
}

# The program a pid file's process must be running, so a pid reused by an unrelated
# process after a crash is never signalled.
program_of() { # $1 = service name as used for pid and log files
    case "$1" in
        nginx) echo nginx ;;
        auth | auth-*) echo chat-auth ;;
        rooms | rooms-*) echo chat-rooms ;;
        notifier | notifier-*) echo chat-notifier ;;
        gateway-*) echo chat-gateway ;;
        bare) echo chat-loadgen ;;
        *) echo "chat-$1" ;;
    esac
}

# True when the pid file names a live process of ours (its own session and process group
# leader, as start_service makes it, running the expected program).
pidfile_alive() { # $1 = name
    local file="$PIDS_DIR/$1.pid" pid pgid exe
    [[ -f "$file" ]] || return 1
    pid="$(tr -dc '0-9' <"$file")"
    [[ -n "$pid" ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    pgid="$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')"
    [[ "$pgid" == "$pid" ]] || return 1
    exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)"
    [[ "$(basename "${exe% (deleted)}")" == "$(program_of "$1")" ]]
}

# Stops the named services together: SIGTERM to each one's whole process group (nginx's
# workers too), up to 15 s for graceful stops (the services drain in-flight requests), then
# SIGKILL for whatever is left. Removes their pid files either way.
stop_services() { # $@ = names
    local name pid waited=0 live=() pids=()
    for name in "$@"; do
        [[ -f "$PIDS_DIR/$name.pid" ]] || continue
        if pidfile_alive "$name"; then
            pid="$(tr -dc '0-9' <"$PIDS_DIR/$name.pid")"
            info "stopping $name (pid $pid)"
            kill -TERM -- "-$pid" 2>/dev/null || true
            live+=("$name")
            pids+=("$pid")
        else
            info "$name was not running (stale pid file)"
            rm -f "$PIDS_DIR/$name.pid"
        fi
    done
    ((${#pids[@]} > 0)) || return 0
    while ((waited < 150)) && any_alive "${pids[@]}"; do
        sleep 0.1
        waited=$((waited + 1))
    done
    for i in "${!pids[@]}"; do
        if any_alive "${pids[$i]}"; then
            warn "${live[$i]} (pid ${pids[$i]}) ignored SIGTERM for 15 s; killing it"
            kill -KILL -- "-${pids[$i]}" 2>/dev/null || true
        fi
    done
    while any_alive "${pids[@]}"; do sleep 0.1; done
    for name in "${live[@]}"; do rm -f "$PIDS_DIR/$name.pid"; done
}

any_alive() { # $@ = pids; a zombie (exited, not yet reaped) counts as gone
    local pid
    for pid in "$@"; do
        kill -0 "$pid" 2>/dev/null || continue
        [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == Z* ]] || return 0
    done
    return 1
}

# Everything a previous `scripts/up` of this run dir started: nginx first so no new requests
# arrive, then the gateways and the notifier, then rooms and auth, which the others call.
stop_all() {
    local file gateways=() notifiers=() backends=() others=()
    [[ -d "$PIDS_DIR" ]] || return 0
    for file in "$PIDS_DIR"/*.pid; do
        [[ -e "$file" ]] || continue
        file="$(basename "$file" .pid)"
        case "$file" in
            gateway-*) gateways+=("$file") ;;
            notifier-*) notifiers+=("$file") ;;
            auth-* | rooms-*) backends+=("$file") ;;
            nginx | notifier | rooms | auth) ;;
            *) others+=("$file") ;; # a name this version does not know
        esac
    done
    stop_services nginx
    stop_services "${gateways[@]}" notifier "${notifiers[@]}" "${others[@]}"
    stop_services rooms auth "${backends[@]}"
}

# Starts "$@" detached in its own session (so it outlives the terminal and its whole process
# group can be signalled), output appended to logs/<name>.log, pid in pids/<name>.pid. The
# command and the environment it ran in are kept in cmds/<name>.sh (owner-only: it holds the
# configuration), so scripts/restart-service can start it again the same way.
start_service() { # $1 = name, rest = command
    local name="$1"
    shift
    mkdir -p "$CMDS_DIR"
    chmod 700 "$CMDS_DIR"
    (
        umask 077
        {
            export -p
            printf 'exec'
            printf ' %q' "$@"
            printf '\n'
        } >"$CMDS_DIR/$name.sh"
    )
    launch_service "$name" "$@"
}

launch_service() { # $1 = name, rest = command
    local name="$1"
    shift
    mkdir -p "$PIDS_DIR" "$LOGS_DIR"
    printf '\n---- %s starting %s\n' "$(date -u +%FT%TZ)" "$name" >>"$LOGS_DIR/$name.log"
    setsid nohup "$@" >>"$LOGS_DIR/$name.log" 2>&1 </dev/null &
    echo "$!" >"$PIDS_DIR/$name.pid"
    info "started $name (pid $!)"
}

http_status() { # $1 = URL; prints the status code, 000 when nothing answers
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true
}

port_in_use() { # $1 = port on 127.0.0.1
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# Prerequisites (scripts/up, scripts/test): the tools, and PostgreSQL and RabbitMQ running on
# their default local ports. Whatever is missing is installed from Debian's packages, without
# a prompt; what is installed but stopped is started (there is no systemd here).

SUDO=()
if ((EUID != 0)) && command -v sudo >/dev/null; then
    SUDO=(sudo -n)
fi

APT_UPDATED=0
apt_install() { # $@ = packages
    if ((APT_UPDATED == 0)); then
        info "apt-get update"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    info "apt-get install $*"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The Python tools the offline checks use (check-jsonschema, kubernetes-validate, checkov), at
# pinned versions, in a venv under CHAT_TOOLS_DIR; prints the venv's path.
tools_venv() {
    local venv="${CHAT_TOOLS_DIR:-$HOME/.cache/chat-tools}/venv"
    local pins=(check-jsonschema==0.39.0 kubernetes-validate==1.37.0 checkov==3.3.30)
    if [[ ! -x "$venv/bin/python" ]]; then
        if ! python3 -m venv "$venv" >/dev/null 2>&1; then
            apt_install python3-venv >&2 && python3 -m venv "$venv" >&2 || return 1
        fi
    fi
    if [[ "$(cat "$venv/.chat-pins" 2>/dev/null)" != "${pins[*]}" ]]; then
        info "installing ${pins[*]} into $venv" >&2
        "$venv/bin/pip" install -q "${pins[@]}" >&2 || return 1
        echo "${pins[*]}" >"$venv/.chat-pins"
    fi
    echo "$venv"
}

need() { # $1 = command, $2 = the package that provides it
    command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}

# For a PostgreSQL cluster installed just now, on port $1: it asks for a password on
# 127.0.0.1 (Debian's pg_hba), and the postgres role has none. Gives it a random one, kept
# owner-only in CHAT_PG_PASSWORD_FILE, rather than trust every local TCP connection (any local
# user would be the superuser); set over the Unix socket, as the postgres OS user. Nothing to
# do when the cluster already lets us in without one. scripts/test runs it on a cluster of
# its own (fresh_cluster_password).
pg_set_password() {
    local port=$1 password
    psql -w -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1 && return 0
    password="$(openssl rand -hex 24)"
    mkdir -p "$(dirname "$CHAT_PG_PASSWORD_FILE")"
    (umask 077 && printf '%s\n' "$password" >"$CHAT_PG_PASSWORD_FILE")
    info "set a password for the postgres role (kept in $CHAT_PG_PASSWORD_FILE)"
    # Over the local socket as the postgres OS user (peer authentication), whatever PGHOST or
    # PGUSER the caller's environment names.
    "${SUDO[@]}" runuser -u postgres -- env -u PGHOST -u PGUSER -u PGPASSWORD \
        psql -XqAt -p "$port" -d postgres \
        -c "ALTER ROLE postgres PASSWORD '$password'" >/dev/null || return 1
    CHAT_PG_USER="postgres:$password"
    export PGPASSWORD="$password"
    psql -w -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc 'select 1' >/dev/null ||
        die "PostgreSQL refuses the password just set for the postgres role"
}

ensure_prerequisites() {
    local pg_version i pg_installed_now=0
    step "checking prerequisites"
    need nginx nginx-light
    need openssl openssl
    need envsubst gettext-base
    need curl curl
    need python3 python3
    need setsid util-linux
    need npm npm
    need node nodejs

    if ! command -v pg_lsclusters >/dev/null; then
        apt_install postgresql
        pg_installed_now=1
    fi
    if ! pg_lsclusters -h | awk '$4 == "online" { found = 1 } END { exit !found }'; then
        # The newest major version under /etc/postgresql, cluster "main".
        pg_version="$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1)"
        [[ -n "$pg_version" ]] || die "no PostgreSQL cluster under /etc/postgresql"
        info "starting PostgreSQL $pg_version/main"
        "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
    fi
    for ((i = 0; ; i++)); do
        pg_isready -q -h 127.0.0.1 && break
        ((i < 60)) || die "PostgreSQL does not accept connections on 127.0.0.1 after 30 s"
        sleep 0.5
    done
    if ((pg_installed_now == 1)); then
        pg_set_password 5432
        if [[ "${__chat_default_database_url:-0}" == 1 ]]; then
            DATABASE_URL="postgres://$CHAT_PG_USER@127.0.0.1:5432/$CHAT_DB_NAME"
        fi
    fi
    info "PostgreSQL is ready"

    need rabbitmqctl rabbitmq-server
    if ! "${SUDO[@]}" rabbitmqctl -q status >/dev/null 2>&1; then
        info "starting RabbitMQ"
        "${SUDO[@]}" rabbitmq-server -detached
        "${SUDO[@]}" rabbitmqctl -q await_startup >/dev/null
    fi
    info "RabbitMQ is ready"

    if [[ "$CHAT_REDIS" == 1 && "$REDIS_URL" =~ ^redis://(127\.0\.0\.1|localhost)(:6379)?(/|$) ]]; then
        need redis-server redis-server
        need redis-cli redis-tools
        if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
            # Rate-limit counters only: nothing worth keeping on disk.
            info "starting Redis"
            "${SUDO[@]}" redis-server --bind 127.0.0.1 --port 6379 --daemonize yes \
                --save '' --appendonly no >/dev/null
            for ((i = 0; ; i++)); do
                redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
                ((i < 60)) || die "Redis does not answer on 127.0.0.1:6379 after 30 s"
                sleep 0.5
            done
        fi
        info "Redis is ready"
    fi
}
