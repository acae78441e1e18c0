#!/usr/bin/env bash
# The Python suites and the demo with the clock moved ahead (libfaketime), to prove that no test
# depends on the calendar: every deadline must come from the chain's (or the ledger's) clock.
#
#   scripts/toolchain/clock_shift.sh              # +400d, then +1830d (about one and five years)
#   CLOCK_SHIFTS="+30d" scripts/toolchain/clock_shift.sh
#   CLOCK_SUITES="relayer-test demo" scripts/toolchain/clock_shift.sh
#
# Each shift first checks that the processes the suites start see the shifted clock: anvil (its
# new blocks' timestamps) and a PostgreSQL cluster of its own (its now()), both started with
# libfaketime preloaded, as it is preloaded into every child of make. The library is preloaded
# directly (LD_PRELOAD + FAKETIME) rather than through the `faketime` wrapper: the wrapper waits
# on a pipe that a daemon it started (pg_ctl's postgres) keeps open, and never returns. The Soroban harness
# reads no clock: its ledger time is set by its caller (tests derive deadlines from it), and the
# stand-in Stellar RPC takes close times from Python's clock, which is shifted.
# Not part of `make test`: it runs the same suites again per shift (about 15 minutes each).
set -euo pipefail
cd "$(dirname "$0")/../.."
SHIFTS=${CLOCK_SHIFTS:-+400d +1830d}
SUITES=${CLOCK_SUITES:-pytest pytest-anvil relayer-test indexer-test soroban-pytest demo}

say() { printf 'clock_shift: %s\n' "$*" >&2; }

if ! command -v faketime >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    say "faketime (libfaketime) is not installed and this user cannot apt-get install it"
    exit 1
  fi
  say "installing faketime with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq faketime >/dev/null
fi
make --no-print-directory setup soroban-harness >/dev/null
LIBFAKETIME=$(dpkg -L libfaketime 2>/dev/null | grep -m1 '/libfaketime\.so\.1$' || true)
[ -n "$LIBFAKETIME" ] || { say "libfaketime.so.1 not found (dpkg -L libfaketime)"; exit 1; }

# Run a command with the clock moved by $1 (e.g. +400d); every process it starts inherits it.
# The monotonic clock stays real (faked, libfaketime 0.9.10 hangs every timed pthread wait), and
# Python processes load faketime_shim/sitecustomize.py, whose time.sleep avoids the one call that
# libfaketime then refuses (see that file).
shifted() {
  local shift=$1
  shift
  env LD_PRELOAD="$LIBFAKETIME" FAKETIME="$shift" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    PYTHONPATH="$PWD/scripts/toolchain/faketime_shim${PYTHONPATH:+:$PYTHONPATH}" "$@"
}

days() { local s=${1#+}; printf '%s' "${s%d}"; }

# Start a process under the shifted clock and compare what it reports with the real clock.
check_clock() {
  local shift=$1 want now got port=18599 pid
  want=$(( $(days "$shift") * 86400 ))
  now=$(date +%s)
  # exec: $! must be anvil itself for the kill below (a backgrounded function leaves it orphaned).
  (exec env LD_PRELOAD="$LIBFAKETIME" FAKETIME="$shift" FAKETIME_DONT_FAKE_MONOTONIC=1 \
    .cache/bin/anvil --port $port --silent) &
  pid=$!
  for _ in $(seq 100); do
    .cache/bin/cast chain-id --rpc-url "http://127.0.0.1:$port" >/dev/null 2>&1 && break
    sleep 0.1
  done
  .cache/bin/cast rpc evm_mine --rpc-url "http://127.0.0.1:$port" >/dev/null
  got=$(.cache/bin/cast block latest --field timestamp --rpc-url "http://127.0.0.1:$port")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  report anvil "$(( got - now ))" "$want"

  local url
  url=$(shifted "$shift" scripts/toolchain/postgres.sh start)
  got=$(psql "${url/+psycopg/}" -Atc 'select extract(epoch from now())::bigint')
  report postgresql "$(( got - now ))" "$want"

  got=$(shifted "$shift" .venv/bin/python -c 'import time; print(int(time.time()))')
  report python "$(( got - now ))" "$want"
}

report() {
  local who=$1 ahead=$2 want=$3
  if (( ahead < want - 120 || ahead > want + 120 )); then
    say "$who is $ahead s ahead of the real clock, not $want s: libfaketime did not reach it"
    exit 1
  fi
  say "$who sees the clock $(( ahead / 86400 )) days ahead"
}

for shift in $SHIFTS; do
  # A PostgreSQL cluster of this run's own, started under the shifted clock (the default one on
  # port 54329 may be running with the real clock).
  export QUILTKIT_PG_PORT=54339 QUILTKIT_PG_DIR=/tmp/quiltkit-pg-clock-shift
  scripts/toolchain/postgres.sh wipe
  check_clock "$shift"
  for suite in $SUITES; do
    say "make $suite with the clock $shift"
    start=$(date +%s)
    shifted "$shift" make --no-print-directory "$suite"
    say "make $suite with the clock $shift: passed in $(( $(date +%s) - start )) s"
  done
  scripts/toolchain/postgres.sh wipe
done
say "all suites passed with the clock moved ${SHIFTS// /, }"
