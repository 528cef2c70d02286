# Faults caused for real: processes killed (not stopped politely) mid-transfer, and a slow cluster.
# Each asserts the exact outcome: the file set, the hashes, and nothing extra anywhere.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/ChildProcess.psm1" -Force
    Import-StreamsendModule
    $script:cluster = Start-MockKafka -Brokers 3
    $script:BootstrapServers = $cluster.BootstrapServers
    # The mock lets a new group member in only after a killed member's session expired: keep sessions short.
    $script:MockConfig = @{ 'fetch.wait.max.ms' = 10; 'session.timeout.ms' = 6000; 'heartbeat.interval.ms' = 250 }
    $script:ConfigText = "@{ 'fetch.wait.max.ms' = 10; 'session.timeout.ms' = 6000; 'heartbeat.interval.ms' = 250 }"

    function script:New-Topic([int]$Partitions = 4) { New-MockKafkaTopic $cluster -Prefix 'faults' -Partitions $Partitions }
}

AfterAll {
    if ($cluster) { Stop-MockKafka $cluster }
}

Describe 'A receiver killed mid-transfer' {
    It 'lands every file exactly once after a restart, with no partial or temporary file left' {
        $outbox = Join-Path $TestDrive 'killed-receiver/outbox'
        $inbox = Join-Path $TestDrive 'killed-receiver/inbox'
        $files = [ordered]@{}
        for ($i = 0; $i -lt 24; $i++) { $files["batch-$($i % 3)/capture-$i.raw"] = 1MB + $i * 4096 }
        $null = New-TestTree -Path $outbox -Files $files
        $topic = New-Topic -Partitions 16
        $receive = "Import-Module ./Streamsend.psd1; Receive-StreamFile -BootstrapServers '$BootstrapServers' -Topic '$topic' -Destination '$inbox' -GroupId 'killed-$topic' -IdleTimeout 00:00:15 -Config $ConfigText | ForEach-Object { 'LANDED ' + `$_.TransferId }"
        $first = Start-PwshProcess -Script $receive -OutputPath (Join-Path $TestDrive 'receiver-1.log')
        $null = $cluster.Send('rtt all 40')
        try {
            $sending = Start-ThreadJob -ArgumentList (Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'Streamsend.psd1'), $BootstrapServers, $topic, $outbox, $MockConfig -ScriptBlock {
                param($module, $servers, $topic, $outbox, $config)
                Import-Module $module
                Send-StreamFile $outbox -BootstrapServers $servers -Topic $topic -Config $config -ChunkSize 128KB -ThrottleLimit 2
            }
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            while (@(Get-Content (Join-Path $TestDrive 'receiver-1.log') -ErrorAction SilentlyContinue | Where-Object { $_ -like 'LANDED *' }).Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 100
            }
            $landedBeforeKill = @(Wait-PwshProcess $first -Kill | Where-Object { $_ -like 'LANDED *' })
        }
        finally {
            $null = $cluster.Send('rtt all 0')
        }
        $sent = Receive-Job $sending -Wait -AutoRemoveJob

        $second = Start-PwshProcess -Script $receive -OutputPath (Join-Path $TestDrive 'receiver-2.log')
        $landedAfterRestart = @(Wait-PwshProcess $second | Where-Object { $_ -like 'LANDED *' })

        $sent.Count | Should -Be 24
        $landedBeforeKill.Count | Should -BeGreaterOrEqual 3
        $landedBeforeKill.Count | Should -BeLessThan 24
        # Files land up to 8 at a time beside the consume loop, and each is reported once the loop takes it back: those that
        # landed in the instant before the kill may not have been reported by the killed receiver. The restarted one finds
        # them in the landed journal and does not land them again. So: never twice, at most 8 unreported, every file there.
        ($landedBeforeKill + $landedAfterRestart).Count | Should -BeLessOrEqual 24
        ($landedBeforeKill + $landedAfterRestart).Count | Should -BeGreaterOrEqual 16
        @($landedBeforeKill | Where-Object { $_ -in $landedAfterRestart }) | Should -BeNullOrEmpty
        (Compare-FileTree -Reference $outbox -Difference $inbox).Count | Should -Be 24
        @(Compare-FileTree -Reference $outbox -Difference $inbox | Where-Object { -not $_.Match }) | Should -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $inbox '.streamsend/partial') -File -Recurse -Force -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
    }
}

