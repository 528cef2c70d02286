#Requires -Version 7.4
<#
.SYNOPSIS
Sends a small directory tree through a Kafka topic and receives it back, then proves every byte arrived.
.DESCRIPTION
Starts a three-broker mock Kafka cluster on loopback, creates a sample tree (text, random binary, an empty file,
a nested folder, a non-ASCII name), sends it with Send-StreamFile, receives it with Receive-StreamFile into
another folder and compares the SHA256 of every file. Exit code 1 when any file differs or is missing.
Run it through the build, which builds first: dotnet pwsh ./build.ps1 Demo
.EXAMPLE
dotnet pwsh ./demo/Invoke-Demo.ps1 -KeepFiles
#>
[CmdletBinding()]
param(
    # Leave the sample and received trees in place to look at them.
    [switch]$KeepFiles
)

$ErrorActionPreference = 'Stop'
$repositoryRoot = Split-Path -Parent $PSScriptRoot
Import-Module (Join-Path $repositoryRoot 'tools/MockKafka.psm1')
Import-Module (Join-Path $repositoryRoot 'tools/SampleFiles.psm1')
Import-Module (Join-Path $repositoryRoot 'Streamsend.psd1')

function Write-Section([string]$Text) {
    Write-Host ''
    Write-Host $Text -ForegroundColor Cyan
}

$workspace = Join-Path ([IO.Path]::GetTempPath()) "streamsend-demo-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
$outbox = Join-Path $workspace 'outbox'
$inbox = Join-Path $workspace 'inbox'
$cluster = $null
$exitCode = 1
try {
    Write-Section 'Starting a mock Kafka cluster (3 brokers, topic demo with 3 partitions)'
    $cluster = Start-MockKafka -Brokers 3 -Topic 'demo:3:3'
    $bootstrapServers = $cluster.BootstrapServers
    Write-Host "Bootstrap servers: $bootstrapServers"

    Write-Section "Sample tree in $outbox"
    $null = New-TestTree -Path $outbox
    Get-FileTreeHash -Path $outbox | Format-Table RelativePath, Length | Out-Host

    Write-Section "Send-StreamFile $outbox -BootstrapServers $bootstrapServers -Topic demo"
    $sent = @(Send-StreamFile $outbox -BootstrapServers $bootstrapServers -Topic demo)
    $sent | Out-Host

    Write-Section "Receive-StreamFile -BootstrapServers $bootstrapServers -Topic demo -Destination $inbox -IdleTimeout 00:00:05"
    $received = @(Receive-StreamFile -BootstrapServers $bootstrapServers -Topic demo -Destination $inbox -IdleTimeout '00:00:05')
    $received | Out-Host

    Write-Section 'SHA256 of every file, sent and received'
    $comparison = @(Compare-FileTree -Reference $outbox -Difference $inbox)
    $comparison |
        Format-Table RelativePath, Length,
            @{ Label = 'Sent'; Expression = { if ($_.SourceHash) { $_.SourceHash.Substring(0, 16) } else { '(none)' } } },
            @{ Label = 'Received'; Expression = { if ($_.DestinationHash) { $_.DestinationHash.Substring(0, 16) } else { '(missing)' } } },
            Match |
        Out-Host

    $mismatches = @($comparison | Where-Object { -not $_.Match })
    if ($mismatches.Count -eq 0 -and $comparison.Count -gt 0) {
        Write-Host "All $($comparison.Count) files arrived intact ($($sent.Count) sent, $($received.Count) received)." -ForegroundColor Green
        $exitCode = 0
    }
    else {
        Write-Host "$($mismatches.Count) of $($comparison.Count) files differ or are missing: $($mismatches.RelativePath -join ', ')" -ForegroundColor Red
    }
}
catch {
    Write-Host "The demo failed: $_" -ForegroundColor Red
    Write-Host $_.ScriptStackTrace
}
finally {
    Stop-MockKafka $cluster
    if ($KeepFiles) {
        Write-Host "Files kept in $workspace"
    }
    else {
        Remove-Item -LiteralPath $workspace -Recurse -Force -ErrorAction Ignore
    }
}
exit $exitCode
