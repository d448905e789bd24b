#!/usr/bin/env bash
# Runs every test. Installs, when missing, the Debian packages the tests need, then `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

need=()
for pkg in socat; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "test.sh: missing Debian packages: ${need[*]} (run as root to install them)" >&2
  fi
fi

dotnet test Gateway.sln -c Release --logger "console;verbosity=normal" "$@"
