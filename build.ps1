# Runs the AlpineMirror pipeline: ./build.ps1 --target=Plan --root=/srv/alpine --branch=v3.15
# Builds the Cake host once (again only when a source file changed) into artifacts/host-pwsh, apart from the Native AOT
# host build.sh publishes into artifacts/host, and runs the built program.
$ErrorActionPreference = 'Stop'
$here = $PSScriptRoot
$host_ = Join-Path $here 'artifacts/host-pwsh/AlpineMirror.Build.dll'

$stale = -not (Test-Path $host_)
if (-not $stale) {
    $built = (Get-Item $host_).LastWriteTimeUtc
    $stale = [bool](Get-ChildItem -Recurse -File -Path (Join-Path $here 'build'), (Join-Path $here 'src') -Include '*.cs', '*.csproj', '*.props', '*.json' |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' -and $_.LastWriteTimeUtc -gt $built } |
        Select-Object -First 1)
}
if ($stale) {
    dotnet build (Join-Path $here 'build/AlpineMirror.Build.csproj') --configuration Release --output (Join-Path $here 'artifacts/host-pwsh') --nologo --verbosity quiet
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    (Get-Item $host_).LastWriteTimeUtc = [DateTime]::UtcNow
}

& dotnet $host_ @args
exit $LASTEXITCODE
