<#
.SYNOPSIS
Runs Pester in this (child) process and writes the counts to a JSON file for build.ps1 to read back.
.DESCRIPTION
build.ps1 starts this in its own pwsh process so that the module's assemblies, which .NET cannot unload,
never load into the build session. Exit code 0 means the run completed, whatever the test outcome.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$PesterManifest,
    # Test files or folders, separated by [IO.Path]::PathSeparator.
    [Parameter(Mandatory)][string]$Path,
    [Parameter(Mandatory)][string]$ResultFile,
    [string]$TestResultFile,
    [string]$FullNameFilter
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest

$configuration = New-PesterConfiguration
$configuration.Run.Path = [string[]]($Path -split [IO.Path]::PathSeparator | Where-Object { $_ })
$configuration.Run.PassThru = $true
$configuration.Run.Exit = $false
$configuration.Output.Verbosity = 'Detailed'
if ($FullNameFilter) {
    $configuration.Filter.FullName = [string[]]$FullNameFilter
}
if ($TestResultFile) {
    $configuration.TestResult.Enabled = $true
    $configuration.TestResult.OutputFormat = 'NUnitXml'
    $configuration.TestResult.OutputPath = $TestResultFile
}

# Pester 6 throws when no test file matches, instead of returning an empty run: report that as a run of nothing.
$result = Invoke-Pester -Configuration $configuration -ErrorAction Continue
if ($null -eq $result) {
    $result = [pscustomobject]@{
        Result = 'NotRun'; TotalCount = 0; PassedCount = 0; FailedCount = 0; SkippedCount = 0; NotRunCount = 0
        FailedBlocksCount = 0; FailedContainersCount = 0; FailedContainers = @()
    }
}

[ordered]@{
    Result                = $result.Result
    Total                 = $result.TotalCount
    Passed                = $result.PassedCount
    Failed                = $result.FailedCount
    Skipped               = $result.SkippedCount
    NotRun                = $result.NotRunCount
    FailedBlocks          = $result.FailedBlocksCount
    FailedContainers      = $result.FailedContainersCount
    FailedContainerPaths  = @($result.FailedContainers | ForEach-Object { [string]$_.Item })
} | ConvertTo-Json | Set-Content -LiteralPath $ResultFile -Encoding utf8
