# Real files to send in tests, the demo and benchmarks, and exact comparison of what arrived.

Set-StrictMode -Version 3.0

function New-RandomFile {
    <#
    .SYNOPSIS
    Writes a file of -Length random bytes (parent folders created) and returns it.
    .EXAMPLE
    New-RandomFile -Path $TestDrive/big.bin -Length 64MB
    #>
    [CmdletBinding()]
    [OutputType([IO.FileInfo])]
    param(
        [Parameter(Mandatory, Position = 0)][string]$Path,
        [Parameter(Mandatory, Position = 1)][ValidateRange(0, [long]::MaxValue)][long]$Length,
        # Same seed, same bytes: for tests that must reproduce a content.
        [Nullable[int]]$Seed
    )
    $fullPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
    $null = [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($fullPath))
    $random = if ($null -ne $Seed) { [Random]::new($Seed) } else { [Random]::Shared }
    $buffer = [byte[]]::new([Math]::Min($Length, 1MB))
    $stream = [IO.File]::Create($fullPath)
    try {
        for ($written = 0L; $written -lt $Length; $written += $count) {
            $count = [int][Math]::Min($buffer.Length, $Length - $written)
            $random.NextBytes($buffer)
            $stream.Write($buffer, 0, $count)
        }
    }
    finally {
        $stream.Dispose()
    }
    return [IO.FileInfo]::new($fullPath)
}

function New-TestTree {
    <#
    .SYNOPSIS
    Creates a directory tree to send and returns its files.
    .DESCRIPTION
    -Files maps a relative path ('/' separated) to its content: a string is written as UTF-8 text, a number is
    that many random bytes. Without -Files, the sample tree: text, random binary, an empty file, a nested folder
    and a non-ASCII name.
    .EXAMPLE
    New-TestTree -Path $TestDrive/outbox -Files @{ 'a.txt' = 'hello'; 'sub/b.bin' = 3MB; 'empty.dat' = 0 }
    #>
    [CmdletBinding()]
    [OutputType([IO.FileInfo])]
    param(
        [Parameter(Mandatory, Position = 0)][string]$Path,
        [System.Collections.IDictionary]$Files = [ordered]@{
            'readme.txt'                   = "Streamsend sample tree.`nThe same bytes must arrive on the other side.`n"
            'data/random.bin'              = 3MB + 17
            'data/empty.dat'               = 0
            'data/nested/deeper/notes.md'  = "# Notes`n`n- nested two levels down`n"
            'unicode/Grüße-日本語-файл.txt' = "Non-ASCII names survive: Grüße, 日本語, файл.`n"
        }
    )
    $root = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
    $null = [IO.Directory]::CreateDirectory($root)
    foreach ($relativePath in $Files.Keys) {
        $filePath = Join-Path $root $relativePath
        $content = $Files[$relativePath]
        if ($content -is [string]) {
            $null = [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($filePath))
            [IO.File]::WriteAllText($filePath, $content, [Text.UTF8Encoding]::new($false))
            [IO.FileInfo]::new($filePath)
        }
        else {
            New-RandomFile -Path $filePath -Length ([long]$content)
        }
    }
}

function Get-FileTreeHash {
    <#
    .SYNOPSIS
    Every file under -Path with its '/' separated relative path, length and SHA256, sorted by relative path.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)][string]$Path)
    $root = (Resolve-Path -LiteralPath $Path).ProviderPath.TrimEnd([IO.Path]::DirectorySeparatorChar, [IO.Path]::AltDirectorySeparatorChar)
    Get-ChildItem -LiteralPath $root -Recurse -File -Force |
        # A receiver's state folder (.streamsend: staging and the landed journal) is not part of the tree.
        Where-Object { -not [IO.Path]::GetRelativePath($root, $_.FullName).StartsWith('.streamsend' + [IO.Path]::DirectorySeparatorChar) } |
        ForEach-Object {
            [pscustomobject]@{
                RelativePath = [IO.Path]::GetRelativePath($root, $_.FullName).Replace('\', '/')
                Length       = $_.Length
                Hash         = (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash
            }
        } |
        Sort-Object RelativePath -Culture ([cultureinfo]::InvariantCulture)
}

function Compare-FileTree {
    <#
    .SYNOPSIS
    One row per relative path found in either tree: both hashes and whether the file arrived intact.
    .EXAMPLE
    Compare-FileTree -Reference $outbox -Difference $inbox | Where-Object { -not $_.Match }
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Reference,
        [Parameter(Mandatory)][string]$Difference
    )
    # Ordinal: two names that differ only in case are two files.
    $source = [Collections.Generic.Dictionary[string, object]]::new([StringComparer]::Ordinal)
    Get-FileTreeHash -Path $Reference | ForEach-Object { $source[$_.RelativePath] = $_ }
    $destination = [Collections.Generic.Dictionary[string, object]]::new([StringComparer]::Ordinal)
    if (Test-Path -LiteralPath $Difference) {
        Get-FileTreeHash -Path $Difference | ForEach-Object { $destination[$_.RelativePath] = $_ }
    }
    $paths = [Collections.Generic.SortedSet[string]]::new([StringComparer]::Ordinal)
    $paths.UnionWith($source.Keys)
    $paths.UnionWith($destination.Keys)
    $paths | ForEach-Object {
        $sent = if ($source.ContainsKey($_)) { $source[$_] } else { $null }
        $received = if ($destination.ContainsKey($_)) { $destination[$_] } else { $null }
        [pscustomobject]@{
            RelativePath    = $_
            Length          = if ($sent) { $sent.Length } else { $received.Length }
            SourceHash      = if ($sent) { $sent.Hash } else { $null }
            DestinationHash = if ($received) { $received.Hash } else { $null }
            Match           = [bool]($sent -and $received -and $sent.Hash -eq $received.Hash)
        }
    }
}

Export-ModuleMember -Function New-RandomFile, New-TestTree, Get-FileTreeHash, Compare-FileTree
