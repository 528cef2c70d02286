# The Test task's runners and its summary. Each runner returns one result: counts, or the problem that kept it from
# producing counts. A runner that crashed or ran nothing counts as one failure, so the summary line and the exit code
# never disagree.

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Dotnet.psm1')

function New-TestRunResult {
    param(
        [Parameter(Mandatory)][string]$Runner,
        [int]$Passed,
        [int]$Failed,
        [int]$Skipped,
        [string]$Problem
    )
    [pscustomobject]@{
        PSTypeName = 'Streamsend.TestRunResult'
        Runner     = $Runner
        Passed     = $Passed
        Failed     = $Failed
        Skipped    = $Skipped
        Problem    = $Problem
    }
}

function Invoke-XunitTestRun {
    <# `dotnet test` with a TRX logger; the counts come from the TRX file. #>
    param(
        [Parameter(Mandatory)][string]$Project,
        [Parameter(Mandatory)][string]$Framework,
        [Parameter(Mandatory)][string]$Configuration,
        [Parameter(Mandatory)][string]$ResultsDirectory,
        [string]$Filter
    )
    $trx = Join-Path $ResultsDirectory 'xunit.trx'
    $arguments = @('test', $Project, '-f', $Framework, '-c', $Configuration, '--no-build', '--nologo',
        '--results-directory', $ResultsDirectory, '--logger', 'trx;LogFileName=xunit.trx', '--logger', 'console;verbosity=normal')
    if ($Filter) {
        $arguments += '--filter', $Filter
    }
    $exitCode = Invoke-ConsoleProcess -FilePath (Get-DotnetHost) -ArgumentList $arguments
    if (-not (Test-Path -LiteralPath $trx)) {
        return New-TestRunResult -Runner 'xunit' -Failed 1 -Problem "dotnet test wrote no results (exit code $exitCode): it did not build or crashed."
    }
    $testRun = ([xml](Get-Content -LiteralPath $trx -Raw)).TestRun
    $counters = $testRun.ResultSummary.Counters
    $count = { param($name) if ($counters.HasAttribute($name)) { [int]$counters.GetAttribute($name) } else { 0 } }
    $passed = & $count 'passed'
    $failed = (& $count 'failed') + (& $count 'error') + (& $count 'timeout') + (& $count 'aborted')
    $skipped = (& $count 'total') - (& $count 'executed')
    $problem = if ($testRun.ResultSummary.outcome -in 'Error', 'Aborted' -or ($exitCode -ne 0 -and $failed -eq 0)) {
        "the test run did not complete (outcome $($testRun.ResultSummary.outcome), exit code $exitCode)."
    }
    elseif ($passed + $failed -eq 0) {
        'no test ran.'
    }
    if ($problem -and $failed -eq 0) {
        $failed = 1
    }
    return New-TestRunResult -Runner 'xunit' -Passed $passed -Failed $failed -Skipped $skipped -Problem $problem
}

function Invoke-XunitFrameworkTestRun {
    <#
    xunit's .NET Framework console runner on a test assembly built for net472: directly on Windows, through Mono
    elsewhere. A machine without Mono cannot run it: that is a failure on Linux CI (.ci/run installs mono-complete)
    and a skip with the reason anywhere else. -Filter takes the part of a `dotnet test` filter after
    FullyQualifiedName~, as a class or namespace prefix.
    #>
    param(
        [Parameter(Mandatory)][string]$TestAssembly,
        [Parameter(Mandatory)][string]$ConsoleRunner,
        [Parameter(Mandatory)][string]$ResultsDirectory,
        [string]$Filter
    )
    $xml = Join-Path $ResultsDirectory 'xunit-net472.xml'
    Remove-Item -LiteralPath $xml -Force -ErrorAction Ignore
    # -verbose names each test as it starts and ends: a run that hangs says where. It takes two minutes on two cores.
    $runnerArguments = @($TestAssembly, '-noshadow', '-nologo', '-verbose', '-xml', $xml)
    $timeout = New-TimeSpan -Minutes 15
    # 'FullyQualifiedName~A|FullyQualifiedName~B' as dotnet test takes it: one -method wildcard per alternative.
    foreach ($term in @($Filter -split '\|' | Where-Object { $_ })) {
        $runnerArguments += '-method', "*$($term -replace '^FullyQualifiedName~', '')*"
    }
    if ($IsWindows -or $PSVersionTable.PSEdition -eq 'Desktop') {
        $exitCode = Invoke-ConsoleProcess -FilePath $ConsoleRunner -ArgumentList $runnerArguments -Timeout $timeout
    }
    else {
        $mono = Get-Command -Name mono -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if (-not $mono) {
            $reason = 'Mono is not installed, so the engine suite did not run against its .NET Framework build (apt-get install mono-complete).'
            if ($env:CI -and $IsLinux) {
                return New-TestRunResult -Runner 'xunit-net472' -Failed 1 -Problem $reason
            }
            Write-Host "SKIPPED: $reason" -ForegroundColor Yellow
            return New-TestRunResult -Runner 'xunit-net472' -Skipped 1 -Problem $reason
        }
        $exitCode = Invoke-ConsoleProcess -FilePath $mono.Source -ArgumentList (@($ConsoleRunner) + $runnerArguments) -Timeout $timeout
    }
    if ($exitCode -eq -1) {
        return New-TestRunResult -Runner 'xunit-net472' -Failed 1 -Problem "xunit.console did not finish within $timeout; the last test it started above is where it hung."
    }
    if (-not (Test-Path -LiteralPath $xml)) {
        return New-TestRunResult -Runner 'xunit-net472' -Failed 1 -Problem "xunit.console wrote no results (exit code $exitCode): it crashed or found no tests."
    }
    # Attributes by name: <assembly> also has an <errors> child element, which the dotted form would return as well.
    # SelectSingleNode: the dotted form returns an element without children as its text.
    $assembly = ([xml](Get-Content -LiteralPath $xml -Raw)).SelectSingleNode('/assemblies/assembly')
    $count = { param($name) [int]$assembly.GetAttribute($name) }
    $passed = & $count 'passed'
    $failed = (& $count 'failed') + (& $count 'errors')
    $problem = if ($passed + $failed -eq 0) { 'no test ran.' } elseif ($exitCode -ne 0 -and $failed -eq 0) { "xunit.console exited with $exitCode." }
    if ($problem -and $failed -eq 0) {
        $failed = 1
    }
    return New-TestRunResult -Runner 'xunit-net472' -Passed $passed -Failed $failed -Skipped (& $count 'skipped') -Problem $problem
}

