#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the patched kernel for UML and run the PDM KUnit suites, with the
# .kunitconfig the series adds in net/ipv6/ and, on top of it, KASAN,
# lockdep and the other checks of scripts/config/kunit-debug.config.
# Incremental: the build directory is kept between runs. The result is
# flat KTAP (scripts/ktap.py kunit) from kunit.py's --json output and the
# suite's plan in the kernel log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The series' KUnit suites, comma separated.
SUITE=ipv6-pdm,ipv6-pdm-crypto,ipv6-pdm-metrics

usage() {
	cat <<USAGE
usage: $0 [-h] [-s SRC] [-o BUILD_DIR] [-K KTAP]
  SRC        patched kernel tree (default \$PDM_CACHE/linux, prepared)
  BUILD_DIR  UML build directory (default \$PDM_CACHE/build-uml)
  KTAP       where to write the flat KTAP result (default
             \$PDM_CACHE/logs/kunit.ktap)
Exit status: 0 when every case of the suites $SUITE passed (or skipped)
and the kernel printed no report, 1 otherwise.
USAGE
}
src='' out=$PDM_CACHE/build-uml ktap=$PDM_CACHE/logs/kunit.ktap
while getopts hs:o:K: o; do
	case $o in
	s) src=$OPTARG ;;
	o) out=$OPTARG ;;
	K) ktap=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
pdm_lock
if [ -z "$src" ]; then
	"$TOP/scripts/prepare-tree.sh" linux
	src=$PDM_CACHE/linux
fi
mkdir -p "$(dirname "$ktap")" "$out"
out=$(cd "$out" && pwd)
json=$out/results.json
rm -f "$ktap" "$json" "$out/test.log"
cc=()
command -v ccache >/dev/null && cc=(--make_options "CC=ccache gcc")
rc=0
(cd "$src" && python3 tools/testing/kunit/kunit.py run \
	--kunitconfig=net/ipv6/.kunitconfig \
	--kunitconfig="$TOP/scripts/config/kunit-debug.config" \
	--build_dir="$out" --jobs="$(nproc)" --timeout=600 \
	--json="$json" "${cc[@]}") || rc=$?
log "kunit.py exit $rc; results in $ktap"
"$TOP/scripts/ktap.py" kunit "$json" "$out/test.log" "$SUITE" -o "$ktap" ||
	exit 1
exit $((rc != 0))
