#Requires -Version 7.4
<#
.SYNOPSIS
Profiles the receiver of the many-file send + receive (200 files of 5 MB over 256 partitions) with dotnet-trace and
prints the frames its threads spent most time in: where a missed target's time goes.
.DESCRIPTION
Writes the files (untraced), then runs `Streamsend.Bench send-receive` under
`dotnet-trace collect --profile dotnet-sampled-thread-time`: that process is the receiver and the mock cluster, the
sender is its child and is not traced. It prints the run's row (MB/s, CPU of all processes), then:
- dotnet-trace's own `report topN` by exclusive time: every managed thread sampled about 100 times a second, whether
  it runs or waits, so it shows where the receiver's threads wait (what keeps cores idle);
- the busiest frames by exclusive and inclusive running time (`Streamsend.Bench top-frames` on the trace converted to
  speedscope): the same samples less those whose innermost managed frame is a wait, which approximates CPU. Native
  work (librdkafka, the kernel's writes and flushes, OpenSSL's MD5) counts under the managed frame that called it.
dotnet-trace's CPU-sampling profile needs `collect-linux` and a kernel with user_events, which this VM lacks; the
thread-time profile works on every platform. dotnet-trace is a local tool of the repository (`dotnet tool restore`).
Run after `dotnet pwsh ./build.ps1 Build`; `build.ps1 Bench` does not run it.
.EXAMPLE
dotnet pwsh ./bench/Profile-Receiver.ps1
.EXAMPLE
dotnet pwsh ./bench/Profile-Receiver.ps1 -Files 20 -Top 15 -Keep
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 100000)][int]$Files = 200,
    [ValidateRange(1, 1000000000)][int]$FileBytes = 5000000,
    [ValidateRange(1, 1000)][int]$Partitions = 256,
    # How many frames each table lists.
    [ValidateRange(1, 1000)][int]$Top = 25,
    [string]$WorkDirectory,
    # Keeps the work folder with the trace (receiver.nettrace, open it in PerfView or speedscope.app) and prints where.
    [switch]$Keep,
    # Debug or Release; without it the STREAMSEND_CONFIGURATION build.ps1 sets, else Release.
    [string]$Configuration
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$repositoryRoot = Split-Path -Parent $PSScriptRoot
Import-Module (Join-Path $repositoryRoot 'tools/Dotnet.psm1')
Import-Module (Join-Path $PSScriptRoot 'Benchmark.psm1')

$benchmark = Get-BenchmarkProgram -Configuration $Configuration
$dotnet = Get-DotnetHost
$work = if ($WorkDirectory) { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($WorkDirectory) } else { Join-Path ([IO.Path]::GetTempPath()) "streamsend-profile-$PID" }
$trace = Join-Path $work 'receiver.nettrace'
# The tool manifest (.config/dotnet-tools.json) is found from the working folder.
Push-Location $repositoryRoot
try {
    Invoke-Dotnet 'tool', 'restore'
    $null = New-Item -ItemType Directory -Force -Path $work
    $many = Join-Path $work 'many'
    Write-Host "Writing $Files files of $FileBytes bytes under $many ..."
    Invoke-Dotnet $benchmark, 'write-files', $many, $Files, $FileBytes

    Write-Host "Send + receive under dotnet-trace (sampled thread time) ..."
    Invoke-Dotnet 'tool', 'run', 'dotnet-trace', '--', 'collect', '--profile', 'dotnet-sampled-thread-time', '--show-child-io', '--output', $trace,
        '--', $dotnet, $benchmark, 'send-receive', $many, '--retention-partitions', $Partitions, '--work', (Join-Path $work 'run')

    Write-Host ''
    Write-Host 'Where the threads of the receiver process spend their time, waits included (dotnet-trace report topN, exclusive):'
    Invoke-Dotnet 'tool', 'run', 'dotnet-trace', '--', 'report', $trace, 'topN', '--number', $Top
    Write-Host ''
    Write-Host 'Where they run (waits left out; dotnet-trace convert --format Speedscope, then Streamsend.Bench top-frames):'
    $null = & $dotnet tool run dotnet-trace -- convert --format Speedscope --output (Join-Path $work 'receiver') $trace
    if ($LASTEXITCODE -ne 0) { throw "dotnet-trace convert failed (exit code $LASTEXITCODE)." }
    $speedscope = Get-ChildItem -Path $work -Filter 'receiver*.speedscope.json' | Select-Object -First 1
    Invoke-Dotnet $benchmark, 'top-frames', $speedscope.FullName, $Top
}
finally {
    Pop-Location
    if ($Keep) {
        Write-Host "Kept: $trace (and its speedscope conversion) in $work"
    }
    else {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
}
