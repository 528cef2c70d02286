# Issue 12, the sender: a Send-StreamFile that stopped for any reason (SIGKILL here, Kafka gone past -Timeout) and runs
# again on the same file continues the same transfer, sending only what Kafka never acknowledged, and the receiver
# lands one file. Receivers run while senders send; topics are wide enough for the mock's 5 MiB per partition.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/ChildProcess.psm1" -Force
    Import-Module "$PSScriptRoot/ResumeTesting.psm1" -Force
    Import-StreamsendModule
    $script:cluster = Start-MockKafka -Brokers 3
    $script:BootstrapServers = $cluster.BootstrapServers
    # The mock lets a new group member in only after a killed member's session expired: keep sessions short.
    $script:MockConfig = @{ 'fetch.wait.max.ms' = 10; 'session.timeout.ms' = 6000; 'heartbeat.interval.ms' = 250 }
    $script:ConfigText = "@{ 'fetch.wait.max.ms' = 10; 'session.timeout.ms' = 6000; 'heartbeat.interval.ms' = 250 }"
    # 300 MB in 950,000-byte chunks over 128 partitions: 2.5 MB per partition, 3.5 MB with the resumed attempt.
    $script:BigLength = 300MB
    $script:Rate = 20MB

    function script:New-Topic([int]$Partitions) { New-MockKafkaTopic $cluster -Prefix 'resume' -Partitions $Partitions }

    # The plain command a user runs twice; its state goes to the default folder, under XDG_DATA_HOME on Linux.
    function script:Get-SendParameters([string]$Path, [string]$Topic) {
        "-LiteralPath '$Path' -BootstrapServers '$BootstrapServers' -Topic '$Topic' -MaxBytesPerSecond $Rate"
    }
}

AfterAll {
    if ($cluster) { Stop-MockKafka $cluster }
}