Describe 'A sender killed mid-file' {
    It 'makes the receiver report the transfer once, and nothing lands' {
        $outbox = Join-Path $TestDrive 'killed-sender/outbox'
        $inbox = Join-Path $TestDrive 'killed-sender/inbox'
        $file = New-RandomFile -Path (Join-Path $outbox 'survey.tif') -Length 60MB -Seed 4
        $topic = New-Topic -Partitions 4
        # One 64 KB chunk per request and a slow network: the file takes far longer than the wait for its first chunks.
        $null = $cluster.Send('rtt all 300')
        try {
            $sender = Start-PwshProcess -OutputPath (Join-Path $TestDrive 'sender.log') -Script "Import-Module ./Streamsend.psd1; Send-StreamFile -LiteralPath '$($file.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -ChunkSize 64KB -Config @{ 'batch.size' = 70000 } | ForEach-Object { 'SENT ' + `$_.RelativePath }"
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ((Get-StreamTopicInfo -BootstrapServers $BootstrapServers -Topic $topic).RetainedMessages -lt 10 -and [DateTime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 200
            }
            $senderOutput = Wait-PwshProcess $sender -Kill
        }
        finally {
            $null = $cluster.Send('rtt all 0')
        }

        $received = Receive-StreamFile -BootstrapServers $BootstrapServers -Topic $topic -Destination $inbox -Config $MockConfig -GroupId "expiry-$topic" `
            -IncompleteTimeout 00:00:02 -IdleTimeout 00:00:08 -ErrorVariable receiveErrors -ErrorAction SilentlyContinue

        @($senderOutput | Where-Object { $_ -like 'SENT *' }) | Should -BeNullOrEmpty
        $received | Should -BeNullOrEmpty
        $receiveErrors | ForEach-Object { Write-Host "    receiver: $($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
        # One report: expired, or lost when the receiver can tell that chunks before one it read will never come.
        @($receiveErrors | Where-Object { $_.FullyQualifiedErrorId -match '^Transfer(Expired|Lost),' -and $_.Exception.Message -like '*survey.tif*' }).Count | Should -Be 1
        @(Get-ChildItem $inbox -Recurse -File -Force | Where-Object FullName -NotLike '*landed.log') | Should -BeNullOrEmpty
    }
}

Describe 'Hostile paths' {
    It 'refuses a path that climbs out of the destination, sent by kcat, another Kafka client' {
        if ($reason = Get-MissingToolReason kcat -Install 'kcat (Debian package kcat)') { Set-ItResult -Skipped -Because $reason; return }
        $kcat = Get-Command kcat -CommandType Application | Select-Object -First 1
        $inbox = Join-Path $TestDrive 'hostile/inbox'
        $topic = New-Topic -Partitions 1
        $transfer = [guid]::NewGuid().ToString('N')
        # MD5 of the two bytes "hi".
        $headers = @(
            'streamsend.version=1', 'streamsend.kind=chunk', "streamsend.transfer=$transfer", 'streamsend.path=../../escaped.txt',
            'streamsend.sender=kcat', 'streamsend.chunk=0', 'streamsend.chunks=1', 'streamsend.offset=0', 'streamsend.size=2',
            'streamsend.mtime=2026-11-25T10:00:00Z', 'streamsend.md5=49f68a5c8493ec2c0bf489821c21fc3b'
        ) | ForEach-Object { '-H', $_ }
        'hi' | & $kcat.Source -P -b $BootstrapServers -t $topic -p 0 -k $transfer @headers
        $LASTEXITCODE | Should -Be 0

        $received = Receive-StreamFile -BootstrapServers $BootstrapServers -Topic $topic -Destination $inbox -Config $MockConfig -GroupId "hostile-$topic" -IdleTimeout 00:00:06 -ErrorVariable receiveErrors -ErrorAction SilentlyContinue

        $received | Should -BeNullOrEmpty
        $receiveErrors.Count | Should -Be 1
        $receiveErrors[0].FullyQualifiedErrorId | Should -BeLike 'UnsafeRelativePath,*'
        $receiveErrors[0].CategoryInfo.Category | Should -Be 'SecurityError'
        Test-Path (Join-Path $TestDrive 'escaped.txt') | Should -BeFalse
        Test-Path (Join-Path $TestDrive 'hostile/escaped.txt') | Should -BeFalse
    }

    It 'reads a file sent by Send-StreamFile back with kcat, headers and bytes as docs/wire-format.md says' {
        if ($reason = Get-MissingToolReason kcat -Install 'kcat (Debian package kcat)') { Set-ItResult -Skipped -Because $reason; return }
        $kcat = (Get-Command kcat -CommandType Application | Select-Object -First 1).Source
        $file = New-TestTree -Path (Join-Path $TestDrive 'kcat/outbox') -Files @{ 'note.txt' = 'plain text through Kafka' }
        $topic = New-Topic -Partitions 1
        $sent = Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $BootstrapServers -Topic $topic -PackThreshold 0

        $lines = @(& $kcat -C -b $BootstrapServers -t $topic -e -q -f '%k|%h|%s\n')

        $lines.Count | Should -Be 1
        $key, $headers, $value = $lines[0] -split '\|'
        $key | Should -Be $sent.TransferId.ToString('N')
        $value | Should -Be 'plain text through Kafka'
        $headers | Should -BeLike '*streamsend.version=1*'
        $headers | Should -BeLike '*streamsend.path=note.txt*'
        $headers | Should -BeLike "*streamsend.md5=$($sent.Md5)*"
    }
}
