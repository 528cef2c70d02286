# Starts and drives the mock Kafka cluster (tests/Streamsend.MockKafka) for the Pester tests, the demo and benchmarks.
#
# Protocol of the console tool: started with `--brokers N --topic name:partitions[:replication]`, it prints
# `BOOTSTRAP <servers>`, then answers each command line on stdin (`topic <name> <partitions> <replication>`,
# `down <id>`, `up <id>`, `rtt <id> <ms>`, `errors <apiKey> <errName...>`, `quit`) with `OK` or `ERR <reason>`,
# and exits when stdin closes, so a cluster never outlives the session that started it.

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Dotnet.psm1')

$repositoryRoot = Split-Path -Parent $PSScriptRoot

function Get-MockKafkaPath {
    <# The built tool for -Configuration; without it the STREAMSEND_CONFIGURATION build.ps1 sets, else the newest build. #>
    [OutputType([string])]
    param([string]$Configuration = $env:STREAMSEND_CONFIGURATION)
    $projectBin = Join-Path $repositoryRoot 'tests/Streamsend.MockKafka/bin'
    $candidates = if ($Configuration) {
        @(Join-Path $projectBin "$Configuration/net10.0/Streamsend.MockKafka.dll")
    }
    else {
        @(Get-ChildItem -Path $projectBin -Filter Streamsend.MockKafka.dll -Recurse -File -ErrorAction SilentlyContinue |
                Sort-Object LastWriteTimeUtc -Descending | ForEach-Object FullName)
    }
    $found = $candidates | Where-Object { $_ -and (Test-Path -LiteralPath $_ -PathType Leaf) } | Select-Object -First 1
    if (-not $found) {
        throw "The mock Kafka cluster is not built: run 'dotnet pwsh ./build.ps1 Build' in '$repositoryRoot'."
    }
    return $found
}

function Start-MockKafka {
    <#
    .SYNOPSIS
    Starts a mock Kafka cluster on loopback and returns a handle with BootstrapServers, Send('command') and Stop().
    .EXAMPLE
    $cluster = Start-MockKafka -Brokers 3 -Topic 'files:6:3'
    $cluster.Send('down 2')
    Stop-MockKafka $cluster
    #>
    [CmdletBinding()]
    param(
        [ValidateRange(1, 64)][int]$Brokers = 3,
        # name:partitions[:replication], created at start.
        [string[]]$Topic = @(),
        [string]$Configuration = $env:STREAMSEND_CONFIGURATION,
        [timespan]$StartTimeout = [timespan]::FromSeconds(60)
    )
    $startInfo = [Diagnostics.ProcessStartInfo]::new((Get-DotnetHost))
    $startInfo.UseShellExecute = $false
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.StandardOutputEncoding = [Text.UTF8Encoding]::new($false)
    foreach ($argument in @((Get-MockKafkaPath -Configuration $Configuration), '--brokers', $Brokers)) {
        $startInfo.ArgumentList.Add([string]$argument)
    }
    foreach ($spec in $Topic) {
        $startInfo.ArgumentList.Add('--topic')
        $startInfo.ArgumentList.Add($spec)
    }

    $process = [Diagnostics.Process]::Start($startInfo)
    # Drained in the background: a full stderr pipe would block the cluster. Kept for error messages.
    $standardError = $process.StandardError.ReadToEndAsync()
    $cluster = [pscustomobject]@{
        PSTypeName       = 'Streamsend.MockKafkaCluster'
        BootstrapServers = $null
        Brokers          = $Brokers
        Process          = $process
        StandardError    = $standardError
        Output           = [Collections.Generic.List[string]]::new()
        PendingRead      = $null
    }
    $cluster | Add-Member -MemberType ScriptMethod -Name Send -Value { param([string]$Command) Send-MockKafkaCommand -Cluster $this -Command $Command }
    $cluster | Add-Member -MemberType ScriptMethod -Name Stop -Value { Stop-MockKafka -Cluster $this }

    try {
        $line = Read-MockKafkaLine -Cluster $cluster -Timeout $StartTimeout -Expecting 'BOOTSTRAP '
        $cluster.BootstrapServers = $line.Substring('BOOTSTRAP '.Length).Trim()
    }
    catch {
        Stop-MockKafka -Cluster $cluster
        throw
    }
    return $cluster
}