Describe 'A sender killed with SIGKILL at 60% and run again' {
    It 'sends at most 45% of a 300 MB file the second time, and the receiver lands it once, hash-exact' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'outbox/survey.tif') -Length $BigLength -Seed 12
        $topic = New-Topic -Partitions 128
        $dataHome = Join-Path $TestDrive 'data-home'
        $resumeFolder = Join-Path $dataHome 'Streamsend/resume'
        $inbox = Join-Path $TestDrive 'inbox'
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $inbox -Config $MockConfig `
            -Parameters @{ MaxFiles = 1; IncompleteTimeout = New-TimeSpan -Minutes 5; Timeout = New-TimeSpan -Minutes 4 }
        $send = Get-SendParameters -Path $file.FullName -Topic $topic
        $environment = @{ XDG_DATA_HOME = $dataHome }

        $first = Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'sender-1.log') -Environment $environment
        $killed = Stop-SendAtAcknowledged -Child $first -ResumeFolder $resumeFolder -Bytes (0.6 * $BigLength)
        $second = Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'sender-2.log') -Environment $environment
        $secondOutput = Wait-PwshProcess $second
        $received = Complete-ReceiverJob $receiver

        Get-SentRecord $killed.Output | Should -BeNullOrEmpty
        $sent = @(Get-SentRecord $secondOutput)
        $sent.Count | Should -Be 1 -Because ($secondOutput -join "`n")
        Assert-ResumedSend -Sent $sent[0] -Saved $killed.State -Length $BigLength
        $received.Errors | Should -BeNullOrEmpty
        $received.Files.Count | Should -Be 1
        $received.Files[0].TransferId | Should -Be ([guid]$killed.State.transferId)
        @(Compare-FileTree -Reference (Split-Path $file.FullName) -Difference $inbox | Where-Object Match).Count | Should -Be 1
        @(Get-ChildItem $inbox -Recurse -File | Where-Object FullName -NotLike '*.streamsend*').Count | Should -Be 1
        @(Get-ChildItem $resumeFolder -File) | Should -BeNullOrEmpty -Because 'the state goes once the file is fully acknowledged'
    }

    It 'sends at most 45% the second time also when the receiver was killed and restarted in between' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'outbox-2/survey.tif') -Length $BigLength -Seed 13
        $topic = New-Topic -Partitions 128
        $dataHome = Join-Path $TestDrive 'data-home-2'
        $resumeFolder = Join-Path $dataHome 'Streamsend/resume'
        $inbox = Join-Path $TestDrive 'inbox-2'
        $receive = "Import-Module ./Streamsend.psd1; Receive-StreamFile -BootstrapServers '$BootstrapServers' -Topic '$topic' -Destination '$inbox' -GroupId 'killed-$topic' -MaxFiles 1 -IncompleteTimeout 00:05:00 -Timeout 00:04:00 -Config $ConfigText | ForEach-Object { 'LANDED ' + `$_.TransferId + ' ' + `$_.Md5 }"
        $firstReceiver = Start-PwshProcess -Script $receive -OutputPath (Join-Path $TestDrive 'receiver-1.log')
        $send = Get-SendParameters -Path $file.FullName -Topic $topic
        $environment = @{ XDG_DATA_HOME = $dataHome }

        $first = Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'sender-1b.log') -Environment $environment
        $killed = Stop-SendAtAcknowledged -Child $first -ResumeFolder $resumeFolder -Bytes (0.6 * $BigLength)
        $landedBeforeKill = @(Wait-PwshProcess $firstReceiver -Kill | Where-Object { $_ -like 'LANDED *' })
        $secondReceiver = Start-PwshProcess -Script $receive -OutputPath (Join-Path $TestDrive 'receiver-2.log')
        $second = Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'sender-2b.log') -Environment $environment
        $secondOutput = Wait-PwshProcess $second
        $receiverOutput = Wait-PwshProcess $secondReceiver -TimeoutSeconds 300

        $landedBeforeKill | Should -BeNullOrEmpty
        $sent = @(Get-SentRecord $secondOutput)
        $sent.Count | Should -Be 1 -Because ($secondOutput -join "`n")
        Assert-ResumedSend -Sent $sent[0] -Saved $killed.State -Length $BigLength
        $landed = @($receiverOutput | Where-Object { $_ -like 'LANDED *' })
        $landed.Count | Should -Be 1 -Because ($receiverOutput -join "`n")
        $landed[0] | Should -Be "LANDED $([guid]$killed.State.transferId) $($sent[0].Md5)"
        $sent[0].Md5 | Should -Be (Get-FileHash -LiteralPath $file.FullName -Algorithm MD5).Hash.ToLowerInvariant()
        (Get-FileHash -LiteralPath (Join-Path $inbox 'survey.tif') -Algorithm MD5).Hash | Should -Be (Get-FileHash -LiteralPath $file.FullName -Algorithm MD5).Hash
        @(Get-ChildItem (Join-Path $inbox '.streamsend/partial') -File -ErrorAction Ignore) | Should -BeNullOrEmpty
    }

    It 'starts a new transfer for a file that changed between the runs, and the receiver discards the old one' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'outbox-3/survey.tif') -Length $BigLength -Seed 14
        $topic = New-Topic -Partitions 128
        $dataHome = Join-Path $TestDrive 'data-home-3'
        $resumeFolder = Join-Path $dataHome 'Streamsend/resume'
        $inbox = Join-Path $TestDrive 'inbox-3'
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $inbox -Config $MockConfig `
            -Parameters @{ MaxFiles = 1; IncompleteTimeout = New-TimeSpan -Minutes 5; Timeout = New-TimeSpan -Minutes 4 }
        $send = Get-SendParameters -Path $file.FullName -Topic $topic
        $environment = @{ XDG_DATA_HOME = $dataHome }

        $first = Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'sender-1c.log') -Environment $environment
        $killed = Stop-SendAtAcknowledged -Child $first -ResumeFolder $resumeFolder -Bytes (0.6 * $BigLength)
        [IO.File]::AppendAllText($file.FullName, "one more survey line`n")
        $second = Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'sender-2c.log') -Environment $environment
        $secondOutput = Wait-PwshProcess $second
        $received = Complete-ReceiverJob $receiver

        $sent = @(Get-SentRecord $secondOutput)
        $sent.Count | Should -Be 1 -Because ($secondOutput -join "`n")
        $sent[0].Attempt | Should -Be 1
        $sent[0].ResumedBytes | Should -Be 0
        $sent[0].SentBytes | Should -Be ($BigLength + 21)
        [guid]$sent[0].TransferId | Should -Not -Be ([guid]$killed.State.transferId)
        ($secondOutput -join '') | Should -BeLike "*sent as a new transfer*$(([guid]$killed.State.transferId).ToString('N'))*" -Because 'the warning names the transfer being replaced (joined: the console may wrap it)'
        $received.Errors | Should -BeNullOrEmpty
        $received.Files.Count | Should -Be 1
        $received.Files[0].TransferId | Should -Be ([guid]$sent[0].TransferId)
        $received.Warnings | Should -Be "The sender abandoned 'survey.tif' (transfer $(([guid]$killed.State.transferId).ToString('N'))); nothing of it was landed."
        (Get-FileHash -LiteralPath (Join-Path $inbox 'survey.tif') -Algorithm MD5).Hash | Should -Be (Get-FileHash -LiteralPath $file.FullName -Algorithm MD5).Hash
        @(Get-ChildItem (Join-Path $inbox '.streamsend/partial') -File -ErrorAction Ignore) | Should -BeNullOrEmpty -Because 'the old transfer was discarded'
    }
}

