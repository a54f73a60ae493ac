#!/usr/bin/env bash
# pnicsim --version and its source of truth (mk/version.sh): the release
# number from VERSION, plus `git describe` of the commit in a git checkout
# of this tree, and the release number alone in a tree without .git (a
# tarball), even one unpacked inside another repository.
#   version.sh PNICSIM
set -u
pnicsim=$1
cd "$(dirname "$0")/../../.." || exit 1
fail() { echo "version: $*"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
release=$(cat VERSION)

out=$("$pnicsim" --version) || fail "--version failed: $out"
[ "$("$pnicsim" version)" = "$out" ] || fail "'version' differs from '--version'"
if [ -e .git ]; then
  commit=$(git describe --always 2>/dev/null)
  [[ $out == "pnicsim $release (git $commit"* ]] \
    || fail "'$out' is not 'pnicsim $release (git $commit...)'"
else
  [ "$out" = "pnicsim $release" ] || fail "'$out' is not 'pnicsim $release'"
fi

# A copy of what the script reads, as a tarball would unpack it.
copy() {
  mkdir -p "$1/mk" && cp VERSION "$1/" && cp mk/version.sh "$1/mk/"
}
want="#define PNICSIM_VERSION \"$release\""
copy "$tmp/tar"
"$tmp/tar/mk/version.sh" "$tmp/tar/v.h" || fail "no header without .git"
grep -qx "$want" "$tmp/tar/v.h" || fail "without .git: $(cat "$tmp/tar/v.h")"
# Unchanged, the header is left alone (same inode), so nothing relinks.
ino=$(stat -c %i "$tmp/tar/v.h")
"$tmp/tar/mk/version.sh" "$tmp/tar/v.h"
[ "$(stat -c %i "$tmp/tar/v.h")" = "$ino" ] || fail "an unchanged header was rewritten"
# Inside another repository: still the release alone.
git init -q "$tmp/outer" && copy "$tmp/outer/tar"
git -C "$tmp/outer" add -A && git -C "$tmp/outer" -c user.name=t -c user.email=t@t commit -qm x
"$tmp/outer/tar/mk/version.sh" "$tmp/outer/tar/v.h"
grep -qx "$want" "$tmp/outer/tar/v.h" || fail "took the outer repository's commit: $(cat "$tmp/outer/tar/v.h")"
# A checkout of its own: the commit follows.
copy "$tmp/git" && git init -q "$tmp/git" && git -C "$tmp/git" add -A
git -C "$tmp/git" -c user.name=t -c user.email=t@t commit -qm x
"$tmp/git/mk/version.sh" "$tmp/git/v.h"
id=$(git -C "$tmp/git" describe --always)
grep -qx "#define PNICSIM_VERSION \"$release (git $id)\"" "$tmp/git/v.h" \
  || fail "in a checkout: $(cat "$tmp/git/v.h")"
echo "version: ok ($out)"
