#!/usr/bin/env bash
# TCAM placement (host/tcam_place): commands per insert of the naive
# shift and of PLO with the free space at the bottom, in the middle and
# between levels, on 10K inserts at 32 priority levels into a 16K-entry
# table (random, skewed, descending levels, and delete+insert churn).
# Counts, not times: the same on every machine.  See docs/fpag_tables.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/bin/placebench
build/bin/placebench --depth 16k --levels 32 --inserts 10000
