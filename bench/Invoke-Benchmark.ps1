#Requires -Version 7.4
<#
.SYNOPSIS
Runs the Streamsend benchmark (issue 3): raw Confluent.Kafka ceilings, Streamsend send and send+receive, many files,
MD5 on one core, the disk's durable write rate, the CPU of all processes per row and the sender's peak memory, on the
same data against one mock Kafka cluster.
.DESCRIPTION
`dotnet pwsh ./build.ps1 Bench` builds the solution and runs this script. It runs bench/Streamsend.Bench (built by
the Build task for $env:STREAMSEND_CONFIGURATION) and prints Markdown tables that docs/performance.md quotes.
Needs about 4.5 GB free in the work folder (default: the system temp folder) and takes a few minutes on two cores.
.EXAMPLE
dotnet pwsh ./build.ps1 Bench
.EXAMPLE
dotnet pwsh ./bench/Invoke-Benchmark.ps1 -BigFileMiB 256 -Files 40
.EXAMPLE
dotnet pwsh ./bench/Invoke-Benchmark.ps1 -Only Resume -BigFileMiB 300
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 65536)][int]$BigFileMiB = 1024,
    [ValidateRange(4, 1000)][int]$Partitions = 8,
    [ValidateRange(1, 100000)][int]$Files = 200,
    [ValidateRange(1, 1000000000)][int]$FileBytes = 5000000,
    [string]$WorkDirectory,
    # Resume: only the row that resumes a send killed at 60%, against a plain re-send.
    [ValidateSet('Resume')][string]$Only,
    # Debug or Release; without it the STREAMSEND_CONFIGURATION build.ps1 sets, else Release.
    [string]$Configuration
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../tools/Dotnet.psm1')
Import-Module (Join-Path $PSScriptRoot 'Benchmark.psm1')

$benchmark = Get-BenchmarkProgram -Configuration $Configuration
$arguments = @($benchmark, 'run', '--big-mib', $BigFileMiB, '--partitions', $Partitions, '--files', $Files, '--file-bytes', $FileBytes)
if ($Only) {
    $arguments += '--only', $Only.ToLowerInvariant()
}
if ($WorkDirectory) {
    $arguments += '--work', $PSCmdlet.GetUnresolvedProviderPathFromPSPath($WorkDirectory)
}
$exitCode = Invoke-ConsoleProcess -FilePath (Get-DotnetHost) -ArgumentList ([string[]]$arguments)
exit $exitCode
