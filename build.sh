#!/usr/bin/env bash
# Runs the AlpineMirror pipeline: ./build.sh --target=Plan --root=/srv/alpine --branch=v3.15
# Builds the Cake host once (again only when a source file changed) and runs the built program, so a call costs no
# `dotnet run` rebuild and no JIT: the host is published as Native AOT, a machine-code executable that starts in
# milliseconds. Where that cannot be built (no C linker, an architecture without AOT), it falls back to a ReadyToRun
# host on the shared .NET runtime, and says so.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/artifacts/host"
stamp="$out/.built"
project="$here/build/AlpineMirror.Build.csproj"

publish() {
  local rid
  case "$(uname -m)" in
    x86_64) rid=linux-x64 ;;
    aarch64 | arm64) rid=linux-arm64 ;;
    *) rid="" ;;
  esac
  rm -rf "$out"
  if [[ -n "$rid" ]] && { command -v clang >/dev/null || command -v gcc >/dev/null; }; then
    if dotnet publish "$project" --configuration Release --runtime "$rid" -p:PublishAot=true --output "$out" \
        --nologo --verbosity quiet >"$here/artifacts/host-publish.log" 2>&1; then
      return 0
    fi
    echo "build.sh: the Native AOT host did not build (artifacts/host-publish.log); using the ReadyToRun host instead" >&2
    rm -rf "$out"
  elif [[ -n "$rid" ]]; then
    echo "build.sh: no C linker (gcc or clang) for the Native AOT host; using the ReadyToRun host instead" >&2
  fi
  if [[ -n "$rid" ]]; then
    dotnet publish "$project" --configuration Release --runtime "$rid" --self-contained false -p:PublishReadyToRun=true \
      --output "$out" --nologo --verbosity quiet >&2
  else
    dotnet build "$project" --configuration Release --output "$out" --nologo --verbosity quiet >&2
  fi
}

mkdir -p "$here/artifacts"
# A timer and an operator starting right after an upgrade must not both publish into artifacts/host: the second waits.
exec 9>"$here/artifacts/.build.lock"
flock 9
if [[ ! -f "$stamp" ]] || [[ -n "$(find "$here/build" "$here/src" "$here/global.json" "$here/Directory.Build.props" \
      -newer "$stamp" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.json' \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]]; then
  publish
  touch "$stamp"
fi
exec 9>&-

# A ReadyToRun publish leaves the assembly beside its launcher; the Native AOT one leaves only the executable.
if [[ -f "$out/AlpineMirror.Build.dll" ]]; then
  exec dotnet "$out/AlpineMirror.Build.dll" "$@"
fi
exec "$out/AlpineMirror.Build" "$@"
