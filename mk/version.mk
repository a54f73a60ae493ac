# pnicsim --version: mk/version.sh writes the release number (VERSION) and,
# in a git checkout, `git describe` of the commit into a generated header.
# It runs on every make, since a commit changes nothing make can see; the
# header only changes, and pnicsim only relinks, when the version does.
PNICSIM_VERSION_H := build/gen/pnicsim_version.h

.PHONY: pnicsim-version
$(PNICSIM_VERSION_H): pnicsim-version
	@mk/version.sh $@

$(foreach v,build build/asan build/release,$v/obj/tools/pnicsim/pnicsim.o): $(PNICSIM_VERSION_H)

# The fallback without .git, on a copy of the two files it reads.
TEST_EXTRA += 'tests/tools/pnicsim/version.sh $(BIN)/pnicsim'
TEST_EXTRA_BUILD += $(BIN)/pnicsim
