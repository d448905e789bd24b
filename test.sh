#!/usr/bin/env bash
# Runs every test. Installs, when missing, the Debian packages the tests need, then `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")"

need=()
# socat: pseudo-terminal "null-modem cables"; tshark: an independent judge of our frames;
# slirp: an independent PPP server (the ISP); iperf3, iproute2, nftables: namespace tests;
# chromium: the dashboard's browser tests (Playwright drives /usr/bin/chromium);
# postgresql: the history's PostgreSQL tests start a private server of their own (initdb, pg_ctl);
# e2fsprogs: chattr, to make the history's file read-only to root in its fault tests; afl++: bench/fuzz.sh.
for pkg in socat tshark slirp iperf3 iproute2 nftables chromium postgresql e2fsprogs afl++; do
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

# Every fuzz target of bench/Gateway.Fuzz for 10 s (issue 17, docs/RELIABILITY.md; about 2 minutes on 2 cores):
# a crash or hang fails the run. SKIP_FUZZ=1 leaves it out.
fuzz_status=0
[ "${SKIP_FUZZ:-0}" = 1 ] || bench/fuzz.sh --seconds 10 --jobs 2 || fuzz_status=$?

log=$(mktemp)
results=$(mktemp -d)
trap 'rm -rf "$log" "$results"' EXIT
set +e
# Benchmarks written as tests (Category=Bench: bench/history-load.sh) belong to bench/, not to this run; a --filter
# of the caller's replaces this one.
filter=(--filter "Category!=Bench")
for arg in "$@"; do [[ $arg == --filter ]] && filter=(); done
dotnet test Gateway.sln -c Release --logger trx --results-directory "$results" "${filter[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line over every test assembly: "N passed, N failed, N skipped".
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { v = $(i+1); gsub(",", "", v)
         if ($i == "Failed:") f += v; if ($i == "Passed:") p += v; if ($i == "Skipped:") s += v }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
# Every skipped test with its reason, from the TRX results (a skip must say why; only opt-in ones are expected).
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  awk '/<UnitTestResult / && /outcome="NotExecuted"/ {
         match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1; next }
       want && /<Message>/ { m = $0; sub(/.*<Message>/, "", m); sub(/<\/Message>.*/, "", m); print "skipped: " name ": " m; want = 0 }
       /<\/UnitTestResult>/ { want = 0 }' "$trx" |
    sed -e "s/&apos;/'/g" -e 's/&quot;/"/g' -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g'
done

# The flapping soak's CI version (issue 17, docs/RELIABILITY.md): 2 minutes of sublinks closed, killed, blackholed and
# cut one way, the receiver frozen now and then, probes and a TCP stream throughout; fails when a link is not back,
# the bundle stops delivering, or RSS grows after warm-up. Needs root (namespaces, tun); SKIP_SOAK=1 leaves it out.
soak_status=0
if [ "${SKIP_SOAK:-0}" = 1 ]; then
  :
elif [ "$(id -u)" != 0 ]; then
  echo "skipped: the soak (bench/run.sh soak): needs root for network namespaces and tun devices"
else
  # Two minutes end barely past warm-up (the JIT, the GC settling): RSS may still grow 10-15 % from 20-40 s to the
  # last 40 s with no leak, so the CI version catches gross growth (25 %); the 30-minute run is judged at 10 %.
  bench/run.sh soak -- --minutes 2 --sample-every 5 --rss-tolerance 25 --out "$results/bench" || soak_status=$?
fi

[ "$status" = 0 ] && status=$fuzz_status
[ "$status" = 0 ] && status=$soak_status
exit "$status"