Describe 'A link to Kafka that comes and goes' {
    BeforeAll {
        # Receivers that outlive an outage of the whole cluster without losing their group membership.
        $script:PatientConfig = @{ 'fetch.wait.max.ms' = 10; 'session.timeout.ms' = 45000; 'heartbeat.interval.ms' = 250; 'reconnect.backoff.max.ms' = 500 }
        $script:MidLength = 60MB
    }

    It 'shows "Waiting for Kafka" in its progress while every broker is down, and the file completes and lands once when they return' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'outage/outbox/scan.raw') -Length $MidLength -Seed 21
        $topic = New-Topic -Partitions 16
        $dataHome = Join-Path $TestDrive 'outage/data-home'
        $inbox = Join-Path $TestDrive 'outage/inbox'
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $inbox -Config $PatientConfig `
            -Parameters @{ MaxFiles = 1; IncompleteTimeout = New-TimeSpan -Minutes 5; Timeout = New-TimeSpan -Minutes 3 }
        $sender = Start-SendProcess -WithProgress -OutputPath (Join-Path $TestDrive 'outage/sender.log') -Environment @{ XDG_DATA_HOME = $dataHome } `
            -Parameters "-LiteralPath '$($file.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -MaxBytesPerSecond 10MB -Config @{ 'reconnect.backoff.max.ms' = 500 }"
        $null = Wait-Acknowledged -Child $sender -ResumeFolder (Join-Path $dataHome 'Streamsend/resume') -Bytes (0.2 * $MidLength)

        $null = $cluster.Send('down all')
        try {
            $waiting = Wait-OutputLine -Child $sender -Like 'PROGRESS Waiting for Kafka*' -TimeoutSeconds 30
        }
        finally {
            $null = $cluster.Send('up all')
        }
        $output = Wait-PwshProcess $sender
        $received = Complete-ReceiverJob $receiver

        Write-Host "    $waiting"
        $waiting | Should -Match '^PROGRESS Waiting for Kafka: no acknowledgement for \d+ s \((all brokers unreachable|broker \S+ unreachable)\); 0 of 1 files, '
        $afterWait = $output[([array]::IndexOf($output, $waiting) + 1)..($output.Count - 1)]
        @($afterWait | Where-Object { $_ -like 'PROGRESS 0 of 1 files*' }) | Should -Not -BeNullOrEmpty -Because 'the status clears once Kafka acknowledges again'
        $sent = @(Get-SentRecord $output)
        $sent.Count | Should -Be 1 -Because ($output -join "`n")
        $sent[0].Attempt | Should -Be 1
        $sent[0].SentBytes | Should -Be $MidLength
        $received.Errors | Should -BeNullOrEmpty
        $received.Files.Count | Should -Be 1
        (Get-FileHash -LiteralPath (Join-Path $inbox 'scan.raw') -Algorithm MD5).Hash | Should -Be (Get-FileHash -LiteralPath $file.FullName -Algorithm MD5).Hash
    }

    It 'stops after -Timeout with an error that says to run it again, and the same command run again resumes and the file lands once' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'timeout/outbox/scan.raw') -Length $MidLength -Seed 22
        $topic = New-Topic -Partitions 16
        $dataHome = Join-Path $TestDrive 'timeout/data-home'
        $resumeFolder = Join-Path $dataHome 'Streamsend/resume'
        $inbox = Join-Path $TestDrive 'timeout/inbox'
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $inbox -Config $PatientConfig `
            -Parameters @{ MaxFiles = 1; IncompleteTimeout = New-TimeSpan -Minutes 5; Timeout = New-TimeSpan -Minutes 3 }
        $send = "-LiteralPath '$($file.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -MaxBytesPerSecond 10MB -Timeout 00:00:05"
        $environment = @{ XDG_DATA_HOME = $dataHome }
        $first = Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'timeout/sender-1.log') -Environment $environment
        $null = Wait-Acknowledged -Child $first -ResumeFolder $resumeFolder -Bytes (0.2 * $MidLength)

        $null = $cluster.Send('down all')
        try {
            $firstOutput = Wait-PwshProcess $first -TimeoutSeconds 90
        }
        finally {
            $null = $cluster.Send('up all')
        }
        $saved = Read-ResumeState -ResumeFolder $resumeFolder
        $secondOutput = Wait-PwshProcess (Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'timeout/sender-2.log') -Environment $environment)
        $received = Complete-ReceiverJob $receiver

        Get-SentRecord $firstOutput | Should -BeNullOrEmpty
        # Joined without separators: the console may wrap the error record.
        ($firstOutput -join '') | Should -Match "within -Timeout.*run the same Send-StreamFile command again to resume; $($saved.acknowledgedBytes.ToString('N0')) of 62,914,560 bytes are acknowledged"
        $saved.acknowledgedBytes | Should -BeGreaterOrEqual (0.2 * $MidLength)
        $sent = @(Get-SentRecord $secondOutput)
        $sent.Count | Should -Be 1 -Because ($secondOutput -join "`n")
        Assert-ResumedSend -Sent $sent[0] -Saved $saved -Length $MidLength -MostSent 0.8
        $received.Errors | Should -BeNullOrEmpty
        $received.Warnings | Should -BeNullOrEmpty -Because 'a resumable stop sends no abort'
        $received.Files.Count | Should -Be 1
        (Get-FileHash -LiteralPath (Join-Path $inbox 'scan.raw') -Algorithm MD5).Hash | Should -Be (Get-FileHash -LiteralPath $file.FullName -Algorithm MD5).Hash
    }
}

