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
