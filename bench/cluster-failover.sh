#!/usr/bin/env bash
# The receiver cluster's failover bench (issue 14): bench/cluster-failover.sh [RUNS] [RECEIVER OPTIONS...]
# Three receiver processes with sharded bundles on loopback and a gateway whose two sublinks land on two of them; each
# run kills (kill -9) the node holding the bundle, then, on a fresh cluster, a node holding only one sublink, then on
# a fresh cluster restarts the three nodes in turn (SIGTERM, start again: a rolling restart), and
# counts the gateway's probes (10 a second) that went unanswered. The options go to every receiver, for instance the
# fast-failover settings of docs/CONFIG.md; GATEWAY_BENCH_CLUSTER_CASES=kill or =rolling runs only those.
# Prints and keeps artifacts/bench/cluster-failover.json.
# The measurement itself is the test ReceiverClusterProcessTests.Cluster_failover_bench, which runs only when asked.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
runs=${1:-5}
shift || true
dotnet build Gateway.Tests -v quiet -nologo
GATEWAY_BENCH_CLUSTER=1 GATEWAY_BENCH_CLUSTER_RUNS=$runs GATEWAY_BENCH_CLUSTER_OPTIONS="$*" \
  dotnet test Gateway.Tests --no-build -nologo --logger "console;verbosity=normal" \
  --filter "FullyQualifiedName~ReceiverClusterProcessTests.Cluster_failover_bench"
cat artifacts/bench/cluster-failover.json
