# What every Pester test needs: the built module, a real mock cluster, real files.
#
#   BeforeAll {
#       Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
#       Import-StreamsendModule
#       $cluster = Start-MockKafka -Brokers 3 -Topic 'files:3'
#   }
#   AfterAll { Stop-MockKafka $cluster }

Set-StrictMode -Version 3.0

$repositoryRoot = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
Import-Module (Join-Path $repositoryRoot 'tools/MockKafka.psm1')
Import-Module (Join-Path $repositoryRoot 'tools/SampleFiles.psm1')

function Import-StreamsendModule {
    <# Imports the module from the repository root into the global scope, where the tests call its cmdlets. #>
    [CmdletBinding()]
    param()
    Import-Module (Join-Path $repositoryRoot 'Streamsend.psd1') -Global -ErrorAction Stop
}

function Get-MissingToolReason {
    <#
    .SYNOPSIS
    Null when a program the test needs (kcat, node) is on the PATH; otherwise the reason to skip the test with.
    On Linux CI, where .ci/run installs them, a missing program is a failure: this throws instead.
    .EXAMPLE
    if ($reason = Get-MissingToolReason kcat -Install 'the Debian package kcat') { Set-ItResult -Skipped -Because $reason; return }
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory, Position = 0)][string]$Name, [Parameter(Mandatory)][string]$Install)
    if (Get-Command -Name $Name -CommandType Application -ErrorAction Ignore) {
        return $null
    }
    $reason = "'$Name' is not on the PATH: install $Install to run this test."
    if ($IsLinux -and $env:CI) {
        throw "$reason On Linux CI, .ci/run installs it."
    }
    return $reason
}

function Start-ReceiverJob {
    <#
    .SYNOPSIS
    Runs Receive-StreamFile in a thread job, with the module imported in the job's own runspace, while the test sends
    from its own; Complete-ReceiverJob collects it. The group is pester-<topic> unless -Parameters names one.
    .EXAMPLE
    $job = Start-ReceiverJob -BootstrapServers $servers -Topic $topic -Destination $inbox -Config $MockConfig -Parameters @{ MaxFiles = 3 }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$BootstrapServers,
        [Parameter(Mandatory)][string]$Topic,
        [Parameter(Mandatory)][string]$Destination,
        [hashtable]$Config = @{},
        # More Receive-StreamFile parameters: MaxFiles, IdleTimeout, Timeout, EndpointUrl, GroupId...
        [hashtable]$Parameters = @{}
    )
    $receive = @{ BootstrapServers = $BootstrapServers; Topic = $Topic; Destination = $Destination; Config = $Config; GroupId = "pester-$Topic" }
    foreach ($name in $Parameters.Keys) {
        $receive[$name] = $Parameters[$name]
    }
    Start-ThreadJob -ArgumentList (Join-Path $repositoryRoot 'Streamsend.psd1'), $receive -ScriptBlock {
        param($modulePath, $receive)
        Import-Module $modulePath
        Receive-StreamFile @receive
    }
}

function Complete-ReceiverJob {
    <# Waits for a Start-ReceiverJob job (at most -TimeoutSeconds), removes it and returns what it received: Files, Errors and Warnings. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)]$Job, [int]$TimeoutSeconds = 300)
    $null = Wait-Job $Job -Timeout $TimeoutSeconds
    $received = Receive-Job $Job -ErrorVariable receiveErrors -ErrorAction SilentlyContinue -WarningVariable receiveWarnings -WarningAction SilentlyContinue
    Remove-Job $Job -Force
    [pscustomobject]@{ Files = @($received); Errors = @($receiveErrors); Warnings = @($receiveWarnings | ForEach-Object { "$_" }) }
}

Export-ModuleMember -Function @(
    'Import-StreamsendModule', 'Get-MissingToolReason'
    'Start-ReceiverJob', 'Complete-ReceiverJob'
    'Start-MockKafka', 'Send-MockKafkaCommand', 'New-MockKafkaTopic', 'Stop-MockKafka'
    'New-RandomFile', 'New-TestTree', 'Get-FileTreeHash', 'Compare-FileTree'
)
