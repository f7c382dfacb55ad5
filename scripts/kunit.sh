#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the patched kernel for UML and run the PDM KUnit suite, with the
# .kunitconfig the series adds in net/ipv6/. Incremental: the build
# directory is kept between runs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-s SRC] [-o BUILD_DIR]
  SRC        patched kernel tree (default \$PDM_CACHE/linux, prepared)
  BUILD_DIR  UML build directory (default \$PDM_CACHE/build-uml)
Prints kunit.py's parsed results; exit status is kunit.py's.
USAGE
}
src= out=$PDM_CACHE/build-uml
while getopts s:o:h o; do
	case $o in
	s) src=$OPTARG ;;
	o) out=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if [ -z "$src" ]; then
	"$TOP/scripts/prepare-tree.sh" linux
	src=$PDM_CACHE/linux
fi
cc=()
command -v ccache >/dev/null && cc=(--make_options "CC=ccache gcc")
cd "$src"
exec python3 tools/testing/kunit/kunit.py run \
	--kunitconfig=net/ipv6/.kunitconfig --build_dir="$out" \
	--jobs="$(nproc)" --timeout=300 "${cc[@]}"
