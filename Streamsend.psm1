# Loads the cmdlet assembly built for this edition of PowerShell.
#
# PowerShell 7.4+ (Core): bin/net8.0/Streamsend.PowerShell.dll goes into the default load context, where PowerShell
# finds its cmdlets; the engine and every dependency in bin/net8.0/lib/ are loaded into one private
# AssemblyLoadContext (Streamsend.PowerShell.Loading.DependencyLoadContext), so other modules' versions of
# Confluent.Kafka or AWSSDK.* do not clash with ours.
# Windows PowerShell 5.1 (Desktop): bin/net472/, when a build provides it. .NET Framework has no load contexts;
# there the dependencies load beside the cmdlet assembly and a conflicting version loaded first wins.

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
    $binDirectory = Join-Path $PSScriptRoot 'bin/net472'
    $libDirectory = $null
    $cmdletAssemblyPath = Join-Path $binDirectory 'Streamsend.PowerShell.dll'
    if (-not (Test-Path -LiteralPath $cmdletAssemblyPath -PathType Leaf)) {
        throw "This build of Streamsend has no Windows PowerShell 5.1 assemblies (bin/net472). Use PowerShell 7.4 or later: 'pwsh', then Import-Module Streamsend."
    }
}

# .NET loads one Streamsend.PowerShell per process: a second copy of the module cannot load beside the first.
$loadedElsewhere = [AppDomain]::CurrentDomain.GetAssemblies() |
    Where-Object { $_.GetName().Name -eq 'Streamsend.PowerShell' -and $_.Location -and $_.Location -ne $cmdletAssemblyPath } |
    Select-Object -First 1
if ($loadedElsewhere) {
    throw "Streamsend is already loaded in this session from '$(Split-Path -Parent $loadedElsewhere.Location)'; start a new session to use the copy in '$PSScriptRoot'."
}

if ($libDirectory) {
    $null = [System.Reflection.Assembly]::LoadFrom($cmdletAssemblyPath)
    # Before any engine type is touched: from here on the engine resolves into the private context.
    $null = [Streamsend.PowerShell.Loading.DependencyLoadContext]::Register($libDirectory)
}

# By path, not -Assembly: the nested module is then named Streamsend.PowerShell with its base in bin/<tfm>, where
# PowerShell finds the MAML help (en-US/Streamsend.PowerShell.dll-Help.xml). The assembly is the one loaded above.
Import-Module -Name $cmdletAssemblyPath
Export-ModuleMember -Cmdlet *
