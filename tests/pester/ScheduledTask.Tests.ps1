# docs/examples/Send-Outbox.ps1, the scheduled-task script of docs/operations.md, run as the task runs it
# (-NoProfile -NonInteractive -File, a child process) against the mock cluster; a receiver checks what arrived.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-StreamsendModule
    $repositoryRoot = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    $script:OutboxScript = Join-Path $repositoryRoot 'docs/examples/Send-Outbox.ps1'
    $script:ModuleManifest = Join-Path $repositoryRoot 'Streamsend.psd1'
    $script:cluster = Start-MockKafka -Brokers 3
    $script:MockConfig = @{ 'fetch.wait.max.ms' = 10 }
    $script:Password = 'Task-Secret-7f3a9c'

    # As Task Scheduler starts it: a new process, no profile, no prompts; returns the exit code and the day's log.
    function script:Invoke-OutboxTask([string]$Root, [string]$Topic, [string]$CredentialPath) {
        $arguments = @((Join-Path $PSHOME 'pwsh.dll'), '-NoLogo', '-NoProfile', '-NonInteractive', '-File', $OutboxScript,
            '-Outbox', "$Root/outbox", '-ArchivePath', "$Root/archive", '-Topic', $Topic, '-BootstrapServers', $cluster.BootstrapServers,
            '-CredentialPath', $CredentialPath, '-MinimumAge', '00:00:00', '-LogPath', "$Root/logs", '-Module', $ModuleManifest)
        $printed = & (Get-Process -Id $PID).Path @arguments 2>&1
        $log = Get-ChildItem -LiteralPath "$Root/logs" -Filter 'send-outbox-*.log' | Select-Object -First 1
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Printed = @($printed); Log = @(if ($log) { Get-Content -LiteralPath $log.FullName }) }
    }
}

AfterAll {
    if ($cluster) { Stop-MockKafka $cluster }
}

