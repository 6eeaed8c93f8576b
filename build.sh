#!/usr/bin/env bash
# Restores the pinned Cake tool (.config/dotnet-tools.json) and runs the build script with the given arguments.
set -euo pipefail
cd "$(dirname "$0")"
dotnet tool restore >/dev/null
# Cake keeps its addins under ./tools by default; this repository's tools/ is C# source, and out/ holds every output.
export CAKE_PATHS_TOOLS=out/cake/tools CAKE_PATHS_ADDINS=out/cake/addins CAKE_PATHS_MODULES=out/cake/modules
exec dotnet cake build.cs "$@"
