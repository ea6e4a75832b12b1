#!/usr/bin/env bash
# Liaison test runner; CI runs it through .ci/run on a fresh Debian 12 box.
#
# Usage: scripts/test.sh [STAGE...]      (default: all stages)
#   lint      cargo fmt --check && cargo clippy --all-targets --all-features -- -D warnings
#   sqlite    cargo test                        (TEST_DATABASE_URL unset: temp SQLite files)
#   postgres  cargo test --test it              (against a throwaway cluster, scripts/pg-cluster.sh)
#   browser   cargo test --features browser-tests --test browser   (Chromium + chromedriver;
#             override paths with CHROMIUM=... CHROMEDRIVER=...)
# Before them, "install" apt-installs whatever the selected stages need
# (postgresql / chromium chromium-driver); sudo is used when not root.
#
# A failing stage does not stop later ones (one CI run reports everything),
# but the exit status is non-zero if any stage failed or could not run.

# shellcheck disable=SC2317  # stage_* functions are called indirectly by run_stage
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ -t 1 ]] || export CARGO_TERM_COLOR=never   # keep CI logs free of escape codes

ALL_STAGES=(lint sqlite postgres browser)
case "${1:-}" in -h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
if (($#)); then STAGES=("$@"); else STAGES=("${ALL_STAGES[@]}"); fi
for s in "${STAGES[@]}"; do
    [[ " ${ALL_STAGES[*]} " == *" $s "* ]] \
        || { echo "unknown stage '$s' (expected: ${ALL_STAGES[*]})" >&2; exit 2; }
done
want() { [[ " ${STAGES[*]} " == *" $1 "* ]]; }

stage_install() {
    local pkgs=()
    if want postgres; then pkgs+=(postgresql); fi
    if want browser; then pkgs+=(chromium chromium-driver); fi
    # shellcheck source=scripts/apt-install.sh
    source scripts/apt-install.sh
    apt_install_missing "${pkgs[@]}"
}

stage_lint() {
    cargo fmt --check
    cargo clippy --all-targets --all-features -- -D warnings
}

stage_sqlite() {
    env -u TEST_DATABASE_URL cargo test
}

stage_postgres() {
    # shellcheck source=scripts/pg-cluster.sh
    source scripts/pg-cluster.sh
    # Runs in a subshell (see run_stage), so this trap is scoped to the stage.
    trap pg_cluster_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    pg_cluster_start
    echo "TEST_DATABASE_URL=$PG_URL"
    TEST_DATABASE_URL=$PG_URL cargo test --test it
}

stage_browser() {
    export CHROMIUM=${CHROMIUM:-/usr/bin/chromium} CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
    local b
    for b in "$CHROMIUM" "$CHROMEDRIVER"; do
        [[ -f $b && -x $b ]] || { echo "error: $b is missing or not executable" >&2; return 1; }
    done
    "$CHROMIUM" --version
    "$CHROMEDRIVER" --version
    # The test binary launches chromedriver itself from these paths.
    cargo test --features browser-tests --test browser
}

declare -A RESULT=()
FAILED=0
run_stage() {
    local name=$1 start=$SECONDS rc
    printf '\n==================== stage: %s ====================\n' "$name"
    # Subshell with its own errexit: a failing command ends the stage, not the script.
    set +e
    (set -e; "stage_$name")
    rc=$?
    set -e
    if ((rc == 0)); then RESULT[$name]="PASS"; else RESULT[$name]="FAIL (exit $rc)"; FAILED=1; fi
    RESULT[$name]+="  $((SECONDS - start))s"
    printf '==================== %s: %s\n' "$name" "${RESULT[$name]}"
}

summary() {
    printf '\n==================== summary ====================\n'
    local s
    for s in install "${ALL_STAGES[@]}"; do
        if [[ -n ${RESULT[$s]:-} ]]; then printf '  %-9s %s\n' "$s" "${RESULT[$s]}"
        elif want "$s"; then printf '  %-9s %s\n' "$s" "NOT RUN (install failed)"
        else printf '  %-9s %s\n' "$s" "skipped (not requested)"; fi
    done
    if ((FAILED)); then echo "RESULT: FAILED"; else echo "RESULT: OK"; fi
}

trap 'exit 130' INT
trap 'exit 143' TERM

run_stage install
if ((FAILED)); then
    summary
    exit 1
fi
for s in "${ALL_STAGES[@]}"; do
    if want "$s"; then run_stage "$s"; fi
done
summary
exit "$FAILED"
