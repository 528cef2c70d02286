#Requires -Version 7.4
<#
.SYNOPSIS
Builds, tests, demonstrates, benchmarks and packages Streamsend.
.DESCRIPTION
Run from the repository root with the repo's own PowerShell, which `dotnet tool restore` installs:

    dotnet tool restore
    dotnet pwsh ./build.ps1 Build      # the module at the repo root: Import-Module ./Streamsend.psd1
    dotnet pwsh ./build.ps1 Test       # xunit + Pester; ends with 'Tests: N passed, N failed'

Tasks:
  Build    compiles the solution and lays the module out under bin/, one folder per edition: bin/net8.0
           (PowerShell 7.4+) and bin/net472 (Windows PowerShell 5.1), each with the cmdlet assembly and lib/ (the
           engine, every dependency and the librdkafka natives); generates MAML help when tools/New-MamlHelp.ps1 exists.
  Test     Build, then the xunit tests (on .NET 10 against the engine's net8.0 build, and against its net472 build
           under .NET Framework on Windows or Mono elsewhere) and the Pester tests (tests/pester, in a child pwsh).
  Demo     Build, then demo/Invoke-Demo.ps1 against a mock cluster.
  Bench    Build, then bench/Invoke-Benchmark.ps1, which prints every row in one run (docs/performance.md); the
           other bench/*.ps1 (one part on its own, a receiver profile) are run by hand.
  Package  Build, then out/Streamsend/<version>/, out/Streamsend-<version>.zip and out/feed/Streamsend.<version>.nupkg
           (both editions' bin folders and every librdkafka native; install it with Install-PSResource from a
           repository registered on out/feed, see docs/operations.md).
.EXAMPLE
dotnet pwsh ./build.ps1 Test -PesterPath tests/pester/Send.Tests.ps1
.EXAMPLE
dotnet pwsh ./build.ps1 Build, Package -Configuration Debug
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package')]
    [string[]]$Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string]$Configuration = 'Release',

    # Test: Pester test files or folders to run instead of tests/pester.
    [string[]]$PesterPath,

    # Test: only Pester tests whose full name matches (wildcards), e.g. '*resume*'.
    [string]$PesterFilter,

    # Test: a `dotnet test --filter` expression for the xunit tests, e.g. 'FullyQualifiedName~Wire'.
    [string]$XunitFilter
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$repositoryRoot = $PSScriptRoot
# Relative to where the caller stands, before the tasks move to the repository root.
$PesterPath = @($PesterPath | Where-Object { $_ } | ForEach-Object { (Resolve-Path -Path $_).ProviderPath })
Import-Module (Join-Path $repositoryRoot 'tools/Dotnet.psm1') -Force
Import-Module (Join-Path $repositoryRoot 'tools/ModuleLayout.psm1') -Force
Import-Module (Join-Path $repositoryRoot 'tools/TestRun.psm1') -Force

$artifacts = Join-Path $repositoryRoot 'artifacts'
$completed = [Collections.Generic.HashSet[string]]::new()

function Invoke-BuildTask {
    if (-not $completed.Add('Build')) {
        return
    }
    Write-Step "Build ($Configuration)"
    Invoke-Dotnet 'build', (Join-Path $repositoryRoot 'Streamsend.slnx'), '-c', $Configuration, '-nologo', '-v:minimal'

    $helpGenerator = Join-Path $repositoryRoot 'tools/New-MamlHelp.ps1'
    foreach ($framework in Get-ModuleFramework) {
        $moduleBin = Join-Path $repositoryRoot "bin/$framework"
        $publish = Join-Path $artifacts "publish/Streamsend.PowerShell/$Configuration/$framework"
        Invoke-Dotnet 'publish', (Join-Path $repositoryRoot 'src/Streamsend.PowerShell/Streamsend.PowerShell.csproj'),
            '-c', $Configuration, '-f', $framework, '--no-build', '-o', $publish, '-nologo', '-v:minimal'
        Sync-ModuleLayout -PublishDirectory $publish -ModuleDirectory $moduleBin -CmdletAssembly 'Streamsend.PowerShell'
        $engineAssets = Join-Path $repositoryRoot 'src/Streamsend.Engine/obj/project.assets.json'
        Assert-NativeLibrary -LibDirectory (Join-Path $moduleBin 'lib') -Framework $framework -EngineAssetsFile $engineAssets
        if ($framework -eq 'net472') {
            Assert-FrameworkDependencyClosure -LibDirectory (Join-Path $moduleBin 'lib') -EngineAssetsFile $engineAssets
        }

        if (Test-Path -LiteralPath $helpGenerator) {
            # PowerShell looks for a binary module's help beside the cmdlet assembly: bin/<tfm>/en-US.
            Write-Step "Help ($framework)"
            $helpParameters = @{}
            if ((Get-Command $helpGenerator).Parameters.ContainsKey('OutputPath')) {
                $helpParameters.OutputPath = Join-Path $moduleBin 'en-US'
            }
            $null = & $helpGenerator @helpParameters
        }
    }
    Write-Host "Module ready: Import-Module $(Join-Path $repositoryRoot 'Streamsend.psd1')"
}

function Invoke-TestTask {
    $runs = [Collections.Generic.List[object]]::new()
    $results = Join-Path $artifacts 'test-results'
    try {
        Invoke-BuildTask
        $pesterManifest = Get-RestoredTool -PackageId Pester -RelativePath 'tools/Pester.psd1'
        $xunitConsole = Get-RestoredTool -PackageId xunit.runner.console -RelativePath 'tools/net472/xunit.console.exe'
    }
    catch {
        Write-Host $_ -ForegroundColor Red
        $runs.Add((New-TestRunResult -Runner 'Build' -Failed 1 -Problem "$_"))
    }
    if ($runs.Count -eq 0) {
        Remove-Item -LiteralPath $results -Recurse -Force -ErrorAction Ignore
        $null = New-Item -ItemType Directory -Path $results -Force
        $engineTests = Join-Path $repositoryRoot 'tests/Streamsend.Engine.Tests/Streamsend.Engine.Tests.csproj'
        $runs.Add((Invoke-TestRunner 'xunit' {
                    Invoke-XunitTestRun -Project $engineTests -Framework net10.0 -Configuration $Configuration -ResultsDirectory $results -Filter $XunitFilter
                }))
        # The same suite against the engine's .NET Framework build, the one Windows PowerShell 5.1 loads.
        $runs.Add((Invoke-TestRunner 'xunit-net472' {
                    Invoke-XunitFrameworkTestRun -TestAssembly (Join-Path $repositoryRoot "tests/Streamsend.Engine.Tests/bin/$Configuration/net472/Streamsend.Engine.Tests.dll") `
                        -ConsoleRunner $xunitConsole -ResultsDirectory $results -Filter $XunitFilter
                }))
        $runs.Add((Invoke-TestRunner 'Pester' {
                    $paths = if ($PesterPath) { $PesterPath } else { Join-Path $repositoryRoot 'tests/pester' }
                    Invoke-PesterTestRun -PesterManifest $pesterManifest -Path $paths -ResultsDirectory $results -FullNameFilter $PesterFilter
                }))
    }
    # Last: the summary ends with the one line CI reads.
    return (Write-TestSummary -Run $runs)
}

function Invoke-TestRunner([string]$Runner, [scriptblock]$Run) {
    Write-Step $Runner
    try {
        & $Run
    }
    catch {
        Write-Host $_ -ForegroundColor Red
        New-TestRunResult -Runner $Runner -Failed 1 -Problem "$_"
    }
}

function Invoke-DemoTask {
    Invoke-BuildTask
    Write-Step 'Demo'
    $exitCode = Invoke-PwshScript -Path (Join-Path $repositoryRoot 'demo/Invoke-Demo.ps1')
    if ($exitCode -ne 0) {
        throw "The demo failed (exit code $exitCode)."
    }
}

function Invoke-BenchTask {
    Invoke-BuildTask
    # One script, one run: the small-file part (Measure-SmallFiles.ps1) and the profile (Profile-Receiver.ps1) would
    # only measure again what it prints.
    $benchmark = Join-Path $repositoryRoot 'bench/Invoke-Benchmark.ps1'
    Write-Step 'Bench Invoke-Benchmark.ps1'
    $exitCode = Invoke-PwshScript -Path $benchmark
    if ($exitCode -ne 0) {
        throw "Benchmark Invoke-Benchmark.ps1 failed (exit code $exitCode)."
    }
}

function Invoke-PackageTask {
    Invoke-BuildTask
    Write-Step 'Package'
    $package = New-ModulePackage -RepositoryRoot $repositoryRoot -OutputDirectory (Join-Path $repositoryRoot 'out')
    Write-Host "Package: $($package.Nupkg) (also $($package.Zip))"
}

function Get-RestoredTool([string]$PackageId, [string]$RelativePath) {
    # Pester and xunit's console runner come from NuGet, restored by tools/restore/Restore.csproj (PackageDownload):
    # no PowerShell Gallery needed.
    $project = Join-Path $repositoryRoot 'tools/restore/Restore.csproj'
    $assets = Join-Path $repositoryRoot 'tools/restore/obj/project.assets.json'
    $find = {
        if ((Test-Path -LiteralPath $assets) -and (Get-Item $assets).LastWriteTimeUtc -ge (Get-Item $project).LastWriteTimeUtc) {
            $path = Join-Path (Get-RestoredPackagePath -AssetsFile $assets -PackageId $PackageId) $RelativePath
            if (Test-Path -LiteralPath $path) { $path }
        }
    }
    $path = try { & $find } catch { $null }
    if (-not $path) {
        Invoke-Dotnet 'restore', $project, '-nologo', '-v:minimal'
        $path = & $find
    }
    if (-not $path) {
        throw "$PackageId was restored but '$RelativePath' is not in the package."
    }
    return $path
}

function Write-Step([string]$Name) {
    Write-Host "==> $Name" -ForegroundColor Cyan
}

# Children (tests, demo, benchmarks) find the matching builds, e.g. of the mock cluster, through this.
$previousConfiguration = $env:STREAMSEND_CONFIGURATION
$env:STREAMSEND_CONFIGURATION = $Configuration
$exitCode = 0
Push-Location -LiteralPath $repositoryRoot
try {
    foreach ($name in $Task) {
        if ($name -eq 'Test') {
            # The summary's exit code comes last; anything a build step wrote before it must not become the exit code.
            $exitCode = [int](@(Invoke-TestTask)[-1])
        }
        else {
            & "Invoke-$($name)Task"
        }
        if ($exitCode -ne 0) {
            break
        }
    }
}
catch {
    Write-Host "build.ps1 $($Task -join ', '): $_" -ForegroundColor Red
    $exitCode = 1
}
finally {
    Pop-Location
    $env:STREAMSEND_CONFIGURATION = $previousConfiguration
}
exit $exitCode
