#!/usr/bin/env bash
# The cycle-level pipeline (model/pipeline.c): packets per second on one
# core for 64-byte frames at 100G line rate, all hits, the per-packet
# record and the egress callback on: one port at 1 GHz and at 322.265625
# MHz, four ports at 1 GHz, with the default 372-bit key profile and with
# the 104-bit ipv4_5tuple one; and the CPU time of a run with a 10-second
# gap against the same run without it.  Thread CPU time, best of 3 runs
# of 2M packets per port.  See docs/timing.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/bin/pipebench
build/bin/pipebench --packets 2M --runs 3
