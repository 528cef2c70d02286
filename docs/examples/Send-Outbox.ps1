<#
.SYNOPSIS
Sends the complete files of an outbox folder through Kafka and archives them: a script for a scheduled task.
.DESCRIPTION
Runs unchanged under Windows PowerShell 5.1 (powershell.exe) and PowerShell 7 (pwsh.exe), on Windows, Linux and macOS.
Each run sends every file of -Outbox that is complete (older than -MinimumAge, not growing, not held open by a writer),
moves each one that Kafka acknowledged to -ArchivePath, and leaves the rest for the next run.

The Kafka credential never appears in the script or on its command line: -CredentialPath names a file written once by
Export-Clixml (on Windows it is encrypted with DPAPI, readable only by the account that wrote it on that machine), or
-SecretName names a SecretManagement secret (a PSCredential) in -SecretVault.

The log (one file a day under -LogPath) has one line for each file sent, failed or left for later, then a summary:

    2026-12-03T09:00:01Z SENT    reports/q3.pdf 48213 bytes md5 9d7041f35123f2d781411d85db6ebf8f transfer 3f2a...
    2026-12-03T09:00:01Z FAILED  scans/a.tif AfterSendFailed: 'D:\outbox\scans\a.tif' was sent, but moving it ...
    2026-12-03T09:00:01Z SKIPPED big.iso is open for writing in another process; it is sent once that process closes it
    2026-12-03T09:00:02Z SUMMARY sent 1, failed 1, skipped 1, 48213 bytes in 1.2 s; exit code 1

