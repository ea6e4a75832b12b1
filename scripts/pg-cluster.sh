# shellcheck shell=bash
# Throwaway PostgreSQL cluster for the test suite. Sourced by scripts/test.sh.
#
#   trap pg_cluster_stop EXIT   # set this first: cleanup must survive any failure
#   pg_cluster_start            # sets PG_URL=postgres://postgres@127.0.0.1:PORT/postgres
#
# The cluster lives entirely in a mktemp dir, listens only on 127.0.0.1 on a
# free port (never the system cluster's 5432), and is durability-free for speed unless
# PG_DURABLE=1 (the benchmark measures PostgreSQL with its default fsync and commit settings).

PG_USER=liaison-pg   # postgres refuses to run as root, so root uses this account
PG_DIR=""            # non-empty while a cluster (or its temp dir) exists
PG_URL=""

# Run a PostgreSQL binary as the unprivileged cluster owner (from inside
# PG_DIR, so the cwd is always readable by that user).
pg_as() {
    if [[ $EUID -eq 0 ]]; then
        (cd "$PG_DIR" && runuser -u "$PG_USER" -- "$@")
    else
        (cd "$PG_DIR" && "$@")
    fi
}

pg_cluster_start() {
    local bin port
    # Newest installed server version (Debian keeps them in /usr/lib/postgresql/N/bin).
    bin=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null \
            | sort -V | tail -n 1 | xargs -r dirname)
    [[ -n $bin && -x $bin/pg_ctl ]] \
        || { echo "error: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin" >&2; return 1; }
    PG_BIN=$bin

    if [[ $EUID -eq 0 ]] && ! id -u "$PG_USER" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
    fi

    # Explicitly under /tmp: must be traversable by $PG_USER (TMPDIR might be
    # e.g. /root/tmp) and short enough for the Unix socket path limit.
    PG_DIR=$(mktemp -d /tmp/liaison-pg.XXXXXX)
    if [[ $EUID -eq 0 ]]; then chown "$PG_USER": "$PG_DIR"; fi

    # Bind port 0 to let the kernel pick a free port (tiny race window; fine for CI).
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

    echo "PostgreSQL: $PG_BIN, dir $PG_DIR, port $port"
    pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" --auth=trust -U postgres \
        --encoding=UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; echo "error: initdb failed" >&2; return 1; }
    local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    if [[ ${PG_DURABLE:-0} == 1 ]]; then durability=""; fi
    if ! pg_as "$PG_BIN/pg_ctl" -w -t 60 -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR $durability -c max_connections=300" \
        start; then
        echo "error: PostgreSQL failed to start; server log tail:" >&2
        tail -n 50 "$PG_DIR/server.log" >&2 || true
        return 1
    fi
    # shellcheck disable=SC2034  # read by the sourcing script
    PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# Idempotent and never fails: safe to call from EXIT/INT traps at any point.
pg_cluster_stop() {
    [[ -n $PG_DIR ]] || return 0
    if [[ -f $PG_DIR/data/postmaster.pid ]]; then
        pg_as "$PG_BIN/pg_ctl" stop -m immediate -D "$PG_DIR/data" >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    echo "PostgreSQL: cluster stopped, $PG_DIR removed"
    PG_DIR=""
}
