# The module's file layout: from `dotnet publish` output to bin/, and from bin/ to a package.
#
#   Streamsend.psd1, Streamsend.psm1, Streamsend.format.ps1xml   (in source, at the module root)
#   bin/net8.0/Streamsend.PowerShell.dll                         PowerShell 7.4+: the cmdlets, in PowerShell's default load context
#   bin/net8.0/lib/*.dll                                         the engine and every dependency: Streamsend's own load context
#   bin/net8.0/lib/runtimes/<rid>/native/                        librdkafka for each platform
#   bin/net472/Streamsend.PowerShell.dll                         Windows PowerShell 5.1: the cmdlets
#   bin/net472/lib/*.dll                                         the engine and every dependency, found by an AssemblyResolve handler
#   bin/net472/lib/runtimes/win-x64|win-x86/native/              librdkafka for 64- and 32-bit Windows PowerShell
#   bin/<tfm>/en-US/                                             MAML help, when generated

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'Dotnet.psm1')

# The platforms each edition's build supports; each must have a librdkafka native build in lib/runtimes.
$supportedRuntimes = @{
    'net8.0' = 'win-x64', 'win-x86', 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64'
    # Windows PowerShell 5.1 runs on Windows only, as a 64-bit and as a 32-bit process.
    'net472' = 'win-x64', 'win-x86'
}

# librdkafka.redist's .NET Framework build step puts the Windows natives in librdkafka/x64|x86; the module keeps one
# layout for both editions.
$nativeFolderRenames = [ordered]@{ 'librdkafka/x64/' = 'runtimes/win-x64/native/'; 'librdkafka/x86/' = 'runtimes/win-x86/native/' }

function Get-ModuleFramework {
    <# The target frameworks of the module's builds, one bin/<tfm> folder each. #>
    [OutputType([string[]])]
    param()
    return [string[]]$supportedRuntimes.Keys
}

function Sync-ModuleLayout {
    <#
    Mirrors the publish output into the module layout: the cmdlet assembly at the top, everything else under lib/.
    Copies only what changed, so a rebuild is quick, and removes what the publish no longer has, so a dropped
    dependency does not linger. Generated help (en-US/) is left alone.
    #>
    param(
        [Parameter(Mandatory)][string]$PublishDirectory,
        [Parameter(Mandatory)][string]$ModuleDirectory,
        [Parameter(Mandatory)][string]$CmdletAssembly
    )
    $topLevel = "$CmdletAssembly.dll", "$CmdletAssembly.pdb"
    $wanted = [Collections.Generic.Dictionary[string, string]]::new([StringComparer]::Ordinal)
    foreach ($file in Get-ChildItem -LiteralPath $PublishDirectory -Recurse -File) {
        $relativePath = [IO.Path]::GetRelativePath($PublishDirectory, $file.FullName)
        if ($relativePath -like '*.deps.json' -or $relativePath -like '*.runtimeconfig.json') {
            continue
        }
        $slashed = $relativePath -replace '\\', '/'
        foreach ($from in $nativeFolderRenames.Keys) {
            if ($slashed.StartsWith($from, [StringComparison]::Ordinal)) {
                $relativePath = [IO.Path]::Combine($nativeFolderRenames[$from], $slashed.Substring($from.Length))
            }
        }
        $target = if ($relativePath -in $topLevel) { $relativePath } else { Join-Path 'lib' $relativePath }
        $wanted[$target] = $file.FullName
    }

    $copied = 0
    foreach ($target in $wanted.Keys) {
        $source = Get-Item -LiteralPath $wanted[$target]
        $destination = Join-Path $ModuleDirectory $target
        $existing = Get-Item -LiteralPath $destination -ErrorAction Ignore
        if ($existing -and $existing.Length -eq $source.Length -and $existing.LastWriteTimeUtc -eq $source.LastWriteTimeUtc) {
            continue
        }
        $null = New-Item -ItemType Directory -Path (Split-Path -Parent $destination) -Force
        try {
            Copy-Item -LiteralPath $source.FullName -Destination $destination -Force
        }
        catch [IO.IOException] {
            throw "Cannot replace '$destination': a PowerShell session that imported Streamsend probably holds it. Close that session and build again. ($($_.Exception.Message))"
        }
        $copied++
    }

    $removed = 0
    if (Test-Path -LiteralPath $ModuleDirectory) {
        foreach ($file in Get-ChildItem -LiteralPath $ModuleDirectory -Recurse -File) {
            $relativePath = [IO.Path]::GetRelativePath($ModuleDirectory, $file.FullName)
            if (-not $wanted.ContainsKey($relativePath) -and $relativePath -notlike 'en-US*') {
                Remove-Item -LiteralPath $file.FullName -Force
                $removed++
            }
        }
        Get-ChildItem -LiteralPath $ModuleDirectory -Recurse -Directory |
            Sort-Object { $_.FullName.Length } -Descending |
            Where-Object { -not $_.EnumerateFileSystemInfos().GetEnumerator().MoveNext() } |
            Remove-Item -Force
    }
    Write-Host "Module layout: $ModuleDirectory ($($wanted.Count) files, $copied copied, $removed removed)"
}

