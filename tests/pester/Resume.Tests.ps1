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

    # A receiver that lands the one file and holds an incomplete transfer far longer than the test takes.
    $script:ReceiveOne = @{ MaxFiles = 1; IncompleteTimeout = New-TimeSpan -Minutes 5; Timeout = New-TimeSpan -Minutes 4 }

    function script:New-Topic([int]$Partitions) { New-MockKafkaTopic $cluster -Prefix 'resume' -Partitions $Partitions }

    # Exactly the case's file landed in its inbox, hash-exact, and nothing is left staged.
    function script:Assert-LandedOnce($Case) {
        $relative = [IO.Path]::GetRelativePath((Join-Path $Case.Root 'outbox'), $Case.File.FullName) -replace '\\', '/'
        @(Get-ChildItem -LiteralPath $Case.Inbox -Recurse -File | Where-Object FullName -NotLike '*.streamsend*' | ForEach-Object { [IO.Path]::GetRelativePath($Case.Inbox, $_.FullName) -replace '\\', '/' }) | Should -Be @($relative)
        (Get-FileHash -LiteralPath (Join-Path $Case.Inbox $relative) -Algorithm MD5).Hash | Should -Be (Get-FileHash -LiteralPath $Case.File.FullName -Algorithm MD5).Hash
        @(Get-ChildItem (Join-Path $Case.Inbox '.streamsend/partial') -File -ErrorAction Ignore) | Should -BeNullOrEmpty
    }
}

AfterAll {
    if ($cluster) { Stop-MockKafka $cluster }
}

Describe 'A sender killed with SIGKILL at 60% and run again' {
    BeforeAll {
        # The plain command a user runs twice: its state goes to the default folder (the case's XDG_DATA_HOME).
        function script:Get-SendParameters($Case, [string]$Topic) {
            "-LiteralPath '$($Case.File.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$Topic' -MaxBytesPerSecond $Rate"
        }
    }

    It 'sends at most 45% of a 300 MB file the second time, and the receiver lands it once, hash-exact' {
        $case = New-ResumeCase -Root (Join-Path $TestDrive 'plain') -Name 'survey.tif' -Length $BigLength -Seed 12
        $topic = New-Topic -Partitions 128
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $case.Inbox -Config $MockConfig -Parameters $ReceiveOne

        $run = Invoke-KilledAndResumedSend -Case $case -Parameters (Get-SendParameters $case $topic)
        $received = Complete-ReceiverJob $receiver

        Assert-ResumedSend -Run $run -Length $BigLength
        $received.Errors | Should -BeNullOrEmpty
        $received.Files.Count | Should -Be 1
        $received.Files[0].TransferId | Should -Be ([guid]$run.Killed.State.transferId)
        Assert-LandedOnce -Case $case
        @(Get-ChildItem $case.ResumeFolder -File) | Should -BeNullOrEmpty -Because 'the state goes once the file is fully acknowledged'
    }

    It 'sends at most 45% the second time also when the receiver was killed and restarted in between' {
        $case = New-ResumeCase -Root (Join-Path $TestDrive 'receiver-killed') -Name 'survey.tif' -Length $BigLength -Seed 13
        $topic = New-Topic -Partitions 128
        $receive = "Import-Module ./Streamsend.psd1; Receive-StreamFile -BootstrapServers '$BootstrapServers' -Topic '$topic' -Destination '$($case.Inbox)' -GroupId 'killed-$topic' -MaxFiles 1 -IncompleteTimeout 00:05:00 -Timeout 00:04:00 -Config $ConfigText | ForEach-Object { 'LANDED ' + `$_.TransferId + ' ' + `$_.Md5 }"
        $firstReceiver = Start-PwshProcess -Script $receive -OutputPath $case.Log('receiver-1')
        $script:secondReceiver = $null

        $run = Invoke-KilledAndResumedSend -Case $case -Parameters (Get-SendParameters $case $topic) -Between {
            $script:landedBeforeKill = @(Wait-PwshProcess $firstReceiver -Kill | Where-Object { $_ -like 'LANDED *' })
            $script:secondReceiver = Start-PwshProcess -Script $receive -OutputPath $case.Log('receiver-2')
        }
        $receiverOutput = Wait-PwshProcess $secondReceiver -TimeoutSeconds 300

        $landedBeforeKill | Should -BeNullOrEmpty
        Assert-ResumedSend -Run $run -Length $BigLength
        @($receiverOutput | Where-Object { $_ -like 'LANDED *' }) | Should -Be "LANDED $([guid]$run.Killed.State.transferId) $($run.Sent[0].Md5)" -Because ($receiverOutput -join "`n")
        Assert-LandedOnce -Case $case
    }

    It 'starts a new transfer for a file that changed between the runs, and the receiver discards the old one' {
        $case = New-ResumeCase -Root (Join-Path $TestDrive 'changed') -Name 'survey.tif' -Length $BigLength -Seed 14
        $topic = New-Topic -Partitions 128
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $case.Inbox -Config $MockConfig -Parameters $ReceiveOne

        $run = Invoke-KilledAndResumedSend -Case $case -Parameters (Get-SendParameters $case $topic) -Between { [IO.File]::AppendAllText($case.File.FullName, "one more survey line`n") }
        $received = Complete-ReceiverJob $receiver

        $oldTransfer = ([guid]$run.Killed.State.transferId).ToString('N')
        $run.Sent.Count | Should -Be 1 -Because ($run.Output -join "`n")
        $run.Sent[0].Attempt | Should -Be 1
        $run.Sent[0].ResumedBytes | Should -Be 0
        $run.Sent[0].SentBytes | Should -Be ($BigLength + 21)
        [guid]$run.Sent[0].TransferId | Should -Not -Be ([guid]$oldTransfer)
        ($run.Output -join '') | Should -BeLike "*sent as a new transfer*$oldTransfer*" -Because 'the warning names the transfer being replaced (joined: the console may wrap it)'
        $received.Errors | Should -BeNullOrEmpty
        $received.Files.Count | Should -Be 1
        $received.Files[0].TransferId | Should -Be ([guid]$run.Sent[0].TransferId)
        $received.Warnings | Should -BeLike "Sender '*' abandoned 'survey.tif' (transfer $oldTransfer): it will not resume it (the file changed, and a changed file is sent as a new transfer). Nothing of it was landed; the * bytes received of it were discarded."
        Assert-LandedOnce -Case $case
    }
}

