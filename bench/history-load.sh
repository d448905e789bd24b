#!/usr/bin/env bash
# The dashboard's history load benchmark (issue 15): bench/history-load.sh
# Seeds a real SQLite history with a week of one-minute rollups for 8 links (and their 8 bundle members and the
# bundle: 171,000 rows), starts the demo on it, times the REST calls the page makes (5 each), and times the page
# loading the 7-day window in Debian's Chromium (5 loads). Prints and keeps artifacts/bench/history-load.json.
# The measurement itself is the test DashboardBrowserTests.History_load_bench, which runs only when asked.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
[[ -x /usr/bin/chromium ]] || { echo "bench/history-load.sh: needs Debian's chromium (/usr/bin/chromium)" >&2; exit 1; }
dotnet build Gateway.Tests -v quiet -nologo
GATEWAY_BENCH_HISTORY=1 dotnet test Gateway.Tests --no-build -nologo \
  --filter "FullyQualifiedName~DashboardBrowserTests.History_load_bench"
cat artifacts/bench/history-load.json