Describe 'A spool folder sent with -Incremental, killed and run again' {
    It 'resumes the file it was sending, then journals it, so a third run sends nothing' {
        $outbox = Join-Path $TestDrive 'spool/outbox'
        $file = New-RandomFile -Path (Join-Path $outbox 'day-1/capture.raw') -Length 60MB -Seed 23
        $topic = New-Topic -Partitions 16
        $state = Join-Path $TestDrive 'spool/state/outbox.json'
        $resumeFolder = Join-Path $TestDrive 'spool/state/resume'
        $inbox = Join-Path $TestDrive 'spool/inbox'
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $inbox -Config $MockConfig `
            -Parameters @{ MaxFiles = 1; IncompleteTimeout = New-TimeSpan -Minutes 5; Timeout = New-TimeSpan -Minutes 3 }
        $send = "'$outbox' -BootstrapServers '$BootstrapServers' -Topic '$topic' -Incremental -StatePath '$state' -SettleTime 00:00:00 -MaxBytesPerSecond 10MB"

        $killed = Stop-SendAtAcknowledged -Child (Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'spool/sender-1.log')) -ResumeFolder $resumeFolder -Bytes (0.6 * 60MB)
        $second = Wait-PwshProcess (Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'spool/sender-2.log'))
        $third = Wait-PwshProcess (Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'spool/sender-3.log'))
        $received = Complete-ReceiverJob $receiver

        $sent = @(Get-SentRecord $second)
        $sent.Count | Should -Be 1 -Because ($second -join "`n")
        $sent[0].RelativePath | Should -Be 'day-1/capture.raw'
        Assert-ResumedSend -Sent $sent[0] -Saved $killed.State -Length 60MB
        Get-SentRecord $third | Should -BeNullOrEmpty -Because 'the journal lists the file as sent'
        (Get-Content -LiteralPath $state -Raw | ConvertFrom-Json).TransferId | Should -Be ([guid]$killed.State.transferId).ToString()
        $received.Errors | Should -BeNullOrEmpty
        $received.Files.Count | Should -Be 1
        (Get-FileHash -LiteralPath (Join-Path $inbox 'day-1/capture.raw') -Algorithm MD5).Hash | Should -Be (Get-FileHash -LiteralPath $file.FullName -Algorithm MD5).Hash
        @(Get-ChildItem -LiteralPath $resumeFolder -File) | Should -BeNullOrEmpty
    }
}