function Invoke-PesterTestRun {
    <# Pester in a child pwsh (tools/Invoke-PesterRun.ps1), which writes its counts to a JSON file read back here. #>
    param(
        [Parameter(Mandatory)][string]$PesterManifest,
        [Parameter(Mandatory)][string[]]$Path,
        [Parameter(Mandatory)][string]$ResultsDirectory,
        [string]$FullNameFilter
    )
    $resultFile = Join-Path $ResultsDirectory 'pester.json'
    Remove-Item -LiteralPath $resultFile -Force -ErrorAction Ignore
    $exitCode = Invoke-PwshScript -Path (Join-Path $PSScriptRoot 'Invoke-PesterRun.ps1') -Parameters ([ordered]@{
            PesterManifest = $PesterManifest
            Path           = $Path
            ResultFile     = $resultFile
            TestResultFile = Join-Path $ResultsDirectory 'pester.xml'
            FullNameFilter = $FullNameFilter
        })
    if ($exitCode -ne 0 -or -not (Test-Path -LiteralPath $resultFile)) {
        return New-TestRunResult -Runner 'Pester' -Failed 1 -Problem "the Pester process failed (exit code $exitCode) before reporting its results."
    }
    $result = Get-Content -LiteralPath $resultFile -Raw | ConvertFrom-Json
    $passed = [int]$result.Passed
    # A test file that fails to load runs no tests; count it once. A failed BeforeAll already fails its tests.
    $failed = [int]$result.Failed + [int]$result.FailedContainers
    $problem = $null
    if ($passed + $failed -eq 0) {
        $problem = "no test ran (in $($Path -join ', '))."
        $failed = 1
    }
    elseif ($result.Result -eq 'Failed' -and $failed -eq 0) {
        $problem = "$([int]$result.FailedBlocks) block(s) failed in BeforeAll/AfterAll."
        $failed = 1
    }
    elseif ($result.FailedContainers) {
        $problem = "test files failed to load: $($result.FailedContainerPaths -join ', ')."
    }
    return New-TestRunResult -Runner 'Pester' -Passed $passed -Failed $failed -Skipped ([int]$result.Skipped) -Problem $problem
}

function Write-TestSummary {
    <# Prints each runner's counts, then the totals as the last line: 'Tests: N passed, N failed'. Returns the exit code. #>
    [OutputType([int])]
    param([Parameter(Mandatory)][AllowEmptyCollection()][object[]]$Run)
    Write-Host ''
    foreach ($result in $Run) {
        $color = if ($result.Failed) { 'Red' } else { 'Green' }
        Write-Host ('{0,-8} {1,5} passed, {2,5} failed, {3,5} skipped' -f $result.Runner, $result.Passed, $result.Failed, $result.Skipped) -ForegroundColor $color
        if ($result.Problem) {
            Write-Host "         $($result.Problem)" -ForegroundColor Red
        }
    }
    $passed = ($Run | Measure-Object -Property Passed -Sum).Sum
    $failed = ($Run | Measure-Object -Property Failed -Sum).Sum
    Write-Host "Tests: $passed passed, $failed failed"
    return [int]($failed -ne 0)
}

Export-ModuleMember -Function New-TestRunResult, Invoke-XunitTestRun, Invoke-XunitFrameworkTestRun, Invoke-PesterTestRun, Write-TestSummary
