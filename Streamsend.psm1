# Loads the cmdlet assembly built for this edition of PowerShell.
#
# PowerShell 7.4+ (Core): bin/net8.0/Streamsend.PowerShell.dll goes into the default load context, where PowerShell
# finds its cmdlets; the engine and every dependency in bin/net8.0/lib/ are loaded into one private
# AssemblyLoadContext (Streamsend.PowerShell.Loading.DependencyLoadContext), so other modules' versions of
# Confluent.Kafka or AWSSDK.* do not clash with ours.
# Windows PowerShell 5.1 (Desktop): bin/net472/Streamsend.PowerShell.dll; the engine and every dependency stay in
# bin/net472/lib/, where an AssemblyResolve handler (Streamsend.PowerShell.Loading.DependencyResolver) finds them.
# .NET Framework has one load context per session: when another module already loaded a version of one of them that
# would be handed to Streamsend instead of its own, the import stops and says which, and what to do.

$ErrorActionPreference = 'Stop'

if ($PSEdition -eq 'Core') {
    if ($PSVersionTable.PSVersion -lt [version]'7.4') {
        throw "Streamsend needs PowerShell 7.4 or later (.NET 8); this is PowerShell $($PSVersionTable.PSVersion)."
    }
    $binDirectory = Join-Path $PSScriptRoot 'bin/net8.0'
    $libDirectory = Join-Path $binDirectory 'lib'
    $cmdletAssemblyPath = Join-Path $binDirectory 'Streamsend.PowerShell.dll'
    if (-not (Test-Path -LiteralPath $cmdletAssemblyPath -PathType Leaf) -or -not (Test-Path -LiteralPath $libDirectory -PathType Container)) {
        throw "Streamsend is not built: run 'dotnet pwsh ./build.ps1 Build' in '$PSScriptRoot'."
    }
}
else {
    if ($PSVersionTable.PSVersion -lt [version]'5.1') {
        throw "Streamsend needs Windows PowerShell 5.1 or PowerShell 7.4+; this is PowerShell $($PSVersionTable.PSVersion)."
    }
    $frameworkRelease = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full' -Name Release -ErrorAction Ignore
    if (-not $frameworkRelease -or $frameworkRelease.Release -lt 461808) {
        throw "Streamsend needs .NET Framework 4.7.2 or later under Windows PowerShell 5.1 (it ships with Windows Server 2019 and Windows 10 1803). Install it, or use PowerShell 7.4+."
    }
    $binDirectory = Join-Path $PSScriptRoot 'bin\net472'
    $libDirectory = Join-Path $binDirectory 'lib'
    $cmdletAssemblyPath = Join-Path $binDirectory 'Streamsend.PowerShell.dll'
    if (-not (Test-Path -LiteralPath $cmdletAssemblyPath -PathType Leaf) -or -not (Test-Path -LiteralPath $libDirectory -PathType Container)) {
        throw "Streamsend is not built for Windows PowerShell 5.1: '$cmdletAssemblyPath' is missing. Reinstall the module, or run 'dotnet pwsh ./build.ps1 Build' in '$PSScriptRoot'."
    }
}

# .NET loads one Streamsend.PowerShell per process: a second copy of the module cannot load beside the first.
$loadedElsewhere = [AppDomain]::CurrentDomain.GetAssemblies() |
    Where-Object { $_.GetName().Name -eq 'Streamsend.PowerShell' -and $_.Location -and $_.Location -ne $cmdletAssemblyPath } |
    Select-Object -First 1
if ($loadedElsewhere) {
    throw "Streamsend is already loaded in this session from '$(Split-Path -Parent $loadedElsewhere.Location)'; start a new session to use the copy in '$PSScriptRoot'."
}

$null = [System.Reflection.Assembly]::LoadFrom($cmdletAssemblyPath)
# Before any engine type is touched: from here on the engine and its dependencies resolve from lib/.
if ($PSEdition -eq 'Core') {
    $null = [Streamsend.PowerShell.Loading.DependencyLoadContext]::Register($libDirectory)
}
else {
    [Streamsend.PowerShell.Loading.DependencyResolver]::Register($libDirectory)
}

# By path, not -Assembly: the nested module is then named Streamsend.PowerShell with its base in bin/<tfm>, where
# PowerShell finds the MAML help (en-US/Streamsend.PowerShell.dll-Help.xml). The assembly is the one loaded above.
Import-Module -Name $cmdletAssemblyPath
Export-ModuleMember -Cmdlet *
