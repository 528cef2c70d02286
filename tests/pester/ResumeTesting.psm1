# Drives Send-StreamFile in a child pwsh for the resume tests: run it, or kill it with SIGKILL once its resume state
# shows a given share of the file acknowledged, and read the SentFile objects it printed.

Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'ChildProcess.psm1')
Import-Module (Join-Path $PSScriptRoot '../../tools/Dotnet.psm1')
Import-Module (Join-Path $PSScriptRoot '../../tools/SampleFiles.psm1')

$repositoryRoot = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)

function New-ResumeCase {
    <#
    .SYNOPSIS
    A random file to send and the folders a resume test of it uses, under -Root: File, DataHome (given to the child
    senders as XDG_DATA_HOME, so that the default state folder, StateRoot, is the test's own), ResumeFolder (the
    default resume folder under it), Inbox, Environment and Log (a log file path per name).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Root, [Parameter(Mandatory)][string]$Name, [Parameter(Mandatory)][long]$Length, [Parameter(Mandatory)][int]$Seed)
    $dataHome = Join-Path $Root 'data-home'
    $case = [pscustomobject]@{
        File         = New-RandomFile -Path (Join-Path $Root "outbox/$Name") -Length $Length -Seed $Seed
        Length       = $Length
        DataHome     = $dataHome
        ResumeFolder = Join-Path $dataHome 'Streamsend/resume'
        Inbox        = Join-Path $Root 'inbox'
        Environment  = @{ XDG_DATA_HOME = $dataHome }
        Root         = $Root
    }
    $case | Add-Member -MemberType ScriptMethod -Name Log -Value { param([string]$Name) Join-Path $this.Root "$Name.log" }
    $case
}

function Invoke-KilledAndResumedSend {
    <#
    .SYNOPSIS
    Runs `Send-StreamFile <-Parameters>` for a New-ResumeCase in a child pwsh, kills it with SIGKILL once its resume
    state shows -Fraction of the file acknowledged, runs -Between, then runs the same command again to its end.
    Returns Killed (the state the kill left, and what the first run printed), Output (what the second run printed)
    and Sent (its SentFile records).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Case, [Parameter(Mandatory)][string]$Parameters, [double]$Fraction = 0.6, [scriptblock]$Between = {})
    $first = Start-SendProcess -Parameters $Parameters -OutputPath $Case.Log('sender-1') -Environment $Case.Environment
    $killed = Stop-SendAtAcknowledged -Child $first -ResumeFolder $Case.ResumeFolder -Bytes ($Fraction * $Case.Length)
    & $Between
    $output = Wait-PwshProcess (Start-SendProcess -Parameters $Parameters -OutputPath $Case.Log('sender-2') -Environment $Case.Environment)
    [pscustomobject]@{ Killed = $killed; Output = $output; Sent = @(Get-SentRecord $output) }
}

function Start-SendProcess {
    <#
    .SYNOPSIS
    Starts `Send-StreamFile <-Parameters>` in a child pwsh that prints one 'SENT <json>' line per SentFile.
    .DESCRIPTION
    With -WithProgress the child is interactive and runs the send in a nested [powershell], printing the status of
    every progress record it writes as a 'PROGRESS <status>' line as it comes: what a user would see.
    .EXAMPLE
    $child = Start-SendProcess -Parameters "-LiteralPath '$file' -BootstrapServers '$servers' -Topic '$topic'" -OutputPath $log -Environment @{ XDG_DATA_HOME = $state }
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Parameters, [Parameter(Mandatory)][string]$OutputPath, [hashtable]$Environment = @{}, [switch]$WithProgress)
    $send = "Send-StreamFile $Parameters | ForEach-Object { 'SENT ' + (`$_ | Select-Object RelativePath, Length, Md5, TransferId, ResumedBytes, SentBytes, Attempt | ConvertTo-Json -Compress) }"
    $module = Join-Path $repositoryRoot 'Streamsend.psd1'
    $script = if ($WithProgress) {
        @"
`$send = [powershell]::Create().AddScript('$("Import-Module '$module'; $send" -replace "'", "''")')
`$running = `$send.BeginInvoke()
`$shown = 0
while (`$true) {
    `$done = `$running.IsCompleted
    for (; `$shown -lt `$send.Streams.Progress.Count; `$shown++) { 'PROGRESS ' + `$send.Streams.Progress[`$shown].StatusDescription }
    if (`$done) { break }
    Start-Sleep -Milliseconds 50
}
`$send.EndInvoke(`$running)
`$send.Streams.Error | ForEach-Object { "ERROR `$_" }
"@
    }
    else {
        "Import-Module '$module'; $send"
    }
    Start-PwshProcess -Script $script -OutputPath $OutputPath -Environment $Environment -Interactive:$WithProgress
}

function Wait-OutputLine {
    <# Waits until a Start-PwshProcess child has printed a line -Like the pattern, and returns it; throws after -TimeoutSeconds or when the child ended without one. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Child, [Parameter(Mandatory)][string]$Like, [int]$TimeoutSeconds = 60)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $exited = $Child.Process.HasExited
        $line = @(Get-Content -LiteralPath $Child.Output -ErrorAction Ignore | Where-Object { $_ -like $Like }) | Select-Object -First 1
        if ($line) {
            return $line
        }
        if ($exited -or [DateTime]::UtcNow -gt $deadline) {
            throw "No line like '$Like' within $TimeoutSeconds s: $((Get-Content -LiteralPath $Child.Output -ErrorAction Ignore) -join [Environment]::NewLine)"
        }
        Start-Sleep -Milliseconds 100
    }
}

