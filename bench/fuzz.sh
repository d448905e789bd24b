#!/usr/bin/env bash
# Coverage-guided fuzzing of every decoder and parser that reads peer or user bytes (issue 17; docs/RELIABILITY.md).
# Builds bench/Gateway.Fuzz, instruments its copy of Gateway.Core.dll with SharpFuzz (only the project's own code),
# and runs each target under afl-fuzz for a bounded time from its seed corpus (bench/fuzz/corpus/TARGET).
# Prints per target: executions, paths, coverage, crashes, hangs; exits 1 on any crash or hang.
#
#   bench/fuzz.sh [--seconds N] [--execs N] [--jobs N] [--results DIR] [--resume] [TARGET...]
#
#   --seconds N   time per target (default 60)
#   --execs N     also stop a target after about N executions
#   --jobs N      targets run at once (default 1; each uses one core)
#   --results DIR findings and statistics (default bench/fuzz/results; not committed); DIR/TARGET/default/crashes, hangs
#   --resume      continue the campaign in DIR (afl-fuzz -i -) instead of starting from the seeds
#
# Needs afl++ (Debian package) and the SharpFuzz.CommandLine dotnet tool (installed into bench/fuzz/.tools when missing).
# afl-fuzz runs under `nice -n ${FUZZ_NICE:-10}`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=60
execs=
jobs=1
results=bench/fuzz/results
resume=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --execs) execs=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --resume) resume=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

command -v afl-fuzz >/dev/null || { echo "fuzz.sh: afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }
mkdir -p "$results"
results=$(cd "$results" && pwd)

tools=$root/bench/fuzz/.tools
if ! [ -x "$tools/sharpfuzz" ]; then
  dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

# A fresh build every time: instrumenting is done once per copy of the assembly.
bin=$results/bin
rm -rf "$bin"
dotnet publish bench/Gateway.Fuzz -c Release -o "$bin" -nologo -v quiet >/dev/null
"$tools/sharpfuzz" "$bin/Gateway.Core.dll" >/dev/null

if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(dotnet "$bin/Gateway.Fuzz.dll" list | awk '{print $1}')
fi

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=60000 AFL_QUIET=1
export DOTNET_TieredPGO=0 DOTNET_TC_QuickJitForLoops=1 DOTNET_gcServer=0

run_target() {
  local target=$1 out=$results/$1
  local input=(-i "$root/bench/fuzz/corpus/$target")
  if [ "$resume" = 1 ] && [ -d "$out/default" ]; then
    input=(-i -)
  else
    rm -rf "$out"
  fi
  mkdir -p "$out"
  local limit=(-V "$seconds")
  # The text targets get their keywords (bench/fuzz/dict): byte mutations alone seldom spell 'set mrru'.
  [ -f "$root/bench/fuzz/dict/$target.dict" ] && limit+=(-x "$root/bench/fuzz/dict/$target.dict")
  [ -n "$execs" ] && limit+=(-E "$execs")
  # -t: 5 s per input (a hang is a loop that never ends; the first inputs also pay for JIT compilation).
  nice -n "${FUZZ_NICE:-10}" afl-fuzz "${input[@]}" -o "$out" "${limit[@]}" -t 5000 -m none -G 65536 \
    -- dotnet "$bin/Gateway.Fuzz.dll" "$target" 2>&1 | grep --line-buffered -v 'Fuzzing test case' >"$out/afl.log" || true
}

running=0
for target in "${targets[@]}"; do
  [ -d "bench/fuzz/corpus/$target" ] || { echo "fuzz.sh: no corpus for target '$target'" >&2; exit 2; }
  run_target "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

field() { sed -n "s/^$2 *: *//p" "$1" | head -1; }
status=0
printf '%-12s %12s %8s %7s %7s %9s %8s %6s\n' target executions exec/s paths edges coverage crashes hangs
for target in "${targets[@]}"; do
  stats=$results/$target/default/fuzzer_stats
  if ! [ -f "$stats" ]; then
    printf '%-12s did not run: see %s\n' "$target" "$results/$target/afl.log"
    status=1
    continue
  fi
  if grep -q 'PROGRAM ABORT' "$results/$target/afl.log"; then
    printf '%-12s afl-fuzz stopped early: see %s\n' "$target" "$results/$target/afl.log"
    status=1
  fi
  crashes=$(field "$stats" saved_crashes)
  hangs=$(field "$stats" saved_hangs)
  printf '%-12s %12s %8s %7s %7s %9s %8s %6s\n' "$target" "$(field "$stats" execs_done)" "$(field "$stats" execs_per_sec)" \
    "$(field "$stats" corpus_count)" "$(field "$stats" edges_found)" "$(field "$stats" bitmap_cvg)" "$crashes" "$hangs"
  if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
    status=1
    for f in "$results/$target"/default/crashes/id:* "$results/$target"/default/hangs/id:*; do
      [ -e "$f" ] && echo "  finding: $f"
    done
  fi
done
[ "$status" = 0 ] || echo "fuzz.sh: crashes, hangs or targets that did not run (replay one: dotnet $bin/Gateway.Fuzz.dll TARGET --replay FILE)" >&2
exit "$status"