Exit codes (the task's "Last Run Result"):
    0  every complete file was sent and archived (or there was nothing to send)
    1  at least one file failed; the others were sent. The failed files are named in the log and stay in the outbox
    2  the run could not start or stopped: the module, the credential, the configuration or Kafka itself
.EXAMPLE
powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File D:\streamsend\Send-Outbox.ps1 -Outbox D:\outbox -ArchivePath D:\sent -Topic files -ConfigFile D:\kafka\client.properties -CredentialPath D:\streamsend\kafka-credential.xml -LogPath D:\streamsend\logs
.EXAMPLE
# Once, as the account the task runs as (runas /user:CONTOSO\svc-streamsend powershell.exe):
Get-Credential -Message 'Kafka SASL user' | Export-Clixml -Path D:\streamsend\kafka-credential.xml
#>
[CmdletBinding(DefaultParameterSetName = 'CredentialFile')]
param(
    [Parameter(Mandatory)][string]$Outbox,
    [Parameter(Mandatory)][string]$ArchivePath,
    [Parameter(Mandatory)][string]$Topic,
    # host:port[,host:port]; else bootstrap.servers from -ConfigFile or STREAMSEND_BOOTSTRAP_SERVERS.
    [string]$BootstrapServers,
    # A Java/librdkafka client.properties file (security.protocol, sasl.mechanism, ssl.*).
    [string]$ConfigFile,
    [Parameter(ParameterSetName = 'CredentialFile')][string]$CredentialPath,
    [Parameter(Mandatory, ParameterSetName = 'Secret')][string]$SecretName,
    [Parameter(ParameterSetName = 'Secret')][string]$SecretVault,
    # Files written more recently than this are left for a later run.
    [TimeSpan]$MinimumAge = (New-TimeSpan -Seconds 30),
    # The folder of the daily log files; the script's own folder\logs when not given.
    [string]$LogPath = (Join-Path $PSScriptRoot 'logs'),
    # The module to import: its name when installed, or the path of Streamsend.psd1.
    [string]$Module = 'Streamsend'
)

$ErrorActionPreference = 'Stop'
$exitAllSent = 0
$exitSomeFailed = 1
$exitRunFailed = 2

$null = New-Item -ItemType Directory -Path $LogPath -Force
$logFile = Join-Path $LogPath ('send-outbox-{0:yyyy-MM-dd}.log' -f (Get-Date))

function Write-LogLine([string]$Kind, [string]$Text) {
    $line = '{0:yyyy-MM-ddTHH:mm:ssZ} {1,-7} {2}' -f [DateTime]::UtcNow, $Kind, ($Text -replace '\s*[\r\n]+\s*', ' ')
    Add-Content -LiteralPath $logFile -Value $line -Encoding UTF8
}

function Get-RelativeName([string]$Path) {
    $root = [IO.Path]::GetFullPath($Outbox).TrimEnd('\', '/')
    $full = [IO.Path]::GetFullPath($Path)
    if ($full.StartsWith($root + [IO.Path]::DirectorySeparatorChar, [StringComparison]::OrdinalIgnoreCase)) {
        return $full.Substring($root.Length + 1).Replace('\', '/')
    }
    return $Path
}

$started = [Diagnostics.Stopwatch]::StartNew()
$sent = @()
$failed = @()
$skipped = @()
$exitCode = $exitAllSent
try {
    Import-Module $Module -ErrorAction Stop

    $send = @{ Path = $Outbox; Topic = $Topic; MinimumAge = $MinimumAge; AfterSend = 'Move'; ArchivePath = $ArchivePath }
    if ($BootstrapServers) { $send.BootstrapServers = $BootstrapServers }
    if ($ConfigFile) { $send.ConfigFile = $ConfigFile }
    if ($PSCmdlet.ParameterSetName -eq 'Secret') {
        $secret = @{ Name = $SecretName }
        if ($SecretVault) { $secret.Vault = $SecretVault }
        $send.Credential = Get-Secret @secret
    }
    elseif ($CredentialPath) {
        $send.Credential = Import-Clixml -LiteralPath $CredentialPath
    }
    if ($send.ContainsKey('Credential') -and $send.Credential -isnot [pscredential]) {
        throw "The Kafka credential must be a PSCredential (Get-Credential | Export-Clixml); '$CredentialPath$SecretName' holds a $($send.Credential.GetType().Name)."
    }

    # Per-file failures are non-terminating errors (collected); a problem that stops the run is terminating (caught).
    # The verbose stream is read for the files left for a later run, and is not printed.
    $output = Send-StreamFile @send -ErrorVariable sendErrors -ErrorAction SilentlyContinue -Verbose 4>&1
    $failed = @($sendErrors)
    foreach ($item in $output) {
        if ($item -is [Management.Automation.VerboseRecord]) {
            if ($item.Message -match "^Skipping '(?<path>.+)' for now: it (?<reason>.+)\.$") {
                $skipped += $Matches.path
                Write-LogLine 'SKIPPED' "$(Get-RelativeName $Matches.path) $($Matches.reason)"
            }
        }
        else {
            $sent += $item
            Write-LogLine 'SENT' ('{0} {1} bytes md5 {2} transfer {3}' -f $item.RelativePath, $item.Length, $item.Md5, $item.TransferId)
        }
    }
    foreach ($record in $failed) {
        $target = if ($record.TargetObject) { Get-RelativeName "$($record.TargetObject)" } else { $Outbox }
        Write-LogLine 'FAILED' ('{0} {1}: {2}' -f $target, ($record.FullyQualifiedErrorId -split ',')[0], $record.Exception.Message)
    }
    if ($failed.Count -gt 0) {
        $exitCode = $exitSomeFailed
    }
}
catch {
    $id = ($_.FullyQualifiedErrorId -split ',')[0]
    Write-LogLine 'ERROR' ('{0}: {1}' -f $id, $_.Exception.Message)
    $exitCode = $exitRunFailed
}
$bytes = ($sent | Measure-Object -Property Length -Sum).Sum
if (-not $bytes) { $bytes = 0 }
Write-LogLine 'SUMMARY' ('sent {0}, failed {1}, skipped {2}, {3} bytes in {4:0.0} s; exit code {5}' -f $sent.Count, $failed.Count, $skipped.Count, $bytes, $started.Elapsed.TotalSeconds, $exitCode)
exit $exitCode
