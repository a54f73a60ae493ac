#!/usr/bin/env bash
# TCAM model: tcam_lookup (tuple space search), tcam_lookup_burst and the
# linear oracle on flow-like tables of 1K, 16K and 64K entries in the
# default 372-bit key profile, flows drawn uniformly (worst case for the
# caches); then 64K again with Zipf(1) flow popularity.  See docs/tcam.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/bin/tcambench
build/bin/tcambench --profile default --sizes 1k,16k,64k --time 1
build/bin/tcambench --profile default --sizes 64k --time 1 --zipf 1 --tag zipf --no-linear