function Send-MockKafkaCommand {
    <#
    .SYNOPSIS
    Sends one command to the cluster and waits for its reply; throws on `ERR`.
    .EXAMPLE
    Send-MockKafkaCommand $cluster 'rtt 1 250'
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)][psobject]$Cluster,
        [Parameter(Mandatory, Position = 1)][string]$Command,
        [timespan]$Timeout = [timespan]::FromSeconds(30)
    )
    if ($Cluster.Process.HasExited) {
        throw "The mock Kafka cluster has exited (code $($Cluster.Process.ExitCode)). $(Get-MockKafkaDiagnostics $Cluster)"
    }
    $Cluster.Process.StandardInput.WriteLine($Command)
    $Cluster.Process.StandardInput.Flush()
    $reply = Read-MockKafkaLine -Cluster $Cluster -Timeout $Timeout -Expecting 'OK', 'ERR'
    if ($reply.StartsWith('ERR')) {
        throw "Mock Kafka rejected '$Command': $reply"
    }
    return $reply
}

function New-MockKafkaTopic {
    <#
    .SYNOPSIS
    Creates a topic with a unique name (the mock answers no CreateTopics request) and returns its name.
    .EXAMPLE
    $topic = New-MockKafkaTopic $cluster -Prefix 'files' -Partitions 8
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)][psobject]$Cluster,
        [string]$Prefix = 'topic',
        [int]$Partitions = 4
    )
    $name = "$Prefix-$([guid]::NewGuid().ToString('N'))"
    $null = Send-MockKafkaCommand $Cluster "topic $name $Partitions 1"
    return $name
}

function Stop-MockKafka {
    <# Stops the cluster: `quit`, then closing stdin, then killing it if it does not exit within a few seconds. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0, ValueFromPipeline)][AllowNull()][psobject]$Cluster)
    process {
        if ($null -eq $Cluster -or $null -eq $Cluster.Process) {
            return
        }
        $process = [Diagnostics.Process]$Cluster.Process
        try {
            if (-not $process.HasExited) {
                try {
                    $process.StandardInput.WriteLine('quit')
                    $process.StandardInput.Close()
                }
                catch [IO.IOException] {
                    # Already gone: the pipe is closed.
                }
                if (-not $process.WaitForExit(10000)) {
                    $process.Kill($true)
                    $process.WaitForExit()
                }
            }
        }
        finally {
            $process.Dispose()
        }
    }
}

function Read-MockKafkaLine {
    # The next stdout line that starts with one of $Expecting; other lines (logging) are kept in $Cluster.Output.
    param([psobject]$Cluster, [timespan]$Timeout, [string[]]$Expecting)
    $deadline = [DateTime]::UtcNow + $Timeout
    while ($true) {
        # A read that timed out is still pending on the stream; a second one would throw.
        $read = if ($Cluster.PendingRead) { $Cluster.PendingRead } else { $Cluster.Process.StandardOutput.ReadLineAsync() }
        $Cluster.PendingRead = $read
        $remaining = $deadline - [DateTime]::UtcNow
        if ($remaining -lt [timespan]::Zero -or -not $read.Wait($remaining)) {
            throw "The mock Kafka cluster did not answer within $Timeout (waiting for '$($Expecting -join "' or '")'). $(Get-MockKafkaDiagnostics $Cluster)"
        }
        $Cluster.PendingRead = $null
        $line = $read.Result
        if ($null -eq $line) {
            $Cluster.Process.WaitForExit(5000) | Out-Null
            throw "The mock Kafka cluster exited before answering. $(Get-MockKafkaDiagnostics $Cluster)"
        }
        foreach ($prefix in $Expecting) {
            if ($line.StartsWith($prefix, [StringComparison]::Ordinal)) {
                return $line
            }
        }
        $Cluster.Output.Add($line)
    }
}

function Get-MockKafkaDiagnostics {
    param([psobject]$Cluster)
    $parts = @()
    if ($Cluster.Output.Count) {
        $parts += "Output: $($Cluster.Output -join [Environment]::NewLine)"
    }
    if ($Cluster.Process.HasExited -and $Cluster.StandardError.Wait(2000) -and $Cluster.StandardError.Result) {
        $parts += "Errors: $($Cluster.StandardError.Result.Trim())"
    }
    return $parts -join ' '
}

Export-ModuleMember -Function Start-MockKafka, Send-MockKafkaCommand, New-MockKafkaTopic, Stop-MockKafka, Get-MockKafkaPath
