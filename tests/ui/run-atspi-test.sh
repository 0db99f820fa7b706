#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs an AT-SPI (dogtail) UI test in a private D-Bus session with its own accessibility bus.
#   run-atspi-test.sh TEST.py LAGOON_BINARY
# Needs an X display (CI: xvfb-run -a). Exit status 77 (skip) when a prerequisite is missing.
set -u

test_py=$1
binary=$2
python=/usr/bin/python3
launcher=/usr/libexec/at-spi-bus-launcher

skip () {
  echo "SKIP: $*"
  exit 77
}

[ -n "${DISPLAY:-}" ] || skip "no DISPLAY (run the UI suite under xvfb-run -a)"
command -v dbus-run-session >/dev/null 2>&1 || skip "dbus-run-session is missing (package dbus-bin)"
[ -x "$launcher" ] || skip "$launcher is missing (package at-spi2-core)"
[ -x "$python" ] || skip "$python is missing"
"$python" -c 'import dogtail, pyatspi' 2>/dev/null ||
  skip "dogtail or pyatspi is missing (packages python3-dogtail, python3-pyatspi)"
[ -x "$binary" ] || { echo "not an executable: $binary"; exit 1; }
binary=$(realpath "$binary")

# The test environment disables the accessibility bridge for every other test.
unset NO_AT_BRIDGE
unset DBUS_SESSION_BUS_ADDRESS
# A scratch HOME: dogtail and GTK write caches and logs there.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lagoon-atspi-XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
export HOME="$scratch"
export XDG_RUNTIME_DIR="$scratch/run"
export XDG_CACHE_HOME="$scratch/cache"
mkdir -m 700 -p "$XDG_RUNTIME_DIR" "$XDG_CACHE_HOME"

dbus-run-session -- sh -c '
  "$0" --launch-immediately &
  launcher_pid=$!
  "$1" "$2" "$3"
  rc=$?
  kill "$launcher_pid" 2>/dev/null
  wait "$launcher_pid" 2>/dev/null
  exit $rc
' "$launcher" "$python" "$test_py" "$binary"
