# Receive-StreamFile into an S3 bucket (s3://bucket/prefix) over a real S3-protocol server on loopback (s3rver), with
# the receiver running while the sender sends. Every object is read back and hashed; no test may leave a multipart
# upload open.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    # s3rver runs on Node.js: without it (a Windows machine without Node.js) these tests are skipped, saying why.
    $script:NodeMissing = Get-MissingToolReason node -Install 'Node.js 18 or later with npm'
    if ($NodeMissing) { Write-Host "Skipping the S3 tests: $NodeMissing" -ForegroundColor Yellow }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    # Discovery's variables do not reach the run: ask again (the tests themselves are skipped by then).
    if (Get-MissingToolReason node -Install 'Node.js 18 or later with npm') { return }
    Import-Module (Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'tools/S3rver.psm1') -Force
    Import-Module "$PSScriptRoot/ResumeTesting.psm1" -Force
    Import-StreamsendModule
    $script:cluster = Start-MockKafka -Brokers 3
    $script:BootstrapServers = $cluster.BootstrapServers
    $script:MockConfig = @{ 'fetch.wait.max.ms' = 10 }
    $script:ModulePath = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'Streamsend.psd1'
    $script:s3 = Start-S3rver -Bucket 'inbox'
    $script:Endpoint = $s3.Endpoint
    # s3rver's built-in account; the SDK's default chain reads them from the environment, as it would in production.
    $script:savedCredentials = $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY
    $env:AWS_ACCESS_KEY_ID = 'S3RVER'
    $env:AWS_SECRET_ACCESS_KEY = 'S3RVER'

    function script:New-Topic([int]$Partitions) { New-MockKafkaTopic $cluster -Prefix 's3' -Partitions $Partitions }

    function script:Start-Receiver([string]$Topic, [string]$Destination, [int]$MaxFiles, [hashtable]$Parameters = @{}) {
        Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $Topic -Destination $Destination -Config $MockConfig `
            -Parameters (@{ MaxFiles = $MaxFiles; Timeout = New-TimeSpan -Minutes 4; EndpointUrl = $Endpoint } + $Parameters)
    }

    function script:Get-ObjectMd5([string]$Key) {
        $file = Join-Path $TestDrive "download-$([guid]::NewGuid().ToString('N'))"
        $headers = Get-S3rverObject $s3 inbox $Key -OutFile $file
        $md5 = (Get-FileHash -LiteralPath $file -Algorithm MD5).Hash.ToLowerInvariant()
        Remove-Item -LiteralPath $file
        [pscustomobject]@{ Md5 = $md5; Headers = $headers }
    }
}

AfterAll {
    if ($cluster) { Stop-MockKafka $cluster }
    if ($s3) { Stop-S3rver $s3 }
    $env:AWS_ACCESS_KEY_ID, $env:AWS_SECRET_ACCESS_KEY = $savedCredentials
}

Describe 'Receive-StreamFile -Destination s3://' -Skip:([bool]$NodeMissing) {
    AfterEach {
        @(Get-S3rverMultipartUpload $s3 inbox) | Should -BeNullOrEmpty -Because 'no test may leave a multipart upload open'
    }

    It 'streams a 60 MB file whose chunks arrive out of order over 32 partitions into a multipart upload, hash-exact' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'big/video.mp4') -Length 60MB -Seed 60
        $topic = New-Topic -Partitions 32
        $receiver = Start-Receiver -Topic $topic -Destination 's3://inbox/big' -MaxFiles 1

        $clock = [Diagnostics.Stopwatch]::StartNew()
        $sent = Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $BootstrapServers -Topic $topic -Config $MockConfig
        $result = Complete-ReceiverJob $receiver
        Write-Host "    60 MB sent and landed in S3 in $([Math]::Round($clock.Elapsed.TotalSeconds, 1)) s"

        $result.Errors | Should -BeNullOrEmpty
        $result.Files.Count | Should -Be 1
        $landed = $result.Files[0]
        $landed.FullName | Should -Be 's3://inbox/big/video.mp4'
        $landed.Length | Should -Be 60MB
        $landed.Md5 | Should -Be $sent.Md5
        $landed.ETag | Should -Not -BeNullOrEmpty
        $object = Get-ObjectMd5 'big/video.mp4'
        $object.Md5 | Should -Be (Get-FileHash -LiteralPath $file.FullName -Algorithm MD5).Hash.ToLowerInvariant()
        "$($object.Headers['x-amz-meta-streamsend-md5'])" | Should -Be $sent.Md5
        "$($object.Headers['x-amz-meta-streamsend-transfer'])" | Should -Be $sent.TransferId.ToString('N')
        "$($object.Headers['x-amz-meta-streamsend-path'])" | Should -Be 'video.mp4'
        "$($object.Headers['x-amz-meta-streamsend-mtime'])" | Should -Not -BeNullOrEmpty
        @(Get-S3rverObjectList $s3 inbox -Prefix 'big/').Key | Should -Be @('big/video.mp4') -Because 'the staged upload is gone once the file landed'
    }

    It 'lands a tree of small files, each with a single PUT, under the prefix at their relative paths' {
        $outbox = Join-Path $TestDrive 'tree/outbox'
        $random = [Random]::new(300)
        $files = [ordered]@{ 'empty.bin' = 0; 'ünïcødé/日本語 ファイル.txt' = 'Grüße'; 'with spaces/a file.txt' = 'spaces' }
        for ($i = 0; $i -lt 120; $i++) {
            $files["d$($i % 6)/sub$($i % 4)/file-$i.bin"] = $random.Next(1, 300KB)
        }
        $null = New-TestTree -Path $outbox -Files $files
        $topic = New-Topic -Partitions 8
        $receiver = Start-Receiver -Topic $topic -Destination 's3://inbox/tree/2026' -MaxFiles $files.Count

        $sent = Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -ChunkSize 64KB -Config $MockConfig -ThrottleLimit 8
        $result = Complete-ReceiverJob $receiver

        $result.Errors | Should -BeNullOrEmpty
        $result.Files.Count | Should -Be $files.Count
        $keys = @(Get-S3rverObjectList $s3 inbox -Prefix 'tree/2026/')
        $keys.Count | Should -Be $files.Count
        foreach ($one in $sent) {
            $key = "tree/2026/$($one.RelativePath)"
            (Get-ObjectMd5 $key).Md5 | Should -Be $one.Md5 -Because $key
            ($result.Files | Where-Object RelativePath -EQ $one.RelativePath).FullName | Should -Be "s3://inbox/$key"
        }
    }

    It 'lands each file exactly once when a receiver is killed mid-upload and started again, and leaves no upload open' {
        $outbox = Join-Path $TestDrive 'killed/outbox'
        $names = 0..9 | ForEach-Object { "part-$_.bin" }
        foreach ($name in $names) { $null = New-RandomFile -Path (Join-Path $outbox $name) -Length 12MB -Seed ($names.IndexOf($name) + 1) }
        $topic = New-Topic -Partitions 64
        # The mock cluster keeps at most 5 MiB per partition and deletes the oldest message sets beyond that, as retention
        # would (librdkafka src/rdkafka_mock.c, rd_kafka_mock_msgset_new: "Remove old msgsets until within limits",
        # max_size = 5 MiB). All files are sent before any receiver starts, so with the default 950,000-byte chunks a
        # partition that six files' chunks happen to hit (each file starts at a random partition) lost its oldest chunk
        # before anyone read it: issue 6, where a file never completed. With 256 KiB chunks a 12 MB file has 48 chunks,
        # at most one per partition, so no partition holds more than ten chunks (2.6 MB).
        $sent = Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -Config $MockConfig -ChunkSize 256KB
        $stored = Get-StreamTopicInfo -BootstrapServers $BootstrapServers -Topic $topic
        $stored.PartitionDetails | Where-Object Low -NE 0 | ForEach-Object Partition | Should -BeNullOrEmpty -Because 'every chunk must still be in the topic when the receivers start'
        $stored.RetainedMessages | Should -Be (10 * 48)

        # A separate process, so that killing it is a real crash: no cleanup, no final commit.
        $start = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $start.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        $command = "Import-Module '$ModulePath'; Receive-StreamFile -BootstrapServers '$BootstrapServers' -Topic '$topic' -Destination 's3://inbox/killed' -GroupId 'pester-$topic' -EndpointUrl '$Endpoint' -Config @{ 'fetch.wait.max.ms' = 10; 'session.timeout.ms' = 6000; 'heartbeat.interval.ms' = 250 } -Timeout (New-TimeSpan -Minutes 4) | ForEach-Object { [Console]::Out.WriteLine(`$_.RelativePath); [Console]::Out.Flush() }"
        foreach ($argument in '-NoLogo', '-NoProfile', '-NonInteractive', '-Command', $command) { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardOutput = $true
        $start.UseShellExecute = $false
        $first = [Diagnostics.Process]::Start($start)
        $firstOutput = $first.StandardOutput.ReadToEndAsync()
        $deadline = [DateTime]::UtcNow.AddMinutes(2)
        while ([DateTime]::UtcNow -lt $deadline -and -not ((@(Get-S3rverObjectList $s3 inbox -Prefix 'killed/part-').Count -ge 2) -and @(Get-S3rverMultipartUpload $s3 inbox).Count -ge 1)) {
            Start-Sleep -Milliseconds 20
        }
        # Counted just before the kill: an upload may complete in the instant between, and the kill is still mid-transfer.
        $openAtKill = @(Get-S3rverMultipartUpload $s3 inbox).Count
        $first.Kill($true)
        $first.WaitForExit()
        $landedFirst = @($firstOutput.Result -split "`r?`n" | Where-Object { $_ })

        # The mock cluster hands the dead member's partitions over only when its session times out (6 s here).
        # The killed receiver may have landed one more file than it lived to report (see below), so the restart stops on
        # the files still missing or, when one of them had in fact landed, after 20 s without a message.
        $stop = @{ IdleTimeout = New-TimeSpan -Seconds 20 }
        if ($landedFirst.Count -lt 10) { $stop.MaxFiles = 10 - $landedFirst.Count }
        $config = $MockConfig + @{ 'session.timeout.ms' = 6000; 'heartbeat.interval.ms' = 250 }
        $second = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination 's3://inbox/killed' -Config $config `
            -Parameters ($stop + @{ Timeout = New-TimeSpan -Minutes 3; EndpointUrl = $Endpoint })
        $result = Complete-ReceiverJob $second
        Write-Host "    killed with $($landedFirst.Count) landed and $openAtKill uploads open; the restart landed $($result.Files.Count)"

        $openAtKill | Should -BeGreaterThan 0 -Because 'the receiver must be killed mid-upload for this test to mean anything'
        $result.Errors | Should -BeNullOrEmpty
        # Files land up to 8 at a time beside the consume loop (the land stage), and each is reported once the loop takes
        # it back: those that landed in the instant before the kill may not have been reported by the killed receiver.
        # The restarted one finds their objects and does not land them again. So: never twice, at most 8 unreported, every object there.
        $landings = @($landedFirst) + @($result.Files.RelativePath)
        @($landings | Sort-Object -Unique).Count | Should -Be $landings.Count -Because 'no file lands twice'
        @($landings | Where-Object { $_ -notin $names }) | Should -BeNullOrEmpty
        $landings.Count | Should -BeGreaterOrEqual 2 -Because 'at most the 8 landings under way at the kill go unreported'
        foreach ($one in $sent) {
            (Get-ObjectMd5 "killed/$($one.RelativePath)").Md5 | Should -Be $one.Md5
        }
        @(Get-S3rverObjectList $s3 inbox -Prefix 'killed/').Count | Should -Be 10 -Because 'no staged object is left under killed/.streamsend'
    }

    It 'lands a 300 MB file once, hash-exact, when its sender is killed with SIGKILL at 60% and run again, which sends at most 45%' {
        $case = New-ResumeCase -Root (Join-Path $TestDrive 'resumed') -Name 'survey.tif' -Length 300MB -Seed 15
        # 128 partitions: 2.5 MB of the first attempt per partition, and the mock keeps 5 MiB.
        $topic = New-Topic -Partitions 128
        $receiver = Start-Receiver -Topic $topic -Destination 's3://inbox/resumed' -MaxFiles 1 -Parameters @{ IncompleteTimeout = New-TimeSpan -Minutes 5 }

        $run = Invoke-KilledAndResumedSend -Case $case -Parameters "-LiteralPath '$($case.File.FullName)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -MaxBytesPerSecond 20MB"
        $result = Complete-ReceiverJob $receiver

        Assert-ResumedSend -Run $run -Length 300MB
        $result.Errors | Should -BeNullOrEmpty
        $result.Files.Count | Should -Be 1
        $result.Files[0].TransferId | Should -Be ([guid]$run.Killed.State.transferId)
        $object = Get-ObjectMd5 'resumed/survey.tif'
        $object.Md5 | Should -Be (Get-FileHash -LiteralPath $case.File.FullName -Algorithm MD5).Hash.ToLowerInvariant()
        "$($object.Headers['x-amz-meta-streamsend-transfer'])" | Should -Be ([guid]$run.Killed.State.transferId).ToString('N')
        @(Get-S3rverObjectList $s3 inbox -Prefix 'resumed/').Key | Should -Be @('resumed/survey.tif')
    }

    It 'reports a bad destination URI as a terminating error before it receives anything' {
        { Receive-StreamFile -BootstrapServers $BootstrapServers -Topic 'any' -Destination 's3://No_Such_Bucket!/x' -EndpointUrl $Endpoint -MaxFiles 1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidS3Uri*'
    }
}
