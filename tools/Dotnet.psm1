# Runs dotnet and child PowerShell processes the same way on Windows, Linux and macOS,
# whether this session is `dotnet pwsh` (the repo's local tool) or an installed pwsh.

Set-StrictMode -Version 3.0

function Get-DotnetHost {
    <# The dotnet executable: the one running this session when it is `dotnet pwsh`, else the one on PATH. #>
    [OutputType([string])]
    param()
    $processPath = [Environment]::ProcessPath
    if ($processPath -and [IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'dotnet') {
        return $processPath
    }
    $onPath = Get-Command -Name dotnet -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $onPath) {
        throw 'dotnet was not found: install the .NET 10 SDK and put it on PATH.'
    }
    return $onPath.Source
}

function Invoke-Dotnet {
    <# Runs `dotnet <arguments>` on this console and throws when it fails. #>
    param([Parameter(Mandatory, Position = 0)][string[]]$ArgumentList)
    $exitCode = Invoke-ConsoleProcess -FilePath (Get-DotnetHost) -ArgumentList $ArgumentList
    if ($exitCode -ne 0) {
        throw "'dotnet $($ArgumentList -join ' ')' failed with exit code $exitCode."
    }
}

function Invoke-PwshScript {
    <#
    Runs a script in a new PowerShell process of the same version as this one and returns its exit code.
    A child process keeps the module's assemblies, which .NET cannot unload, out of the build session.
    Parameter values are strings, string arrays (passed joined by [IO.Path]::PathSeparator) or switches.
    #>
    [OutputType([int])]
    param(
        [Parameter(Mandatory)][string]$Path,
        [System.Collections.IDictionary]$Parameters = @{}
    )
    $processPath = [Environment]::ProcessPath
    $arguments = [Collections.Generic.List[string]]::new()
    if ([IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'dotnet') {
        $arguments.Add((Join-Path $PSHOME 'pwsh.dll'))
    }
    $arguments.AddRange([string[]]@('-NoLogo', '-NoProfile', '-NonInteractive', '-File', $Path))
    foreach ($name in $Parameters.Keys) {
        $value = $Parameters[$name]
        if ($value -is [switch] -or $value -is [bool]) {
            if ($value) { $arguments.Add("-$name") }
        }
        elseif ($null -ne $value -and "$value" -ne '') {
            $arguments.Add("-$name")
            $arguments.Add((@($value) -join [IO.Path]::PathSeparator))
        }
    }
    return Invoke-ConsoleProcess -FilePath $processPath -ArgumentList $arguments
}

function Invoke-ConsoleProcess {
    <#
    Runs a program on this console (its output is not captured, so colours and progress stay) and returns its
    exit code. ArgumentList is passed as-is, with no quoting rules to get wrong on any platform. With -Timeout, a
    program still running then is killed with its children, and the exit code is -1.
    #>
    [OutputType([int])]
    param(
        [Parameter(Mandatory)][string]$FilePath,
        [string[]]$ArgumentList = @(),
        [TimeSpan]$Timeout = [Threading.Timeout]::InfiniteTimeSpan
    )
    $startInfo = [Diagnostics.ProcessStartInfo]::new($FilePath)
    $startInfo.UseShellExecute = $false
    $startInfo.WorkingDirectory = (Get-Location -PSProvider FileSystem).ProviderPath
    foreach ($argument in $ArgumentList) {
        $startInfo.ArgumentList.Add($argument)
    }
    $process = [Diagnostics.Process]::Start($startInfo)
    try {
        if (-not $process.WaitForExit($Timeout)) {
            Write-Host "'$FilePath' was still running after $Timeout and was stopped." -ForegroundColor Red
            $process.Kill($true)
            $process.WaitForExit()
            return -1
        }
        $process.WaitForExit()
        return $process.ExitCode
    }
    finally {
        $process.Dispose()
    }
}

function Get-RestoredPackagePath {
    <#
    The folder of a package as restored for a project, read from the project's obj/project.assets.json, so the
    NuGet cache location (~/.nuget/packages, NUGET_PACKAGES, a custom config) never needs guessing.
    #>
    [OutputType([string])]
    param(
        [Parameter(Mandatory)][string]$AssetsFile,
        [Parameter(Mandatory)][string]$PackageId
    )
    if (-not (Test-Path -LiteralPath $AssetsFile -PathType Leaf)) {
        throw "'$AssetsFile' does not exist: the project has not been restored."
    }
    $assets = Get-Content -LiteralPath $AssetsFile -Raw | ConvertFrom-Json -AsHashtable
    $library = $assets['libraries'].GetEnumerator() |
        Where-Object { ($_.Key -split '/')[0] -eq $PackageId -and $_.Value['type'] -eq 'package' } |
        Select-Object -First 1
    $relativePath = if ($library) {
        $library.Value['path']
    }
    else {
        # PackageDownload items are not libraries; they appear in the project section only.
        $downloads = foreach ($framework in $assets['project']['frameworks'].Values) { $framework['downloadDependencies'] }
        $download = $downloads | Where-Object { $_ -and $_['name'] -eq $PackageId } | Select-Object -First 1
        if ($download) { "$($PackageId.ToLowerInvariant())/$(($download['version'] -replace '[\[\]() ]', '' -split ',')[0])" }
    }
    if (-not $relativePath) {
        throw "Package '$PackageId' is not in '$AssetsFile'."
    }
    foreach ($folder in $assets['packageFolders'].Keys) {
        $candidate = Join-Path $folder $relativePath
        if (Test-Path -LiteralPath $candidate -PathType Container) {
            return $candidate
        }
    }
    throw "Package '$PackageId' ($relativePath) is not in any of the package folders: $($assets['packageFolders'].Keys -join ', ')."
}

Export-ModuleMember -Function Get-DotnetHost, Invoke-Dotnet, Invoke-PwshScript, Invoke-ConsoleProcess, Get-RestoredPackagePath