Describe 'the scheduled-task script Send-Outbox.ps1' {
    It 'exits 1 naming the file that failed and leaves a file held open for the next run, which sends it and exits 0' {
        $root = Join-Path $TestDrive 'task'
        $null = New-TestTree -Path "$root/outbox" -Files ([ordered]@{ 'a.txt' = 1000; 'scans/c.bin' = 300000; 'd.txt' = 10; 'held.csv' = 5000 })
        # The archive already has a folder where d.txt would go: its move fails after Kafka acknowledged it.
        $null = New-Item -ItemType Directory -Path "$root/archive/d.txt" -Force
        $credentialPath = Join-Path $root 'kafka-credential.xml'
        [pscredential]::new('kafka-user', (ConvertTo-SecureString $Password -AsPlainText -Force)) | Export-Clixml -LiteralPath $credentialPath
        $sentTree = @(Get-FileTreeHash -Path "$root/outbox")
        $topic = New-MockKafkaTopic $cluster -Prefix 'task' -Partitions 3

        # Another program holds held.csv open for writing (and denies others): the spool check leaves it for later.
        $holder = [IO.File]::Open("$root/outbox/held.csv", 'Open', 'ReadWrite', 'None')
        try {
            $first = Invoke-OutboxTask -Root $root -Topic $topic -CredentialPath $credentialPath
        }
        finally {
            $holder.Dispose()
        }
        $first.ExitCode | Should -Be 1 -Because (($first.Log + $first.Printed -join [Environment]::NewLine) -replace '\e\[[0-9;]*[A-Za-z]', '')
        $first.Log | Should -Contain ($first.Log | Where-Object { $_ -match ' SENT +a\.txt 1000 bytes md5 [0-9a-f]{32} transfer ' })
        @($first.Log | Where-Object { $_ -match ' SENT +(a\.txt|scans/c\.bin|d\.txt) ' }).Count | Should -Be 3
        @($first.Log | Where-Object { $_ -match ' FAILED +d\.txt AfterSendFailed: .*d\.txt' }).Count | Should -Be 1
        @($first.Log | Where-Object { $_ -match ' SKIPPED +held\.csv is open for writing in another process' }).Count | Should -Be 1
        $first.Log[-1] | Should -Match ' SUMMARY +sent 3, failed 1, skipped 1, 301010 bytes in [0-9.]+ s; exit code 1$'
        Test-Path -LiteralPath "$root/outbox/held.csv" | Should -BeTrue
        Test-Path -LiteralPath "$root/outbox/d.txt" | Should -BeTrue
        Test-Path -LiteralPath "$root/archive/a.txt" | Should -BeTrue

        Remove-Item -LiteralPath "$root/archive/d.txt" -Force
        Remove-Item -LiteralPath "$root/logs" -Recurse -Force
        $second = Invoke-OutboxTask -Root $root -Topic $topic -CredentialPath $credentialPath
        $second.ExitCode | Should -Be 0 -Because (($second.Log + $second.Printed -join [Environment]::NewLine) -replace '\e\[[0-9;]*[A-Za-z]', '')
        @($second.Log | Where-Object { $_ -match ' SENT +(held\.csv|d\.txt) ' }).Count | Should -Be 2
        $second.Log[-1] | Should -Match ' SUMMARY +sent 2, failed 0, skipped 0, 5010 bytes in [0-9.]+ s; exit code 0$'
        @(Get-ChildItem -LiteralPath "$root/outbox" -Recurse -File) | Should -BeNullOrEmpty

        # Nothing the task printed or logged holds the password it sent with.
        ($first.Log + $first.Printed + $second.Log + $second.Printed) -join "`n" | Should -Not -Match ([regex]::Escape($Password))

        # d.txt went twice (its first archive move failed): the receiver lands it again, the same bytes.
        $received = @(Receive-StreamFile -BootstrapServers $cluster.BootstrapServers -Topic $topic -Destination "$root/inbox" -GroupId "pester-$topic" `
                -Config $MockConfig -MaxFiles 5 -Timeout (New-TimeSpan -Minutes 2))
        $received.Count | Should -Be 5
        $landedTree = @(Get-FileTreeHash -Path "$root/inbox")
        ($landedTree | ForEach-Object { "$($_.RelativePath) $($_.Hash)" }) | Should -Be ($sentTree | ForEach-Object { "$($_.RelativePath) $($_.Hash)" })
    }

    It 'exits 2 and says why when the run cannot start: <Case>' -ForEach @(
        @{ Case = 'the credential file is missing'; Credential = 'missing.xml'; Topic = 'files'; Pattern = ' ERROR +.*missing\.xml' }
        @{ Case = 'the topic does not exist'; Credential = 'kafka-credential.xml'; Topic = 'no-such-topic'; Pattern = ' ERROR +.*no-such-topic' }
    ) {
        $root = Join-Path $TestDrive "fails-$($Credential.Length)-$Topic"
        $null = New-TestTree -Path "$root/outbox" -Files ([ordered]@{ 'a.txt' = 100 })
        [pscredential]::new('kafka-user', (ConvertTo-SecureString $Password -AsPlainText -Force)) | Export-Clixml -LiteralPath "$root/kafka-credential.xml"
        $run = Invoke-OutboxTask -Root $root -Topic $Topic -CredentialPath "$root/$Credential"
        $run.ExitCode | Should -Be 2 -Because (($run.Log + $run.Printed -join [Environment]::NewLine) -replace '\e\[[0-9;]*[A-Za-z]', '')
        @($run.Log | Where-Object { $_ -match $Pattern }).Count | Should -Be 1
        $run.Log[-1] | Should -Match ' SUMMARY +sent 0, failed 0, skipped 0, 0 bytes in [0-9.]+ s; exit code 2$'
        Test-Path -LiteralPath "$root/outbox/a.txt" | Should -BeTrue
    }
}
