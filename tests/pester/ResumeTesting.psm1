# Drives Send-StreamFile in a child pwsh for the resume tests: run it, or kill it with SIGKILL once its resume state
# shows a given share of the file acknowledged, and read the SentFile objects it printed.

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'ChildProcess.psm1')

function Start-SendProcess {
    <#
    .SYNOPSIS
    Starts `Send-StreamFile <-Parameters>` in a child pwsh that prints one 'SENT <json>' line per SentFile.
    .EXAMPLE
    $child = Start-SendProcess -Parameters "-LiteralPath '$file' -BootstrapServers '$servers' -Topic '$topic'" -OutputPath $log -Environment @{ XDG_DATA_HOME = $state }
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Parameters, [Parameter(Mandatory)][string]$OutputPath, [hashtable]$Environment = @{})
    $script = "Import-Module ./Streamsend.psd1; Send-StreamFile $Parameters | ForEach-Object { 'SENT ' + (`$_ | Select-Object RelativePath, Length, Md5, TransferId, ResumedBytes, SentBytes, Attempt | ConvertTo-Json -Compress) }"
    Start-PwshProcess -Script $script -OutputPath $OutputPath -Environment $Environment
}

function Stop-SendAtAcknowledged {
    <#
    .SYNOPSIS
    Kills a Start-SendProcess child with SIGKILL as soon as the resume state in -ResumeFolder shows at least -Bytes
    acknowledged; returns that state (transferId, acknowledgedBytes, ...) and the lines the child printed.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Child, [Parameter(Mandatory)][string]$ResumeFolder, [Parameter(Mandatory)][long]$Bytes, [int]$TimeoutSeconds = 120)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $state = Read-ResumeState -ResumeFolder $ResumeFolder
        if ($state -and $state.acknowledgedBytes -ge $Bytes) {
            $output = Wait-PwshProcess $Child -Kill
            # Read again after the kill: the child may have saved once more in between.
            return [pscustomobject]@{ State = (Read-ResumeState -ResumeFolder $ResumeFolder); Output = $output }
        }
        if ($Child.Process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            $output = Wait-PwshProcess $Child -Kill
            throw "The sender never had $Bytes bytes acknowledged (last saved: $(if ($state) { $state.acknowledgedBytes } else { 'nothing' })): $($output -join [Environment]::NewLine)"
        }
        Start-Sleep -Milliseconds 50
    }
}

function Read-ResumeState {
    <# The one resume state in the folder, or $null; a state being replaced at this instant is read on the next try. #>
    param([Parameter(Mandatory)][string]$ResumeFolder)
    $files = @(Get-ChildItem -LiteralPath $ResumeFolder -Filter *.json -File -ErrorAction Ignore)
    if ($files.Count -gt 1) {
        throw "Expected one resume state in '$ResumeFolder', found $($files.Count)."
    }
    if ($files.Count -eq 0) {
        return $null
    }
    try {
        return Get-Content -LiteralPath $files[0].FullName -Raw -ErrorAction Stop | ConvertFrom-Json
    }
    catch [IO.IOException], [Management.Automation.ItemNotFoundException] {
        return $null
    }
}

function Get-SentRecord {
    <# The SentFile objects a Start-SendProcess child printed. #>
    param([Parameter(Mandatory, Position = 0)][AllowNull()][AllowEmptyCollection()][string[]]$Output)
    @($Output | Where-Object { $_ -like 'SENT *' } | ForEach-Object { $_.Substring(5) | ConvertFrom-Json })
}

function Assert-ResumedSend {
    <#
    .SYNOPSIS
    The second run's SentFile continued the transfer -Saved describes (attempt 2, same id) and sent only what it had not
    acknowledged: at most -MostSent of -Length. Prints the share it sent.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Sent, [Parameter(Mandatory)]$Saved, [Parameter(Mandatory)][long]$Length, [double]$MostSent = 0.45)
    $Sent.Attempt | Should -Be 2
    [guid]$Sent.TransferId | Should -Be ([guid]$Saved.transferId)
    $Sent.ResumedBytes | Should -Be $Saved.acknowledgedBytes
    ($Sent.ResumedBytes + $Sent.SentBytes) | Should -Be $Length
    Write-Host ("    second run sent {0:P1} of the bytes ({1:N0} of {2:N0}; {3:N0} resumed)" -f ($Sent.SentBytes / $Length), $Sent.SentBytes, $Length, $Sent.ResumedBytes)
    $Sent.SentBytes | Should -BeLessOrEqual ($MostSent * $Length)
}

Export-ModuleMember -Function Start-SendProcess, Stop-SendAtAcknowledged, Read-ResumeState, Get-SentRecord, Assert-ResumedSend
