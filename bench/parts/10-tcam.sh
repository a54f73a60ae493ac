#!/usr/bin/env bash
# TCAM model: fast lookup (tuple space search) against the linear oracle on
# flow-like tables of 1K, 16K and 64K entries, default 372-bit key profile.
# Figures: tcam_flow_<size>_mlps, _speedup, _linear_klps (see docs/tcam.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/bin/tcambench
build/bin/tcambench --profile default --sizes 1k,16k,64k --time 1
