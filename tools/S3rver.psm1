# A real S3-protocol server on loopback for the S3 sink's tests: s3rver from npm (tools/s3rver), run by
# tools/s3rver/server.js, which adds the ListMultipartUploads and AbortMultipartUpload calls s3rver lacks.
#
#   $s3 = Start-S3rver -Bucket inbox          # installs s3rver with 'npm ci' on first use
#   Receive-StreamFile ... -Destination s3://inbox/files -EndpointUrl $s3.Endpoint
#   Get-S3rverObject $s3 inbox files/a.txt -OutFile a.txt
#   Stop-S3rver $s3
#
# s3rver accepts the access key S3RVER with the secret S3RVER; reads made here are anonymous, which it allows.

Set-StrictMode -Version 3.0

$s3rverDirectory = Join-Path $PSScriptRoot 's3rver'
Import-Module (Join-Path $PSScriptRoot 'NodeTool.psm1')

function Install-S3rver {
    <# Installs s3rver from the lock file, unless an earlier run did. #>
    Install-NodeTool -Directory $s3rverDirectory -Package s3rver
}

function Start-S3rver {
    <# Starts s3rver on 127.0.0.1 with a free port and an empty temporary directory, with the given buckets. #>
    param([string[]]$Bucket = @())
    Install-S3rver
    $directory = Join-Path ([IO.Path]::GetTempPath()) "s3rver-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $directory
    $arguments = @('--port', '0', '--directory', $directory) + @(foreach ($name in $Bucket) { '--bucket'; $name })
    $server = Start-NodeServer -Directory $s3rverDirectory -Script (Join-Path $s3rverDirectory 'server.js') -Argument $arguments -Ready '^listening (http://\S+)$'
    [pscustomobject]@{ Endpoint = $server.Address; Directory = $directory; Process = $server.Process }
}

function Stop-S3rver {
    param([Parameter(Mandatory)]$Server)
    # Closing its stdin is how server.js is told to stop, on every platform.
    $Server.Process.StandardInput.Close()
    if (-not $Server.Process.WaitForExit(10000)) {
        $Server.Process.Kill($true)
    }
    Remove-Item -LiteralPath $Server.Directory -Recurse -Force -ErrorAction Ignore
}

function Get-S3rverUri([Parameter(Mandatory)]$Server, [string]$Bucket, [string]$Key, [string]$Query) {
    $path = (@($Bucket) + @(if ($Key) { $Key.Split('/') })) | ForEach-Object { [Uri]::EscapeDataString($_) }
    "$($Server.Endpoint)/$($path -join '/')$(if ($Query) { "?$Query" })"
}

function Get-S3rverObject {
    <# Downloads an object; returns its response headers (metadata as x-amz-meta-*). #>
    param([Parameter(Mandatory)]$Server, [Parameter(Mandatory)][string]$Bucket, [Parameter(Mandatory)][string]$Key, [Parameter(Mandatory)][string]$OutFile)
    $response = Invoke-WebRequest -Uri (Get-S3rverUri $Server $Bucket $Key) -OutFile $OutFile -PassThru
    $response.Headers
}

function Get-S3rverObjectList {
    <# Every key under a prefix, with its size. #>
    param([Parameter(Mandatory)]$Server, [Parameter(Mandatory)][string]$Bucket, [string]$Prefix = '')
    $token = $null
    do {
        $query = "list-type=2&prefix=$([Uri]::EscapeDataString($Prefix))$(if ($token) { "&continuation-token=$([Uri]::EscapeDataString($token))" })"
        [xml]$page = (Invoke-WebRequest -Uri (Get-S3rverUri $Server $Bucket -Query $query)).Content
        foreach ($content in @($page.ListBucketResult.GetElementsByTagName('Contents'))) {
            [pscustomobject]@{ Key = $content.Key; Size = [long]$content.Size }
        }
        $token = if ($page.ListBucketResult.IsTruncated -eq 'true') { $page.ListBucketResult.NextContinuationToken } else { $null }
    } while ($token)
}

function Get-S3rverMultipartUpload {
    <# The multipart uploads open in a bucket (none means no orphaned parts). #>
    param([Parameter(Mandatory)]$Server, [Parameter(Mandatory)][string]$Bucket)
    [xml]$list = (Invoke-WebRequest -Uri (Get-S3rverUri $Server $Bucket -Query 'uploads')).Content
    foreach ($upload in @($list.ListMultipartUploadsResult.GetElementsByTagName('Upload'))) {
        [pscustomobject]@{ Key = $upload.Key; UploadId = $upload.UploadId }
    }
}

Export-ModuleMember -Function Install-S3rver, Start-S3rver, Stop-S3rver, Get-S3rverObject, Get-S3rverObjectList, Get-S3rverMultipartUpload
