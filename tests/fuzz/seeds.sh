#!/usr/bin/env bash
# seeds.sh <fuzz target name>: print extra seed corpus directories for that
# target (one per line, none is fine).  Run from the repository root by
# `make fuzz`.  Seeds are generated under build/, never kept in the repo.
set -u
target=${1:?usage: seeds.sh <fuzz target name>}
case "$target" in
fuzz_parser)
  # The parser tests' crafted frames: every protocol the parser knows.
  dir=build/fuzz/seeds/fuzz_parser
  rm -rf "$dir" && mkdir -p "$dir"
  make -s build/tests/model/test_parser >&2 || exit 1
  PNICSIM_SEED_DIR=$dir build/tests/model/test_parser --jobs 1 --filter 'parser/*' >/dev/null 2>&1
  if [ -n "$(ls -A "$dir")" ]; then echo "$dir"; fi
  ;;
fuzz_pcap_in)
  # The shared capture corpus, referenced in place (never copied), and the
  # bundled traces.
  shared=${PNICSIM_SHARED:-../shared}
  for d in "$shared"/data/pcaps/*/; do [ -d "$d" ] && echo "$d"; done
  echo traces
  ;;
fuzz_scenario)
  # The bundled scenarios.
  echo scenarios
  ;;
esac
exit 0