Describe 'A link to Kafka that comes and goes' {
    BeforeAll {
        # Receivers that outlive an outage of the whole cluster without losing their group membership.
        $script:PatientConfig = @{ 'fetch.wait.max.ms' = 10; 'session.timeout.ms' = 45000; 'heartbeat.interval.ms' = 250; 'reconnect.backoff.max.ms' = 500 }
        $script:MidLength = 60MB
    }

    It 'shows "Waiting for Kafka" in its progress while every broker is down, and the file completes and lands once when they return' {
        $case = New-ResumeCase -Root (Join-Path $TestDrive 'outage') -Name 'scan.raw' -Length $MidLength -Seed 21
        $topic = New-Topic -Partitions 16
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $case.Inbox -Config $PatientConfig -Parameters $ReceiveOne
        $sender = Start-SendProcess -WithProgress -OutputPath $case.Log('sender') -Environment $case.Environment `
            -Parameters "-LiteralPath '$($case.File.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -MaxBytesPerSecond 10MB -Config @{ 'reconnect.backoff.max.ms' = 500 }"
        $null = Wait-Acknowledged -Child $sender -ResumeFolder $case.ResumeFolder -Bytes (0.2 * $MidLength)

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
        Assert-LandedOnce -Case $case
    }

    It 'stops after -Timeout with an error that says to run it again, and the same command run again resumes and the file lands once' {
        $case = New-ResumeCase -Root (Join-Path $TestDrive 'timeout') -Name 'scan.raw' -Length $MidLength -Seed 22
        $topic = New-Topic -Partitions 16
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $case.Inbox -Config $PatientConfig -Parameters $ReceiveOne
        $send = "-LiteralPath '$($case.File.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -MaxBytesPerSecond 10MB -Timeout 00:00:05"
        $first = Start-SendProcess -Parameters $send -OutputPath $case.Log('sender-1') -Environment $case.Environment
        $null = Wait-Acknowledged -Child $first -ResumeFolder $case.ResumeFolder -Bytes (0.2 * $MidLength)

        $null = $cluster.Send('down all')
        try {
            $firstOutput = Wait-PwshProcess $first -TimeoutSeconds 90
        }
        finally {
            $null = $cluster.Send('up all')
        }
        $saved = Read-ResumeState -ResumeFolder $case.ResumeFolder
        $secondOutput = Wait-PwshProcess (Start-SendProcess -Parameters $send -OutputPath $case.Log('sender-2') -Environment $case.Environment)
        $received = Complete-ReceiverJob $receiver

        # Joined without separators: the console may wrap the error record.
        ($firstOutput -join '') | Should -Match "within -Timeout.*run the same Send-StreamFile command again to resume; $($saved.acknowledgedBytes.ToString('N0')) of 62,914,560 bytes are acknowledged"
        $saved.acknowledgedBytes | Should -BeGreaterOrEqual (0.2 * $MidLength)
        Assert-ResumedSend -Run ([pscustomobject]@{ Killed = @{ State = $saved; Output = $firstOutput }; Output = $secondOutput; Sent = @(Get-SentRecord $secondOutput) }) -Length $MidLength -MostSent 0.8
        $received.Errors | Should -BeNullOrEmpty
        $received.Warnings | Should -BeNullOrEmpty -Because 'a resumable stop sends no abort'
        $received.Files.Count | Should -Be 1
        Assert-LandedOnce -Case $case
    }
}

Describe 'A spool folder sent with -Incremental, killed and run again' {
    It 'resumes the file it was sending, then journals it, so a third run sends nothing' {
        $case = New-ResumeCase -Root (Join-Path $TestDrive 'spool') -Name 'day-1/capture.raw' -Length 60MB -Seed 23
        $topic = New-Topic -Partitions 16
        # -StatePath puts the journal and, beside it, the resume folder.
        $state = Join-Path $case.Root 'state/outbox.json'
        $case.ResumeFolder = Join-Path $case.Root 'state/resume'
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $case.Inbox -Config $MockConfig -Parameters $ReceiveOne
        $send = "'$(Join-Path $case.Root 'outbox')' -BootstrapServers '$BootstrapServers' -Topic '$topic' -Incremental -StatePath '$state' -SettleTime 00:00:00 -MaxBytesPerSecond 10MB"

        $run = Invoke-KilledAndResumedSend -Case $case -Parameters $send
        $third = Wait-PwshProcess (Start-SendProcess -Parameters $send -OutputPath $case.Log('sender-3'))
        $received = Complete-ReceiverJob $receiver

        Assert-ResumedSend -Run $run -Length 60MB
        $run.Sent[0].RelativePath | Should -Be 'day-1/capture.raw'
        Get-SentRecord $third | Should -BeNullOrEmpty -Because 'the journal lists the file as sent'
        (Get-Content -LiteralPath $state -Raw | ConvertFrom-Json).TransferId | Should -Be ([guid]$run.Killed.State.transferId).ToString()
        $received.Errors | Should -BeNullOrEmpty
        $received.Files.Count | Should -Be 1
        Assert-LandedOnce -Case $case
        @(Get-ChildItem -LiteralPath $case.ResumeFolder -File) | Should -BeNullOrEmpty
    }
}

Describe 'A receiver built before resumable transfers (commit a48301a)' {
    BeforeAll {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $script:OldModule = Install-StreamsendRelease -Commit a48301a
        Write-Host "    the a48301a module is ready after $([Math]::Round($clock.Elapsed.TotalSeconds)) s"
        function script:Start-OldReceiver($Case, [string]$Topic, [string]$Parameters) {
            Start-PwshProcess -OutputPath $Case.Log('receiver') -Script "Import-Module '$OldModule'; Receive-StreamFile -BootstrapServers '$BootstrapServers' -Topic '$Topic' -Destination '$($Case.Inbox)' -GroupId 'old-$Topic' -Config $ConfigText $Parameters | ForEach-Object { 'LANDED ' + `$_.TransferId + ' ' + `$_.Md5 }"
        }
    }

    It 'lands a resumed transfer once, hash-exact, when the rest arrives within its incomplete window' {
        $case = New-ResumeCase -Root (Join-Path $TestDrive 'old') -Name 'survey.tif' -Length 60MB -Seed 24
        $topic = New-Topic -Partitions 16
        $oldReceiver = Start-OldReceiver $case $topic '-MaxFiles 1 -Timeout 00:03:00'

        $run = Invoke-KilledAndResumedSend -Case $case -Parameters "-LiteralPath '$($case.File.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -MaxBytesPerSecond 10MB"
        $receiverOutput = Wait-PwshProcess $oldReceiver -TimeoutSeconds 240

        Assert-ResumedSend -Run $run -Length 60MB
        @($receiverOutput | Where-Object { $_ -like 'LANDED *' }) | Should -Be "LANDED $([guid]$run.Killed.State.transferId) $($run.Sent[0].Md5)" -Because ($receiverOutput -join "`n")
        Assert-LandedOnce -Case $case
    }

    It 'reports a transfer resumed after its incomplete window expired once, and lands nothing of it' {
        $case = New-ResumeCase -Root (Join-Path $TestDrive 'old-late') -Name 'survey.tif' -Length 30MB -Seed 25
        $topic = New-Topic -Partitions 16
        # A 3-second window stands for the old default of 10 minutes.
        $oldReceiver = Start-OldReceiver $case $topic '-IncompleteTimeout 00:00:03 -IdleTimeout 00:00:10 -ErrorAction Continue'

        $run = Invoke-KilledAndResumedSend -Case $case -Parameters "-LiteralPath '$($case.File.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -MaxBytesPerSecond 10MB" -Between {
            $null = Wait-OutputLine -Child $oldReceiver -Like '*was given up after no chunk arrived*'
        }
        $receiverOutput = Wait-PwshProcess $oldReceiver -TimeoutSeconds 120

        $run.Sent.Attempt | Should -Be 2
        @($receiverOutput | Where-Object { $_ -like 'LANDED *' }) | Should -BeNullOrEmpty
        # Joined without separators: the console may wrap the error record.
        $expired = [regex]::Matches(($receiverOutput -join ''), "transfer $(([guid]$run.Killed.State.transferId).ToString('N'))\) was given up")
        $expired.Count | Should -Be 1 -Because ($receiverOutput -join "`n")
        @(Get-ChildItem $case.Inbox -Recurse -File -Force -ErrorAction Ignore | Where-Object FullName -NotLike '*landed.log') | Should -BeNullOrEmpty
    }
}
