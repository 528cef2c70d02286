<#
.SYNOPSIS
Benchmark of compressed bin-packing: 20,000 files of 1-16 KB (half text, half random bytes) in a nested tree, sent and
received end to end through a mock Kafka cluster, packed and then one message per file.
.DESCRIPTION
Prints files/s and Kafka messages used for both, the ratio between them, and the packed run's messages against the
ideal: total compressed bytes divided by the chunk size. Then the landing ceiling of this disk, with no Kafka: the
same files landed by a plain loop (bench/Streamsend.Bench land-files) one at a time, 8 flushes at a time, and (on
Linux) 8 at a time with one syncfs for all of them, beside the 10x target, so that the table shows whether the target
is reachable here at all and what paying durability once per batch would buy.
Run through `dotnet pwsh ./build.ps1 Bench` (after the Build task for $env:STREAMSEND_CONFIGURATION).
#>
[CmdletBinding()]
param([int]$FileCount = 20000, [int]$ChunkSize = 950000)

$ErrorActionPreference = 'Stop'
$repositoryRoot = Split-Path -Parent $PSScriptRoot
Import-Module (Join-Path $repositoryRoot 'tests/pester/TestHelpers.psm1') -Force
Import-StreamsendModule
Import-Module (Join-Path $repositoryRoot 'tools/Dotnet.psm1')
Import-Module (Join-Path $PSScriptRoot 'Benchmark.psm1')
$benchmark = Get-BenchmarkProgram
$kcat = (Get-Command kcat -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1)?.Source

$work = Join-Path ([IO.Path]::GetTempPath()) "streamsend-bench-small-$PID"
$outbox = Join-Path $work 'outbox'
$random = [Random]::new(20000)
$line = [Text.Encoding]::UTF8.GetBytes("2026-11-25T10:00:00Z outlet 0042 receipt total 12.50 EUR card ****1234`n")
Write-Host "Writing $FileCount files of 1-16 KB under $outbox ..."
for ($i = 0; $i -lt $FileCount; $i++) {
    $directory = Join-Path $outbox "region-$($i % 10)/outlet-$($i % 97)"
    if ($i -lt 970) { $null = [IO.Directory]::CreateDirectory($directory) }
    $length = $random.Next(1024, 16 * 1024 + 1)
    $bytes = [byte[]]::new($length)
    if ($i % 2 -eq 0) {
        for ($at = 0; $at -lt $length; $at += $line.Length) { [Array]::Copy($line, 0, $bytes, $at, [Math]::Min($line.Length, $length - $at)) }
    }
    else {
        $random.NextBytes($bytes)
    }
    [IO.File]::WriteAllBytes((Join-Path $directory "receipt-$i.dat"), $bytes)
}
$rawBytes = (Get-ChildItem $outbox -Recurse -File | Measure-Object Length -Sum).Sum

