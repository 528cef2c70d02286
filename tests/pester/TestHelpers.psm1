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

Export-ModuleMember -Function @(
    'Import-StreamsendModule'
    'Start-MockKafka', 'Send-MockKafkaCommand', 'Stop-MockKafka'
    'New-RandomFile', 'New-TestTree', 'Get-FileTreeHash', 'Compare-FileTree'
)
