#!/usr/bin/env bash
# Restores the pinned Cake tool (.config/dotnet-tools.json) and runs the build script with the given arguments.
set -euo pipefail
cd "$(dirname "$0")"
dotnet tool restore >/dev/null
exec dotnet cake build.cs "$@"