function Assert-NativeLibrary {
    <#
    Makes sure lib/runtimes holds librdkafka for every supported platform. `dotnet publish` of a class library
    copies the package's runtimes/ folder today; should it stop, they are copied from the librdkafka.redist package
    the engine restored.
    #>
    param(
        [Parameter(Mandatory)][string]$LibDirectory,
        [Parameter(Mandatory)][string]$EngineAssetsFile,
        [Parameter(Mandatory)][ValidateSet('net8.0', 'net472')][string]$Framework
    )
    $runtimes = $supportedRuntimes[$Framework]
    $missing = @(Get-MissingRuntime -LibDirectory $LibDirectory -Runtime $runtimes)
    if ($missing.Count -eq 0) {
        return
    }
    $package = Get-RestoredPackagePath -AssetsFile $EngineAssetsFile -PackageId 'librdkafka.redist'
    Write-Host "Copying librdkafka natives for $($missing -join ', ') from $package"
    foreach ($runtime in $missing) {
        $target = Join-Path $LibDirectory "runtimes/$runtime"
        $null = New-Item -ItemType Directory -Path $target -Force
        Copy-Item -Path (Join-Path $package "runtimes/$runtime/native") -Destination $target -Recurse -Force
    }
    $missing = @(Get-MissingRuntime -LibDirectory $LibDirectory -Runtime $runtimes)
    if ($missing.Count -ne 0) {
        throw "No librdkafka native library for $($missing -join ', ') under '$LibDirectory/runtimes' nor in '$package'."
    }
}

