#!/usr/bin/env bash
# Runs the AlpineMirror pipeline: ./build.sh --target=Plan --root=/srv/alpine --branch=v3.15
# Builds the Cake host once (again only when a source file changed) and runs the built program,
# so a call costs no `dotnet run` rebuild.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
host="$here/artifacts/host/AlpineMirror.Build.dll"

if [[ ! -f "$host" ]] || [[ -n "$(find "$here/build" "$here/src" "$here/global.json" "$here/Directory.Build.props" \
      -newer "$host" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]]; then
  dotnet build "$here/build/AlpineMirror.Build.csproj" --configuration Release --output "$here/artifacts/host" \
    --nologo --verbosity quiet >&2
  touch "$host"
fi

exec dotnet "$host" "$@"
