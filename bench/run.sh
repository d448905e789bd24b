#!/usr/bin/env bash
# The issue 8 benchmark harness: bench/run.sh [scenario...]
#   scenarios: throughput failover bonding memory modems soak faults cluster-scale (default: the first five, in that order;
#   soak runs 30 minutes: bench/run.sh soak -- --minutes 2 is the CI version)
#   options for the harness go after --, e.g. bench/run.sh throughput -- --runs 5 --seconds 5
# Builds Release once, makes the network namespaces each scenario needs, runs bench/Gateway.Bench for it
# (which starts the real `gateway` processes and measures), prints a table and writes bench/results/<scenario>.json.
# Needs root (network namespaces, veth, tun, tc, nftables). Everything it makes is named gwb<pid>... and
# deleted on exit, as are the processes it started.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "bench/run.sh: needs root (network namespaces, veth pairs, tun devices, tc); run it as root or with sudo" >&2
  exit 1
fi
for tool in ip tc dotnet; do
  command -v "$tool" >/dev/null || { echo "bench/run.sh: '$tool' is not installed" >&2; exit 1; }
done

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
scenarios=()
while [[ $# -gt 0 && $1 != -- ]]; do scenarios+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
extra=("$@")
[[ ${#scenarios[@]} -eq 0 ]] && scenarios=(throughput failover bonding memory modems)
for s in "${scenarios[@]}"; do
  case $s in throughput|failover|bonding|memory|modems|soak|faults|cluster-scale) ;; *) echo "bench/run.sh: unknown scenario '$s'" >&2; exit 2;; esac
done

tag="gwb$$"
run_dir=$(mktemp -d "/tmp/$tag.XXXX")
namespaces=()
harness_pid=

cleanup() {
  set +e
  if [[ -n $harness_pid ]] && kill -0 "$harness_pid" 2>/dev/null; then kill "$harness_pid"; wait "$harness_pid" 2>/dev/null; fi
  # Processes the harness started (it writes their ids), should it have died without stopping them.
  if [[ -f $run_dir/pids ]]; then
    while read -r pid; do kill -0 "$pid" 2>/dev/null && kill "$pid"; done < "$run_dir/pids"
  fi
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  namespaces=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

newns() { # newns NAME: a namespace with loopback up, deleted on exit
  ip netns add "$1"
  namespaces+=("$1")
  ip -n "$1" link set lo up
}

veth() { # veth NS1 ADDR1 NS2 ADDR2 NAME1 NAME2 [MTU]: a veth pair between two namespaces, addressed and up
  ip link add "$5" netns "$1" type veth peer name "$6" netns "$3"
  ip -n "$1" addr add "$2" dev "$5"
  ip -n "$3" addr add "$4" dev "$6"
  if [[ -n ${7:-} ]]; then ip -n "$1" link set "$5" mtu "$7"; ip -n "$3" link set "$6" mtu "$7"; fi
  ip -n "$1" link set "$5" up
  ip -n "$3" link set "$6" up
}

router() { # router NS: forwards, no reverse-path filter (the tun devices' point-to-point addresses)
  ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

# "lan" and "inet": the tun devices of the gateway and of the receiver go there (gateway run --tun-netns), and a
# veth pair joins them directly for the plain-UDP ceiling.
lan_inet() {
  lan="$tag-lan"; inet="$tag-inet"
  newns "$lan"; newns "$inet"
  veth "$lan" 10.99.0.1/30 "$inet" 10.99.0.2/30 "${tag}c0" "${tag}c1"
}

# bonding: ns gw and rx joined by four veth "ISP" links 10.1N.0.1 <-> 10.1N.0.2 (the harness shapes them with
# tbf), policy routing so that traffic from 10.1N.0.1 leaves by link N (MPTCP subflows), MPTCP endpoints and limits.
isp_links() {
  gw="$tag-gw"; rx="$tag-rx"
  newns "$gw"; newns "$rx"
  router "$gw"; router "$rx"
  ip netns exec "$gw" ip mptcp limits set subflow 8 add_addr_accepted 8
  ip netns exec "$rx" ip mptcp limits set subflow 8 add_addr_accepted 8
  for n in 1 2 3 4; do
    veth "$gw" "10.1$n.0.1/24" "$rx" "10.1$n.0.2/24" "${tag}i${n}a" "${tag}i${n}b" 9000
    ip -n "$gw" rule add from "10.1$n.0.1" table "10$n"
    ip -n "$gw" route add 10.0.0.0/8 via "10.1$n.0.2" dev "${tag}i${n}a" table "10$n"
    if [[ $n -gt 1 ]]; then ip -n "$gw" mptcp endpoint add "10.1$n.0.1" dev "${tag}i${n}a" subflow; fi
  done
  links="${tag}i1a,${tag}i2a,${tag}i3a,${tag}i4a"
}

echo "== build (Release) =="
nice dotnet build -c Release -v quiet -nologo Gateway.Web/Gateway.Web.csproj
nice dotnet build -c Release -v quiet -nologo bench/Gateway.Bench/Gateway.Bench.csproj
bench=(dotnet bench/Gateway.Bench/bin/Release/net10.0/Gateway.Bench.dll)
common=(--gateway Gateway.Web/bin/Release/net10.0/gateway.dll --run-dir "$run_dir" --out bench/results)

run() { # run SCENARIO ARGS...: the harness in the background, so that the EXIT trap can stop it
  echo "== $1 =="
  "${bench[@]}" "$@" "${common[@]}" "${extra[@]}" &
  harness_pid=$!
  wait "$harness_pid"
  harness_pid=
}

for s in "${scenarios[@]}"; do
  case $s in
    throughput) lan_inet; run throughput --lan "$lan" --inet "$inet" --ceiling-address 10.99.0.2 ;;
    failover)   lan_inet; run failover --lan "$lan" --inet "$inet" ;;
    bonding)    lan_inet; isp_links; run bonding --lan "$lan" --inet "$inet" --gw "$gw" --rx "$rx" --links "$links" ;;
    memory)     lan_inet; run memory --lan "$lan" --inet "$inet" ;;
    modems)     run modems ;;
    cluster-scale) run cluster-scale ;;
    soak)       lan_inet; run soak --lan "$lan" --inet "$inet" ;;
    faults)     lan_inet; run faults --lan "$lan" --inet "$inet" ;;
  esac
  cleanup
done
echo "results in bench/results/ (logs of this run in $run_dir)"
