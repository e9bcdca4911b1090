#!/usr/bin/env bash
# The one test command: installs what is missing, builds once, runs every test project, type-checks the
# k6 scripts, and ends with the line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

scripts/setup.sh || exit 1

results="$(pwd)/TestResults"
rm -rf "$results"
started=$(date +%s)

if ! dotnet build Odin.sln -c Release -nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# The TypeScript SDK (src/odin-client-js): built, for the JavaScript test devices (tests/js-sdk) import it, and
# packed with npm pack; its sample app is built against that package. The tests that need them say so if this fails.
(cd src/odin-client-js && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm pack --silent >/dev/null \
  && cd sample && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent build) \
  || echo "building or packing the TypeScript SDK (src/odin-client-js) failed: the tests that need it will say so"
# The dashboard's browser test drives Debian's Chromium with Playwright (tests/dashboard, from npm with a lock file).
(cd tests/dashboard && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || echo "npm ci in tests/dashboard failed: the dashboard test will say so"
# The OpenAPI lint test runs Redocly's CLI (tests/openapi, from npm with a lock file).
(cd tests/openapi && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || echo "npm ci in tests/openapi failed: the OpenAPI lint test will say so"

status=0
dotnet test Odin.sln -c Release --no-build --logger "trx" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1200000 || status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

# The k6 scripts cannot run here (no k6), so they are type-checked against @types/k6: one check.
if (cd loadtests/k6 && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npx --no-install tsc -p jsconfig.json); then
  echo "k6 scripts: type-check passed"
  passed=$((passed + 1))
else
  echo "k6 scripts: type-check FAILED"
  failed=$((failed + 1))
fi

# A run that failed without a failed test (a crashed test host, a missing results file) still fails.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi

echo "test time: $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
