#!/usr/bin/env bash
# Packet editor: frames per second per edit on 60- and 1514-byte
# Ethernet/IPv4/TCP frames (decap: the same inside VXLAN/IPv4), each edit
# applied to a fresh copy of the frame; editor_copy_* is the copy alone.
# Figures: editor_<edit>_<size>_mpps, edits copy, dec_ttl, set_dscp,
# vlan_push, vlan_pop, decap, encap_v4, encap_v6 (see docs/actions.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/bin/editbench
build/bin/editbench --time 0.5
