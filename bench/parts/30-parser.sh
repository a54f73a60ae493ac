#!/usr/bin/env bash
# Parser and key builder: frames per second through parser_parse, and through
# parser_parse + key_builder_build (default 372-bit profile), one core.
#   parser_mix_mpps, parser_mix_key_mpps        built-in mix (IPv4/TCP,
#       IPv4/UDP, 802.1Q, IPv6/TCP, VXLAN), always available
#   parser_corpus_mpps, parser_corpus_key_mpps  every Ethernet frame of the
#       tcpdump captures of the shared corpus, when it is present
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/bin/parsebench
build/bin/parsebench --time 1
corpus=${PNICSIM_SHARED:-../shared}/data/pcaps/tcpdump
if [ -d "$corpus" ]; then
  build/bin/parsebench --time 1 "$corpus"/*.pcap 2>/dev/null
else
  echo "parser: corpus not found at $corpus; corpus figures skipped"
fi
