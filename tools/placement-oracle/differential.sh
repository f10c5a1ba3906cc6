#!/usr/bin/env bash
# The differential check: sends every scenario (tests/Tests/Placement/Scenarios) to the real Placement 8.0 on
# loopback, then the same requests to our service, and compares the answers (status, the headers clients rely on,
# bodies without generated ids and dates). Exits non-zero on any difference that is not in
# tests/Tests/Placement/Fixtures/allowed-differences.json with its reason.
#
#   tools/placement-oracle/differential.sh            # all scenarios
#   tools/placement-oracle/differential.sh traits     # scenarios whose name contains "traits"
#
# Needs the real Placement (see tools/placement-oracle/README.md for the packages). CI does not: it replays the
# committed captures in the test suite (PlacementOracleTests).
set -euo pipefail
cd "$(dirname "$0")/../.."
match=${1:-}

fresh=$(mktemp -d /tmp/placement-fresh.XXXXXX)
trap 'rm -rf "$fresh"' EXIT
scenarios=()
for s in tests/Tests/Placement/Scenarios/*.json; do
    [[ -z "$match" || "$(basename "$s")" == *"$match"* ]] && scenarios+=("$s")
done
[ ${#scenarios[@]} -gt 0 ] || { echo "no scenario matches '$match'" >&2; exit 2; }

echo "== capturing ${#scenarios[@]} scenarios from the real Placement 8.0"
/usr/bin/python3 tools/placement-oracle/capture.py --out "$fresh" "${scenarios[@]}"

echo "== replaying them against this service"
dotnet build tests/Tests -c Release -v quiet -nologo >/dev/null
PLACEMENT_FIXTURES="$fresh" dotnet test tests/Tests -c Release --no-build \
    --filter "FullyQualifiedName~PlacementOracleTests" --logger "console;verbosity=normal"
