#!/usr/bin/env bash
# Liaison benchmark: builds the release binary, generates a data set with
# `liaison demo --scale`, serves it and drives it with wrk (Debian's package,
# installed when missing) over keep-alive connections, signed in as real users.
#
# Usage: scripts/bench.sh [--quick] [--sqlite-only | --postgres-only]
#                         [--database-url postgres://...] [--connections N]
#   (default)      full run: the large data set (100,000 links, a 1,000-deep chain,
#                  1,000,000 audit events), 15 s per scenario; checks the figures of issue 8
#                  on SQLite and exits non-zero when one is missed
#   --quick        the medium data set and 4 s per scenario, for everyday use (< 3 minutes)
#   --database-url run the PostgreSQL part on this (empty) database instead of starting
#                  a throwaway cluster (scripts/pg-cluster.sh)
# SQLite runs one instance; PostgreSQL runs two instances on different ports sharing the
# database (sessions made on the first are used on both; writes go to both).
# Prints a table per backend and writes target/bench/results.json.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case "${1:-}" in -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac

QUICK=0 SQLITE=1 POSTGRES=1 DATABASE_URL="" CONNECTIONS=32
while (($#)); do
    case "$1" in
        --quick) QUICK=1 ;;
        --sqlite-only) POSTGRES=0 ;;
        --postgres-only) SQLITE=0 ;;
        --database-url) DATABASE_URL=$2; shift ;;
        --connections) CONNECTIONS=$2; shift ;;
        *) echo "unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if ((QUICK)); then
    SCALE=medium TIMING=(--duration 4 --warmup 1 --write-duration 4)
else
    SCALE=large TIMING=(--duration 15 --warmup 3 --write-duration 10)
fi

# shellcheck source=scripts/apt-install.sh
source scripts/apt-install.sh
pkgs=(wrk)
if ((POSTGRES)) && [[ -z $DATABASE_URL ]]; then pkgs+=(postgresql); fi
apt_install_missing "${pkgs[@]}"

cargo build --release --locked
BIN=$PWD/target/release/liaison
OUT=target/bench
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/liaison-bench.XXXXXX)

# The kernel's autogroup scheduler (kernel.sched_autogroup_enabled) shares the CPU among
# sessions, and PostgreSQL makes each backend a session of its own (setsid). On a 2-core machine
# 30-odd backends then each weighed as much as a whole portal instance, whose threads went
# unscheduled for 1-7 s at a time: a PostgreSQL p99 of seconds that a server run by a service
# manager (in a cgroup, where autogroup does not apply) does not see. The PostgreSQL part runs
# without it when the script may change the setting, which is put back on exit.
AUTOGROUP=/proc/sys/kernel/sched_autogroup_enabled
AUTOGROUP_WAS=""
autogroup_off() {
    [[ -r $AUTOGROUP && $(<"$AUTOGROUP") == 1 ]] || return 0
    if [[ -w $AUTOGROUP ]] && echo 0 >"$AUTOGROUP"; then
        AUTOGROUP_WAS=1
        echo "== kernel.sched_autogroup_enabled is 0 for the PostgreSQL part (put back on exit)"
    else
        echo "== note: kernel.sched_autogroup_enabled is 1 and this user cannot change it: expect" \
            "PostgreSQL p99s of seconds (see the README's Benchmark section)"
    fi
}
autogroup_restore() {
    if [[ -n $AUTOGROUP_WAS ]]; then
        echo "$AUTOGROUP_WAS" >"$AUTOGROUP"
        AUTOGROUP_WAS=""
    fi
}

cleanup() {
    autogroup_restore
    if declare -F pg_cluster_stop >/dev/null; then pg_cluster_stop; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One backend: generate its data set, then drive it. Arguments: name, instances, [url].
bench() {
    local backend=$1 instances=$2 url=${3:-} data=$WORK/$1 db=() checks=()
    # The figures of issue 8 apply to a full run on SQLite; PostgreSQL's are only reported.
    if ((!QUICK)) && [[ $backend == sqlite ]]; then checks=(--full); fi
    mkdir -p "$data"
    if [[ -n $url ]]; then db=(--database-url "$url"); fi
    echo "== $backend: generating the $SCALE data set"
    "$BIN" demo --scale "$SCALE" --data-dir "$data" "${db[@]}" >"$WORK/$backend-demo.log" 2>&1 \
        || { tail -n 20 "$WORK/$backend-demo.log"; exit 1; }
    tail -n 3 "$WORK/$backend-demo.log"
    echo "== $backend: $instances instance(s), $CONNECTIONS connections"
    python3 scripts/bench/driver.py --binary "$BIN" --data-dir "$data" "${db[@]}" \
        --backend "$backend" --instances "$instances" --connections "$CONNECTIONS" \
        --wrk-script scripts/bench/wrk.lua --out "$WORK/$backend.json" "${TIMING[@]}" "${checks[@]}" \
        || status=1
}

status=0
if ((SQLITE)); then bench sqlite 1; fi
if ((POSTGRES)); then
    if [[ -z $DATABASE_URL ]]; then
        # shellcheck source=scripts/pg-cluster.sh
        source scripts/pg-cluster.sh
        PG_DURABLE=1 pg_cluster_start
        DATABASE_URL=$PG_URL
    fi
    autogroup_off
    bench postgres 2 "$DATABASE_URL"
    autogroup_restore
fi

python3 - "$OUT/results.json" "$SCALE" "$WORK"/*.json <<'EOF'
import json, os, platform, sys
out, scale, files = sys.argv[1], sys.argv[2], sys.argv[3:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
mem = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
doc = {"scale": scale,
       "machine": {"cpus": os.cpu_count(), "cpu": cpu, "memory_mb": mem, "kernel": platform.release()},
       "runs": [json.load(open(f)) for f in files if os.path.getsize(f)]}
json.dump(doc, open(out, "w"), indent=2)
print(f"\nWrote {out}")
EOF
exit "$status"