function Assert-FrameworkDependencyClosure {
    <#
    Makes sure lib/ of the .NET Framework build holds every assembly that its assemblies reference, beyond .NET
    Framework's own, in at least the version referenced (the AssemblyResolve handler serves an equal or newer file).
    A package that references an assembly without listing its package (AWSSDK.Core and System.Formats.Asn1) would
    otherwise fail only on Windows PowerShell 5.1, when that code first runs.
    #>
    param(
        [Parameter(Mandatory)][string]$LibDirectory,
        [Parameter(Mandatory)][string]$EngineAssetsFile
    )
    $referenceAssemblies = Join-Path (Get-RestoredPackagePath -AssetsFile $EngineAssetsFile -PackageId 'Microsoft.NETFramework.ReferenceAssemblies.net472') 'build/.NETFramework/v4.7.2'
    $framework = [Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
    foreach ($file in Get-ChildItem -LiteralPath $referenceAssemblies -Filter *.dll -Recurse) { $null = $framework.Add($file.BaseName) }
    $null = $framework.Add('mscorlib'); $null = $framework.Add('netstandard')
    $shipped = @{}
    $managed = foreach ($file in Get-ChildItem -LiteralPath $LibDirectory -Filter *.dll -File) {
        try {
            $name = [Reflection.AssemblyName]::GetAssemblyName($file.FullName)
            $shipped[$name.Name] = $name.Version
            $file
        }
        catch [BadImageFormatException] {
        }
    }
    $problems = foreach ($file in $managed) {
        $stream = [IO.File]::OpenRead($file.FullName)
        try {
            $reader = [Reflection.Metadata.PEReaderExtensions]::GetMetadataReader([Reflection.PortableExecutable.PEReader]::new($stream))
            foreach ($handle in $reader.AssemblyReferences) {
                $reference = $reader.GetAssemblyReference($handle)
                $name = $reader.GetString($reference.Name)
                if ($framework.Contains($name)) {
                    continue
                }
                if (-not $shipped.ContainsKey($name)) {
                    "$($file.Name) references $name $($reference.Version), which lib/ does not have"
                }
                elseif ($shipped[$name] -lt $reference.Version) {
                    "$($file.Name) references $name $($reference.Version), and lib/ has only $($shipped[$name])"
                }
            }
        }
        finally {
            $stream.Dispose()
        }
    }
    if ($problems) {
        throw "The .NET Framework build in '$LibDirectory' is incomplete: $(@($problems | Sort-Object -Unique) -join '; '). Add the package to src/Streamsend.Engine/Streamsend.Engine.csproj (net472)."
    }
}

function Get-MissingRuntime([string]$LibDirectory, [string[]]$Runtime) {
    foreach ($runtime in $Runtime) {
        $native = Join-Path $LibDirectory "runtimes/$runtime/native"
        if (-not (Get-ChildItem -Path $native -Filter 'librdkafka*' -File -ErrorAction Ignore)) {
            $runtime
        }
    }
}

function New-ModulePackage {
    <#
    Copies the built module to <OutputDirectory>/Streamsend/<version>/ (the shape Install-Module creates, so the
    folder can be dropped into a PSModulePath entry), zips it, and publishes it as <OutputDirectory>/feed/
    Streamsend.<version>.nupkg: a folder an ops team registers as a PSResource repository (or copies into its own
    NuGet feed) and installs from with Install-PSResource. Returns the three paths.
    #>
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory)][string]$RepositoryRoot,
        [Parameter(Mandatory)][string]$OutputDirectory
    )
    $manifestPath = Join-Path $RepositoryRoot 'Streamsend.psd1'
    $manifest = Import-PowerShellDataFile -LiteralPath $manifestPath
    $version = $manifest.ModuleVersion
    $packageRoot = Join-Path $OutputDirectory 'Streamsend'
    $moduleRoot = Join-Path $packageRoot $version
    Remove-Item -LiteralPath $packageRoot -Recurse -Force -ErrorAction Ignore
    $null = New-Item -ItemType Directory -Path $moduleRoot -Force

    $files = @('Streamsend.psd1', $manifest.RootModule) + @($manifest['FormatsToProcess']) + @($manifest['TypesToProcess']) +
        @('README.md', 'LICENSE', 'LICENSE.md', 'CHANGELOG.md')
    foreach ($file in $files | Where-Object { $_ } | Select-Object -Unique) {
        $source = Join-Path $RepositoryRoot $file
        if (Test-Path -LiteralPath $source -PathType Leaf) {
            Copy-Item -LiteralPath $source -Destination (Join-Path $moduleRoot $file)
        }
    }
    foreach ($folder in 'bin', 'en-US', 'docs') {
        $source = Join-Path $RepositoryRoot $folder
        if (Test-Path -LiteralPath $source -PathType Container) {
            Copy-Item -LiteralPath $source -Destination $moduleRoot -Recurse
        }
    }

    $zip = Join-Path $OutputDirectory "Streamsend-$version.zip"
    Remove-Item -LiteralPath $zip -Force -ErrorAction Ignore
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    [IO.Compression.ZipFile]::CreateFromDirectory($packageRoot, $zip, [IO.Compression.CompressionLevel]::Optimal, $true)

    $feed = Join-Path $OutputDirectory 'feed'
    Remove-Item -LiteralPath $feed -Recurse -Force -ErrorAction Ignore
    $null = New-Item -ItemType Directory -Path $feed -Force
    $nupkg = Publish-ModuleToFolder -ModuleDirectory $moduleRoot -Feed $feed
    return [pscustomobject]@{ Folder = $moduleRoot; Zip = $zip; Nupkg = $nupkg }
}

function Publish-ModuleToFolder {
    <#
    Publish-PSResource (PSResourceGet, which ships with PowerShell 7.4+) into a folder, through a repository
    registered under a name of its own for as long as the publish takes.
    #>
    [OutputType([string])]
    param(
        [Parameter(Mandatory)][string]$ModuleDirectory,
        [Parameter(Mandatory)][string]$Feed
    )
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    $repository = "StreamsendBuild-$([guid]::NewGuid().ToString('N'))"
    Register-PSResourceRepository -Name $repository -Uri $Feed -Trusted
    try {
        Publish-PSResource -Path $ModuleDirectory -Repository $repository
    }
    finally {
        Unregister-PSResourceRepository -Name $repository
    }
    $published = @(Get-ChildItem -LiteralPath $Feed -Filter '*.nupkg' -File)
    if ($published.Count -ne 1) {
        throw "Publish-PSResource left $($published.Count) packages in '$Feed', expected one."
    }
    return $published[0].FullName
}

Export-ModuleMember -Function Get-ModuleFramework, Sync-ModuleLayout, Assert-NativeLibrary, Assert-FrameworkDependencyClosure, New-ModulePackage
