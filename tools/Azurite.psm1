# Azurite, Microsoft's Azure Storage emulator from npm (tools/azurite, pinned by its lock file), for the Azure sink's
# tests: the blob service on 127.0.0.1 with a free port, over an empty temporary folder, with an account of its own
# whose key is new each run, so a test can tell that key apart from anything else in the output.
#
#   $azure = Start-Azurite                                  # installs azurite with 'npm ci' on first use
#   New-AzuriteContainer $azure inbox
#   Receive-StreamFile ... -Destination "$($azure.Endpoint)/inbox/files" -ConnectionString $azure.ConnectionString
#   Get-AzuriteBlobList $azure inbox -Prefix files/ -IncludeUncommitted
#   Stop-Azurite $azure
#
# The helpers here sign with an account SAS (Azure's documented HMAC-SHA256), so they need no Azure SDK.

Set-StrictMode -Version 3.0

$azuriteDirectory = Join-Path $PSScriptRoot 'azurite'
Import-Module (Join-Path $PSScriptRoot 'NodeTool.psm1')

function Start-Azurite {
    <# Starts Azurite's blob service; returns Endpoint (path-style, with the account), Account, Key, ConnectionString and Sas (every permission). #>
    param([string]$Account = 'streamsendtest')
    Install-NodeTool -Directory $azuriteDirectory -Package azurite
    $directory = Join-Path ([IO.Path]::GetTempPath()) "azurite-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $directory
    $key = [Convert]::ToBase64String([Security.Cryptography.RandomNumberGenerator]::GetBytes(64))
    # --skipApiVersionCheck: the SDK may speak a newer service version than this Azurite knows; --loose: headers it
    # does not implement are ignored, not refused; no telemetry leaves the machine.
    $arguments = '--blobHost', '127.0.0.1', '--blobPort', '0', '--location', $directory, '--skipApiVersionCheck', '--loose', '--disableTelemetry'
    $server = Start-NodeServer -Directory $azuriteDirectory -Script (Join-Path $azuriteDirectory 'node_modules/azurite/dist/src/blob/main.js') `
        -Argument $arguments -Ready 'successfully listens on (http://\S+)$' -Environment @{ AZURITE_ACCOUNTS = "${Account}:$key" }
    $endpoint = "$($server.Address)/$Account"
    $azurite = [pscustomobject]@{
        Endpoint = $endpoint; Account = $Account; Key = $key; Process = $server.Process; Directory = $directory
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=$Account;AccountKey=$key;BlobEndpoint=$endpoint;"
        Sas = $null
    }
    $azurite.Sas = New-AzuriteSas $azurite -Permission 'racwdl'
    $azurite
}

function Stop-Azurite {
    param([Parameter(Mandatory)]$Server)
    $Server.Process.Kill($true)
    $null = $Server.Process.WaitForExit(10000)
    Remove-Item -LiteralPath $Server.Directory -Recurse -Force -ErrorAction Ignore
}

function New-AzuriteSas {
    <# An account SAS for the blob service (ss=b), for containers and blobs (srt=co), with the given permissions, valid for a day. #>
    param([Parameter(Mandatory)]$Server, [Parameter(Mandatory)][string]$Permission, [string]$Protocol = 'https,http')
    $version = '2021-12-02'
    $expiry = [DateTime]::UtcNow.AddDays(1).ToString('yyyy-MM-ddTHH:mm:ssZ')
    $toSign = ($Server.Account, $Permission, 'b', 'co', '', $expiry, '', $Protocol, $version, '', '') -join "`n"
    $hmac = [Security.Cryptography.HMACSHA256]::new([Convert]::FromBase64String($Server.Key))
    try { $signature = [Convert]::ToBase64String($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes($toSign))) } finally { $hmac.Dispose() }
    "sv=$version&ss=b&srt=co&sp=$Permission&se=$([Uri]::EscapeDataString($expiry))&spr=$([Uri]::EscapeDataString($Protocol))&sig=$([Uri]::EscapeDataString($signature))"
}

function Get-AzuriteUri([Parameter(Mandatory)]$Server, [string]$Container, [string]$Blob, [string]$Query) {
    $path = (@($Container) + @(if ($Blob) { $Blob.Split('/') })) | ForEach-Object { [Uri]::EscapeDataString($_) }
    "$($Server.Endpoint)/$($path -join '/')?$(if ($Query) { "$Query&" })$($Server.Sas)"
}

function New-AzuriteContainer {
    param([Parameter(Mandatory)]$Server, [Parameter(Mandatory)][string]$Container)
    $null = Invoke-WebRequest -Method Put -Uri (Get-AzuriteUri $Server $Container -Query 'restype=container') -Headers @{ 'x-ms-version' = '2021-12-02' }
}

function Get-AzuriteBlobList {
    <# The blobs under a prefix: Name and Size. -IncludeUncommitted also lists blobs that have only uncommitted blocks. #>
    param([Parameter(Mandatory)]$Server, [Parameter(Mandatory)][string]$Container, [string]$Prefix = '', [switch]$IncludeUncommitted)
    $marker = ''
    do {
        $query = "restype=container&comp=list$(if ($IncludeUncommitted) { '&include=uncommittedblobs' })&prefix=$([Uri]::EscapeDataString($Prefix))$(if ($marker) { "&marker=$([Uri]::EscapeDataString($marker))" })"
        [xml]$page = (Invoke-WebRequest -Uri (Get-AzuriteUri $Server $Container -Query $query) -Headers @{ 'x-ms-version' = '2021-12-02' }).Content
        foreach ($blob in @($page.SelectNodes('/EnumerationResults/Blobs/Blob'))) {
            [pscustomobject]@{ Name = $blob.Name; Size = [long]$blob.Properties.'Content-Length' }
        }
        $marker = $page.EnumerationResults.NextMarker
    } while ($marker)
}

function Get-AzuriteBlob {
    <# Downloads a blob; returns its MD5 (of the bytes), its Content-MD5 property (hex) and its metadata (streamsend_* names). #>
    param([Parameter(Mandatory)]$Server, [Parameter(Mandatory)][string]$Container, [Parameter(Mandatory)][string]$Blob)
    $file = Join-Path ([IO.Path]::GetTempPath()) "azurite-download-$([guid]::NewGuid().ToString('N'))"
    try {
        $response = Invoke-WebRequest -Uri (Get-AzuriteUri $Server $Container $Blob) -OutFile $file -PassThru -Headers @{ 'x-ms-version' = '2021-12-02' }
        $metadata = @{}
        foreach ($name in $response.Headers.Keys | Where-Object { $_ -like 'x-ms-meta-*' }) { $metadata[$name.Substring(10)] = "$($response.Headers[$name])" }
        [pscustomobject]@{
            Md5 = (Get-FileHash -LiteralPath $file -Algorithm MD5).Hash.ToLowerInvariant()
            ContentMd5 = [Convert]::ToHexString([Convert]::FromBase64String("$($response.Headers['Content-MD5'])")).ToLowerInvariant()
            Metadata = $metadata
        }
    }
    finally {
        Remove-Item -LiteralPath $file -ErrorAction Ignore
    }
}

Export-ModuleMember -Function Start-Azurite, Stop-Azurite, New-AzuriteSas, New-AzuriteContainer, Get-AzuriteBlobList, Get-AzuriteBlob
