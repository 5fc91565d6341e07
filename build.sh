#!/usr/bin/env bash
# Runs the AlpineMirror pipeline: ./build.sh --target=Plan --root=/srv/alpine --branch=v3.15
# Builds the Cake host once (again only when a source file changed) and runs the built program,
# so a call costs no `dotnet run` rebuild and no JIT start-up (ReadyToRun).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
host="$here/artifacts/host/AlpineMirror.Build.dll"

if [[ ! -f "$host" ]] || [[ -n "$(find "$here/build" "$here/src" "$here/global.json" "$here/Directory.Build.props" \
      -newer "$host" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]]; then
  # Published ReadyToRun (precompiled for this machine's architecture, still on the shared .NET runtime): a run then
  # starts without compiling the host's code first, which is most of a no-op update's time.
  case "$(uname -m)" in
    x86_64) rid=linux-x64 ;;
    aarch64 | arm64) rid=linux-arm64 ;;
    *) rid="" ;;
  esac
  if [[ -n "$rid" ]]; then
    dotnet publish "$here/build/AlpineMirror.Build.csproj" --configuration Release --runtime "$rid" --self-contained false \
      -p:PublishReadyToRun=true --output "$here/artifacts/host" --nologo --verbosity quiet >&2
  else
    dotnet build "$here/build/AlpineMirror.Build.csproj" --configuration Release --output "$here/artifacts/host" \
      --nologo --verbosity quiet >&2
  fi
  touch "$host"
fi

exec dotnet "$host" "$@"
