#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the PDM kselftest (tools/testing/selftests/net/pdm.sh) of the
# patched tree in the VM, on the patched x86_64 test kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: $0 [-s SRC] [-k BZIMAGE] [-- PDM_SH_ARGS...]
  SRC      patched kernel tree (default \$PDM_CACHE/linux, prepared and
           built with scripts/build-kernel.sh)
  BZIMAGE  kernel to boot (default: the one built from SRC)
Stages pdm.sh, lib.sh and the pdm_parser helper (built with gcc) in
\$PDM_CACHE/selftests/net, then runs pdm.sh there in the VM. Exit status
is pdm.sh's (4: skipped), or vm-run.sh's 124/125.
USAGE
}
src= kernel=
while getopts s:k:h o; do
	case $o in
	s) src=$OPTARG ;;
	k) kernel=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = -- ] && shift
if [ -z "$src" ]; then
	"$TOP/scripts/prepare-tree.sh" linux
	src=$PDM_CACHE/linux
fi
[ -n "$kernel" ] || kernel=$("$TOP/scripts/build-kernel.sh" -s "$src")

st=$src/tools/testing/selftests/net
[ -f "$st/pdm.sh" ] || die "$st/pdm.sh missing: is the series applied to $src?"
stage=$PDM_CACHE/selftests/net
rm -rf "$stage"
mkdir -p "$stage"
cp "$st/pdm.sh" "$st/lib.sh" "$stage/"
[ -f "$st/settings" ] && cp "$st/settings" "$stage/"
gcc -Wall -Wextra -O2 -I"$src/usr/include" -o "$stage/pdm_parser" \
	"$st/pdm_parser.c"

args=$(printf ' %q' "$@")
"$TOP/scripts/vm-run.sh" -k "$kernel" -t 1500 \
	"cd $stage && ./pdm.sh$args"
