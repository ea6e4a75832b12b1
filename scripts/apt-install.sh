# shellcheck shell=bash
# Installs Debian packages that are missing, with sudo when not root. Sourced by scripts/test.sh
# and scripts/bench.sh:   apt_install_missing postgresql wrk
apt_install_missing() {
    local missing=() sudo=() p
    for p in "$@"; do
        # dpkg -s alone also succeeds for removed-but-not-purged packages.
        [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        echo "Nothing to install (needed: ${*:-none})"
        return 0
    fi
    echo "Missing packages: ${missing[*]}"
    if ((EUID != 0)); then
        command -v sudo >/dev/null || {
            echo "error: not root and sudo unavailable; please install: ${missing[*]}" >&2
            return 1
        }
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update
    # `env` so DEBIAN_FRONTEND survives sudo's environment reset.
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
}
