#!/usr/bin/env bash
# An interrupted pnicsim run (SIGINT, then SIGTERM) ends cleanly: exit
# status 128+N, a summary.json that says "interrupted": true and names the
# signal, outputs that agree with it (packets.csv has a line per record
# counted), and no temporary file left.  A run killed outright (SIGKILL)
# leaves only hidden temporaries, never a file that looks like a result,
# and the next run clears them.
set -euo pipefail
# Job control: a background job of a script otherwise starts with SIGINT
# ignored, and a run keeps an ignored signal ignored.
set -m
cd "$(dirname "$0")/../.."
bin=${PNICSIM:-build/bin/pnicsim}
d=build/scenarios/run-interrupt
rm -rf "$d"; mkdir -p "$d"
fail() { echo "run-interrupt: $*"; exit 1; }

# The demo's trace looped until the run takes far longer than the wait
# (20 M packets); a watchdog ends a run that ignores the signal.
sed -e 's|pcap: ../traces/demo.pcap, in_port: wire0|pcap: '"$PWD"'/traces/demo.pcap, in_port: wire0, loops: 50000|' \
    -e 's|^output:.*||' scenarios/demo-run.yaml > "$d/long.yaml"

for sig in INT TERM; do
  out=$d/out-$sig
  # A background job of a shell without job control starts with SIGINT
  # ignored, and pnicsim keeps an ignored signal ignored: give it the
  # default, as a terminal would.
  env --default-signal=INT,TERM "$bin" run "$d/long.yaml" --out "$out" --no-plots > "$d/$sig.log" 2>&1 &
  pid=$!
  ( sleep 90; kill -KILL "$pid" 2>/dev/null ) &
  dog=$!
  sleep 1.5
  kill -"$sig" "$pid"
  rc=0; wait "$pid" || rc=$?
  kill "$dog" 2>/dev/null && wait "$dog" 2>/dev/null || true
  want=$((128 + $(kill -l "$sig")))
  [ "$rc" = "$want" ] || fail "SIG$sig: exit status $rc, expected $want: $(cat "$d/$sig.log")"
  jq -e --arg s "SIG$sig" '.run.interrupted == true and .run.signal == $s' "$out/summary.json" >/dev/null \
    || fail "SIG$sig: summary.json does not say interrupted by SIG$sig"
  records=$(jq '.simulated.records' "$out/summary.json")
  lines=$(($(wc -l < "$out/packets.csv") - 1))
  [ "$records" = "$lines" ] || fail "SIG$sig: $records records counted, $lines lines in packets.csv"
  [ "$records" -gt 0 ] || fail "SIG$sig: nothing ran before the signal"
  left=$(ls -A "$out" | grep '^\.' || true)
  [ -z "$left" ] || fail "SIG$sig: temporaries left: $left"
done

out=$d/out-KILL
"$bin" run "$d/long.yaml" --out "$out" --no-plots > "$d/KILL.log" 2>&1 &
pid=$!
sleep 1.5
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
visible=$(ls "$out")
[ -z "$visible" ] || fail "SIGKILL: files that look like results: $visible"
echo "run-interrupt: ok"