function Wait-Acknowledged {
    <#
    .SYNOPSIS
    Waits until the resume state in -ResumeFolder shows at least -Bytes acknowledged by a Start-SendProcess child, and
    returns that state (transferId, acknowledgedBytes, ...); throws when the child ends first or after -TimeoutSeconds.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Child, [Parameter(Mandatory)][string]$ResumeFolder, [Parameter(Mandatory)][long]$Bytes, [int]$TimeoutSeconds = 120)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $state = Read-ResumeState -ResumeFolder $ResumeFolder
        if ($state -and $state.acknowledgedBytes -ge $Bytes) {
            return $state
        }
        if ($Child.Process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
            $output = Wait-PwshProcess $Child -Kill
            throw "The sender never had $Bytes bytes acknowledged (last saved: $(if ($state) { $state.acknowledgedBytes } else { 'nothing' })): $($output -join [Environment]::NewLine)"
        }
        Start-Sleep -Milliseconds 50
    }
}

function Stop-SendAtAcknowledged {
    <#
    .SYNOPSIS
    Kills a Start-SendProcess child with SIGKILL as soon as its resume state shows at least -Bytes acknowledged;
    returns the state it left (State) and the lines it printed (Output).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Child, [Parameter(Mandatory)][string]$ResumeFolder, [Parameter(Mandatory)][long]$Bytes, [int]$TimeoutSeconds = 120)
    $null = Wait-Acknowledged -Child $Child -ResumeFolder $ResumeFolder -Bytes $Bytes -TimeoutSeconds $TimeoutSeconds
    $output = Wait-PwshProcess $Child -Kill
    # Read after the kill: the child may have saved once more in between.
    [pscustomobject]@{ State = (Read-ResumeState -ResumeFolder $ResumeFolder); Output = $output }
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
    The second run of an Invoke-KilledAndResumedSend printed one SentFile, which continued the transfer the kill left
    (attempt 2, same id) and sent only what had not been acknowledged: at most -MostSent of the file. Prints the share.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Run, [Parameter(Mandatory)][long]$Length, [double]$MostSent = 0.45)
    $Run.Sent.Count | Should -Be 1 -Because ($Run.Output -join "`n")
    $sent = $Run.Sent[0]
    $saved = $Run.Killed.State
    Get-SentRecord $Run.Killed.Output | Should -BeNullOrEmpty -Because 'the killed run never finished the file'
    $sent.Attempt | Should -Be 2
    [guid]$sent.TransferId | Should -Be ([guid]$saved.transferId)
    $sent.ResumedBytes | Should -Be $saved.acknowledgedBytes
    ($sent.ResumedBytes + $sent.SentBytes) | Should -Be $Length
    Write-Host ("    second run sent {0:P1} of the bytes ({1:N0} of {2:N0}; {3:N0} resumed)" -f ($sent.SentBytes / $Length), $sent.SentBytes, $Length, $sent.ResumedBytes)
    $sent.SentBytes | Should -BeLessOrEqual ($MostSent * $Length)
}

function Install-StreamsendRelease {
    <#
    .SYNOPSIS
    Builds the module as it was at an earlier commit (for PowerShell 7) and returns its manifest's path: a receiver
    "built before this change". Kept under artifacts/streamsend-<commit>, so later runs reuse it.
    .DESCRIPTION
    The commit's tree comes from `git archive`, which needs no worktree and leaves the repository as it is; the
    cmdlet project is published for net8.0 and laid out by that commit's own tools/ModuleLayout.psm1.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)][string]$Commit)
    $root = Join-Path $repositoryRoot "artifacts/streamsend-$Commit"
    $manifest = Join-Path $root 'Streamsend.psd1'
    if (Test-Path -LiteralPath (Join-Path $root 'bin/net8.0/Streamsend.PowerShell.dll')) {
        return $manifest
    }
    Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction Ignore
    $null = New-Item -ItemType Directory -Path $root
    $tar = Join-Path $root 'tree.tar'
    git -C $repositoryRoot archive --format=tar -o $tar $Commit
    if ($LASTEXITCODE -ne 0) { throw "git archive $Commit failed (exit code $LASTEXITCODE): the test needs the repository's history." }
    tar -xf $tar -C $root
    if ($LASTEXITCODE -ne 0) { throw "tar could not unpack $Commit (exit code $LASTEXITCODE)." }
    Remove-Item -LiteralPath $tar
    $publish = Join-Path $root 'artifacts/publish'
    $output = & (Get-DotnetHost) publish (Join-Path $root 'src/Streamsend.PowerShell/Streamsend.PowerShell.csproj') -c Release -f net8.0 -o $publish -nologo -v:q 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Building Streamsend at $Commit failed: $($output -join [Environment]::NewLine)" }
    Import-Module (Join-Path $root 'tools/ModuleLayout.psm1') -Force
    Sync-ModuleLayout -PublishDirectory $publish -ModuleDirectory (Join-Path $root 'bin/net8.0') -CmdletAssembly 'Streamsend.PowerShell' 6>$null | Out-Null
    return $manifest
}

Export-ModuleMember -Function New-ResumeCase, Invoke-KilledAndResumedSend, Start-SendProcess, Wait-OutputLine, Wait-Acknowledged, Stop-SendAtAcknowledged, Read-ResumeState, Get-SentRecord, Assert-ResumedSend, Install-StreamsendRelease
