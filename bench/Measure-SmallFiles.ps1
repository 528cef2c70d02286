#Requires -Version 7.4
<#
.SYNOPSIS
Only the small-file part of the benchmark: files of 1-16 KB (half text, half random bytes) in a nested tree, sent and
received end to end through a mock Kafka cluster, packed and then one message per file, against the disk's landing
ceilings with no Kafka.
.DESCRIPTION
The same rows that bench/Invoke-Benchmark.ps1 prints for small files (bench/Streamsend.Bench small-files): tar -x of
the tree plus one sync, the land-files loop (one at a time, 8 flushes at a time, and on Linux 8 at a time with one
syncfs), then packed and one message per file end to end with files/s, MB/s and the CPU of all processes, and the
Kafka messages and bytes each put on the topic. `build.ps1 Bench` does not run it: Invoke-Benchmark.ps1 covers it.
.EXAMPLE
dotnet pwsh -File bench/Measure-SmallFiles.ps1 -FileCount 2000
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 1000000)][int]$FileCount = 20000,
    [ValidateRange(1, 1000)][int]$Partitions = 256,
    # Debug or Release; without it the STREAMSEND_CONFIGURATION build.ps1 sets, else Release.
    [string]$Configuration
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../tools/Dotnet.psm1')
Import-Module (Join-Path $PSScriptRoot 'Benchmark.psm1')

$benchmark = Get-BenchmarkProgram -Configuration $Configuration
$arguments = @($benchmark, 'small-files', '--small-files', $FileCount, '--retention-partitions', $Partitions)
exit (Invoke-ConsoleProcess -FilePath (Get-DotnetHost) -ArgumentList ([string[]]$arguments))
