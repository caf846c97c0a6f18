#!/usr/bin/env bash
# Runs the test suite under ThreadSanitizer, in its own build folder so the normal debug
# build is untouched. Any data race reported fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
# halt_on_error: a race fails the run instead of only printing a report. The suppressions
# file names the reports that are not races, each with its reason.
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/scripts/tsan-suppressions.txt}"
# At most 8 tests at once: ThreadSanitizer makes every test (and every child process it
# starts) several times slower, and on two cores the whole suite at once starves them past
# their time limits.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-8}"
swift test --sanitize=thread --scratch-path .build-tsan "$@"