Describe 'A receiver built before resumable transfers (commit a48301a)' {
    BeforeAll {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $script:OldModule = Install-StreamsendRelease -Commit a48301a
        Write-Host "    the a48301a module is ready after $([Math]::Round($clock.Elapsed.TotalSeconds)) s"
    }

    It 'lands a resumed transfer once, hash-exact, when the rest arrives within its incomplete window' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'old/outbox/survey.tif') -Length 60MB -Seed 24
        $topic = New-Topic -Partitions 16
        $dataHome = Join-Path $TestDrive 'old/data-home'
        $resumeFolder = Join-Path $dataHome 'Streamsend/resume'
        $inbox = Join-Path $TestDrive 'old/inbox'
        $receive = "Import-Module '$OldModule'; Receive-StreamFile -BootstrapServers '$BootstrapServers' -Topic '$topic' -Destination '$inbox' -GroupId 'old-$topic' -MaxFiles 1 -Timeout 00:03:00 -Config $ConfigText | ForEach-Object { 'LANDED ' + `$_.TransferId + ' ' + `$_.Md5 }"
        $oldReceiver = Start-PwshProcess -Script $receive -OutputPath (Join-Path $TestDrive 'old/receiver.log')
        $send = "-LiteralPath '$($file.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -MaxBytesPerSecond 10MB"
        $environment = @{ XDG_DATA_HOME = $dataHome }

        $killed = Stop-SendAtAcknowledged -Child (Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'old/sender-1.log') -Environment $environment) -ResumeFolder $resumeFolder -Bytes (0.6 * 60MB)
        $second = Wait-PwshProcess (Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'old/sender-2.log') -Environment $environment)
        $receiverOutput = Wait-PwshProcess $oldReceiver -TimeoutSeconds 240

        $sent = @(Get-SentRecord $second)
        $sent.Count | Should -Be 1 -Because ($second -join "`n")
        Assert-ResumedSend -Sent $sent[0] -Saved $killed.State -Length 60MB
        @($receiverOutput | Where-Object { $_ -like 'LANDED *' }) | Should -Be "LANDED $([guid]$killed.State.transferId) $($sent[0].Md5)" -Because ($receiverOutput -join "`n")
        (Get-FileHash -LiteralPath (Join-Path $inbox 'survey.tif') -Algorithm MD5).Hash | Should -Be (Get-FileHash -LiteralPath $file.FullName -Algorithm MD5).Hash
    }

    It 'reports a transfer resumed after its incomplete window expired once, and lands nothing of it' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'old-late/outbox/survey.tif') -Length 30MB -Seed 25
        $topic = New-Topic -Partitions 16
        $dataHome = Join-Path $TestDrive 'old-late/data-home'
        $resumeFolder = Join-Path $dataHome 'Streamsend/resume'
        $inbox = Join-Path $TestDrive 'old-late/inbox'
        # A 3-second window stands for the old default of 10 minutes.
        $receive = "Import-Module '$OldModule'; Receive-StreamFile -BootstrapServers '$BootstrapServers' -Topic '$topic' -Destination '$inbox' -GroupId 'old-late-$topic' -IncompleteTimeout 00:00:03 -IdleTimeout 00:00:10 -Config $ConfigText -ErrorAction Continue | ForEach-Object { 'LANDED ' + `$_.TransferId }"
        $oldReceiver = Start-PwshProcess -Script $receive -OutputPath (Join-Path $TestDrive 'old-late/receiver.log')
        $send = "-LiteralPath '$($file.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -MaxBytesPerSecond 10MB"
        $environment = @{ XDG_DATA_HOME = $dataHome }

        $killed = Stop-SendAtAcknowledged -Child (Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'old-late/sender-1.log') -Environment $environment) -ResumeFolder $resumeFolder -Bytes (0.6 * 30MB)
        $null = Wait-OutputLine -Child $oldReceiver -Like '*was given up after no chunk arrived*'
        $second = Wait-PwshProcess (Start-SendProcess -Parameters $send -OutputPath (Join-Path $TestDrive 'old-late/sender-2.log') -Environment $environment)
        $receiverOutput = Wait-PwshProcess $oldReceiver -TimeoutSeconds 120

        @(Get-SentRecord $second).Attempt | Should -Be 2
        @($receiverOutput | Where-Object { $_ -like 'LANDED *' }) | Should -BeNullOrEmpty
        # Joined without separators: the console may wrap the error record.
        $expired = [regex]::Matches(($receiverOutput -join ''), "transfer $(([guid]$killed.State.transferId).ToString('N'))\) was given up")
        $expired.Count | Should -Be 1 -Because ($receiverOutput -join "`n")
        @(Get-ChildItem $inbox -Recurse -File -Force -ErrorAction Ignore | Where-Object FullName -NotLike '*landed.log') | Should -BeNullOrEmpty
    }
}
