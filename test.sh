#!/usr/bin/env bash
# Runs every test. Installs, when missing, the Debian packages the tests need, then `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

need=()
# socat: pseudo-terminal "null-modem cables"; tshark: an independent judge of our frames;
# slirp: an independent PPP server (the ISP); iperf3, iproute2, nftables: namespace tests;
# chromium: the dashboard's browser tests (Playwright drives /usr/bin/chromium);
# postgresql: the history's PostgreSQL tests start a private server of their own (initdb, pg_ctl);
# e2fsprogs: chattr, to make the history's file read-only to root in its fault tests.
for pkg in socat tshark slirp iperf3 iproute2 nftables chromium postgresql e2fsprogs; do
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

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Gateway.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line over every test assembly: "N passed, N failed, N skipped".
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { v = $(i+1); gsub(",", "", v)
         if ($i == "Failed:") f += v; if ($i == "Passed:") p += v; if ($i == "Skipped:") s += v }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
