# What the bench/*.ps1 scripts share: finding the benchmark program that the Build task built.

Set-StrictMode -Version 3.0

function Get-BenchmarkProgram {
    <# bench/Streamsend.Bench for -Configuration; without it the STREAMSEND_CONFIGURATION build.ps1 sets, else Release. #>
    [OutputType([string])]
    param([string]$Configuration)
    if (-not $Configuration) {
        $Configuration = if ($env:STREAMSEND_CONFIGURATION) { $env:STREAMSEND_CONFIGURATION } else { 'Release' }
    }
    $program = Join-Path $PSScriptRoot "Streamsend.Bench/bin/$Configuration/net10.0/Streamsend.Bench.dll"
    if (-not (Test-Path -LiteralPath $program)) {
        throw "The benchmark is not built: run 'dotnet pwsh ./build.ps1 Build -Configuration $Configuration' first."
    }
    return $program
}

Export-ModuleMember -Function Get-BenchmarkProgram
