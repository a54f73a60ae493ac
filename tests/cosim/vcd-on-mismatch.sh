#!/usr/bin/env bash
# A mismatch leaves a VCD around the failing cycle: run a mutant that
# fails early with --vcd on and check the file holds that cycle's edge.
#   vcd-on-mismatch.sh BINARY
set -u
bin=$1
vcd=$(dirname "$bin")/mismatch-check.vcd
rm -f "$vcd"
out=$("$bin" --quiet --seed 1 --cycles 100K --vcd on --vcd-file "$vcd" 2>&1); rc=$?
if [ "$rc" -ne 1 ]; then
  echo "$out"; echo "vcd-on-mismatch: expected a mismatch (status 1), got $rc"; exit 1
fi
edge=$(sed -n 's/^VCD of cycles .*its rising edge at \([0-9]*\)).*/\1/p' <<<"$out")
if [ -z "$edge" ] || [ ! -s "$vcd" ]; then
  echo "$out"; echo "vcd-on-mismatch: no VCD reported or written"; exit 1
fi
if ! grep -q "^#$edge\$" "$vcd" || ! grep -q 'rsp_valid_o' "$vcd"; then
  echo "vcd-on-mismatch: $vcd lacks time $edge or the response ports"; exit 1
fi
echo "vcd-on-mismatch: $vcd covers the failing edge (time $edge)"
