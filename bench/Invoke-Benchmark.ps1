#Requires -Version 7.4
<#
.SYNOPSIS
Runs the Streamsend benchmark (issues 3 and 14): raw Confluent.Kafka ceilings, Streamsend send and send+receive, many
files, small files packed and one per message, MD5 on one core, the disk's durable write rate and its landing
ceilings with no Kafka (cp -r, tar -x, each plus sync), the CPU of all processes per row, the single-file send's
start-up, the sender's peak memory, a send resumed after a kill at 60%, and issue 14's targets, on the same data against
one mock Kafka cluster.
.DESCRIPTION
`dotnet pwsh ./build.ps1 Bench` builds the solution and runs this script. It runs bench/Streamsend.Bench (built by
the Build task for $env:STREAMSEND_CONFIGURATION) and prints Markdown tables that docs/performance.md quotes.
Needs about 5 GB free in the work folder (default: the system temp folder) and takes about 8 minutes on two cores.
.EXAMPLE
dotnet pwsh ./build.ps1 Bench
.EXAMPLE
dotnet pwsh ./bench/Invoke-Benchmark.ps1 -BigFileMiB 64 -Files 20 -SmallFiles 2000 -MemoryMiB 64,128
.EXAMPLE
dotnet pwsh ./bench/Invoke-Benchmark.ps1 -Only Resume -BigFileMiB 300
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 65536)][int]$BigFileMiB = 1024,
    [ValidateRange(4, 1000)][int]$Partitions = 8,
    [ValidateRange(1, 100000)][int]$Files = 200,
    [ValidateRange(1, 1000000000)][int]$FileBytes = 5000000,
    [ValidateRange(1, 1000000)][int]$SmallFiles = 20000,
    # Sizes in MiB of the files the sender's peak memory is measured with. Strings, joined with commas: from
    # `dotnet pwsh ./bench/Invoke-Benchmark.ps1 -MemoryMiB 64,128` it arrives as the one string '64,128', which an
    # [int[]] would read as 64128.
    [ValidatePattern('^\d+(,\d+)*$')][string[]]$MemoryMiB = @('256', '2048'),
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
$arguments = @($benchmark, 'run', '--big-mib', $BigFileMiB, '--partitions', $Partitions, '--files', $Files, '--file-bytes', $FileBytes, '--small-files', $SmallFiles, '--memory-mib', ($MemoryMiB -join ','))
if ($Only) {
    $arguments += '--only', $Only.ToLowerInvariant()
}
if ($WorkDirectory) {
    $arguments += '--work', $PSCmdlet.GetUnresolvedProviderPathFromPSPath($WorkDirectory)
}
$exitCode = Invoke-ConsoleProcess -FilePath (Get-DotnetHost) -ArgumentList ([string[]]$arguments)
exit $exitCode