$cluster = Start-MockKafka -Brokers 3
$config = @{ 'fetch.wait.max.ms' = 10 }
try {
    function Measure-Run([string]$Name, [int]$PackThreshold) {
        $topic = "bench-$Name"
        $null = $cluster.Send("topic $topic 32 1")
        $inbox = Join-Path $work "inbox-$Name"
        $receiver = Start-ThreadJob -ArgumentList (Join-Path $repositoryRoot 'Streamsend.psd1'), $cluster.BootstrapServers, $topic, $inbox, $FileCount, $config -ScriptBlock {
            param($module, $servers, $topic, $inbox, $count, $config)
            Import-Module $module
            $landed = Receive-StreamFile -BootstrapServers $servers -Topic $topic -Destination $inbox -MaxFiles $count -Timeout 00:10:00 -Config $config -GroupId "bench-$topic"
            @($landed).Count
        }
        Start-Sleep -Seconds 2
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $sent = @(Send-StreamFile $outbox -BootstrapServers $cluster.BootstrapServers -Topic $topic -Config $config -ChunkSize $ChunkSize -PackThreshold $PackThreshold -ThrottleLimit 8)
        $sendSeconds = $watch.Elapsed.TotalSeconds
        $landed = Receive-Job $receiver -Wait -AutoRemoveJob
        $seconds = $watch.Elapsed.TotalSeconds
        $info = Get-StreamTopicInfo -BootstrapServers $cluster.BootstrapServers -Topic $topic
        $messages = ($info.PartitionDetails | Measure-Object High -Sum).Sum
        $valueBytes = if ($kcat) { (& $kcat -C -b $cluster.BootstrapServers -t $topic -e -q -f '%S\n' | Measure-Object -Sum).Sum } else { $null }
        $mismatches = @(Compare-FileTree -Reference $outbox -Difference $inbox | Where-Object { -not $_.Match }).Count
        [pscustomobject]@{
            Run          = $Name
            FilesSent    = $sent.Count
            FilesLanded  = $landed
            Mismatches   = $mismatches
            SendSeconds  = [Math]::Round($sendSeconds, 1)
            SentPerSec   = [Math]::Round($FileCount / $sendSeconds, 0)
            Seconds      = [Math]::Round($seconds, 1)
            FilesPerSec  = [Math]::Round($FileCount / $seconds, 0)
            Messages     = $messages
            MessageBytes = $valueBytes
        }
    }
    $packed = Measure-Run -Name packed -PackThreshold ([int]($ChunkSize / 16))
    $single = Measure-Run -Name one-per-file -PackThreshold 0
    $ideal = if ($packed.MessageBytes) { [Math]::Ceiling($packed.MessageBytes / $ChunkSize) } else { $null }
    @($packed, $single) | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    Write-Host ("Raw bytes: {0:N0}; packed message bytes (compressed): {1:N0} ({2:P1} of raw)" -f $rawBytes, $packed.MessageBytes, ($packed.MessageBytes / $rawBytes))
    Write-Host ("Files/s end to end (send and land), packed vs one message per file: {0:N1}x (target >= 10x)" -f ($packed.FilesPerSec / $single.FilesPerSec))
    Write-Host ("Files/s sent (acknowledged by Kafka), packed vs one message per file: {0:N1}x" -f ($packed.SentPerSec / $single.SentPerSec))
    if ($ideal) {
        Write-Host ("Messages used: {0} against compressed bytes / chunk size = {1}: {2:P1} over (target <= 10%)" -f $packed.Messages, $ideal, (($packed.Messages - $ideal) / $ideal))
    }

    # After the Kafka runs, so that the write-back of the generated tree does not share the disk with these flushes.
    function Measure-Landing([int]$Concurrency, [string[]]$Durability = @()) {
        $destination = Join-Path $work "landing-$Concurrency"
        $output = & (Get-DotnetHost) $benchmark land-files $outbox $destination $Concurrency @Durability
        if ($LASTEXITCODE -ne 0) { throw "land-files $Concurrency failed (exit code $LASTEXITCODE): $output" }
        $report = @($output | Where-Object { $_ -like 'RESULT *' })[0].Substring('RESULT '.Length) | ConvertFrom-Json
        Remove-Item $destination -Recurse -Force
        $report.Files / $report.Seconds
    }
    Write-Host "Landing the same $FileCount files with no Kafka (temporary file, write, Flush(true), rename into place) ..."
    $serial = Measure-Landing -Concurrency 1
    $concurrent = Measure-Landing -Concurrency 8
    # Durability paid once for the whole batch: every file written and renamed, then one syncfs (Linux only).
    $batched = if ($IsLinux) { Measure-Landing -Concurrency 8 -Durability syncfs }
    $target = 10 * $single.FilesPerSec
    Write-Host ''
    Write-Host '| durable landing on this disk, no Kafka | files/s |'
    Write-Host '|---|--:|'
    Write-Host ('| one file at a time | {0:N0} |' -f $serial)
    Write-Host ('| 8 flushes concurrently (as the receiver lands a batch) | {0:N0} |' -f $concurrent)
    if ($batched) { Write-Host ('| 8 at a time, no flush per file, one syncfs at the end (durability paid once per batch) | {0:N0} |' -f $batched) }
    Write-Host ('| target: 10 x one message per file end to end (10 x {0:N0}) | {1:N0} |' -f $single.FilesPerSec, $target)
    Write-Host ('| packed end to end (measured above) | {0:N0} |' -f $packed.FilesPerSec)
    $best = [Math]::Max([Math]::Max($serial, $concurrent), [double]$batched)
    $verdict = if ($best -ge $target) { 'reachable on this disk' } else { 'NOT reachable on this disk, landing alone is slower' }
    Write-Host ("The 10x target needs {0:N0} files landed/s; the best durable landing measured {1:N0} files/s: {2}." -f $target, $best, $verdict)
}
finally {
    Stop-MockKafka $cluster
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
