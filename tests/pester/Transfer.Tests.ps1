# Send-StreamFile and Receive-StreamFile end to end over a real Kafka-protocol connection (the mock cluster),
# with the receiver running while the sender sends, as two PowerShell windows would.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-StreamsendModule
    $script:cluster = Start-MockKafka -Brokers 3
    $script:BootstrapServers = $cluster.BootstrapServers
    # The mock answers an empty fetch only after fetch.wait.max.ms; 10 ms keeps the tests quick.
    $script:MockConfig = @{ 'fetch.wait.max.ms' = 10 }

    function script:New-Topic([int]$Partitions = 4) { New-MockKafkaTopic $cluster -Prefix 'files' -Partitions $Partitions }

    # The receiver runs in its own runspace while the test sends from this one.
    function script:Start-Receiver([string]$Topic, [string]$Destination, [int]$MaxFiles) {
        Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $Topic -Destination $Destination -Config $MockConfig `
            -Parameters @{ MaxFiles = $MaxFiles; Timeout = New-TimeSpan -Minutes 4 }
    }
}

AfterAll {
    if ($cluster) { Stop-MockKafka $cluster }
}

Describe 'Send-StreamFile and Receive-StreamFile' {
    It 'keeps both when two senders send one path, lands each sender in a folder of its own with -Layout BySender, and replaces with -Overwrite' {
        foreach ($outlet in 'outlet-07', 'outlet-09') {
            $null = New-TestTree -Path (Join-Path $TestDrive "fanin/$outlet") -Files @{ 'reports/daily.csv' = "daily totals of $outlet" }
        }
        # One partition: the receivers land the two files in the order they were sent.
        $topic = New-Topic -Partitions 1
        foreach ($outlet in 'outlet-07', 'outlet-09') {
            $null = Send-StreamFile (Join-Path $TestDrive "fanin/$outlet") -BootstrapServers $BootstrapServers -Topic $topic -SenderName $outlet -Config $MockConfig
        }
        $receive = @{ BootstrapServers = $BootstrapServers; Topic = $topic; Config = $MockConfig; MaxFiles = 2; Timeout = New-TimeSpan -Minutes 2 }

        $tree = Join-Path $TestDrive 'fanin/tree'
        $null = Receive-StreamFile @receive -Destination $tree -GroupId "pester-$topic-tree" -WarningVariable warned -WarningAction SilentlyContinue
        Get-Content -LiteralPath (Join-Path $tree 'reports/daily.csv') | Should -Be 'daily totals of outlet-07'
        Get-Content -LiteralPath (Join-Path $tree 'reports/daily (from outlet-09).csv') | Should -Be 'daily totals of outlet-09'
        @($warned | Where-Object { "$_" -match "'outlet-09'.*'outlet-07'" }).Count | Should -Be 1

        $bySender = Join-Path $TestDrive 'fanin/by-sender'
        $null = Receive-StreamFile @receive -Destination $bySender -GroupId "pester-$topic-by-sender" -Layout BySender
        Get-Content -LiteralPath (Join-Path $bySender 'outlet-07/reports/daily.csv') | Should -Be 'daily totals of outlet-07'
        Get-Content -LiteralPath (Join-Path $bySender 'outlet-09/reports/daily.csv') | Should -Be 'daily totals of outlet-09'

        $overwritten = Join-Path $TestDrive 'fanin/overwrite'
        $null = Receive-StreamFile @receive -Destination $overwritten -GroupId "pester-$topic-overwrite" -Overwrite
        @(Get-FileTreeHash -Path $overwritten).RelativePath | Should -Be @('reports/daily.csv')
        Get-Content -LiteralPath (Join-Path $overwritten 'reports/daily.csv') | Should -Be 'daily totals of outlet-09'
    }

    It 'round-trips a nested tree of 2,000 files piped from Get-ChildItem, bit-perfect' {
        $outbox = Join-Path $TestDrive 'tree/outbox'
        $inbox = Join-Path $TestDrive 'tree/inbox'
        $random = [Random]::new(2000)
        $files = [ordered]@{}
        for ($i = 0; $i -lt 2000; $i++) {
            $files["d$($i % 10)/sub$($i % 7)/leaf$($i % 3)/file-$i.bin"] = $random.Next(0, 6000)
        }
        $null = New-TestTree -Path $outbox -Files $files
        $topic = New-Topic -Partitions 8
        $receiver = Start-Receiver -Topic $topic -Destination $inbox -MaxFiles 2000

        $sent = Get-ChildItem $outbox -Recurse -File | Send-StreamFile -BootstrapServers $BootstrapServers -Topic $topic -BasePath $outbox -Config $MockConfig -ThrottleLimit 8
        $result = Complete-ReceiverJob $receiver

        $sent.Count | Should -Be 2000
        $result.Errors | Should -BeNullOrEmpty
        $result.Files.Count | Should -Be 2000
        @($result.Files | Where-Object { -not $_.Verified }).Count | Should -Be 0
        $comparison = Compare-FileTree -Reference $outbox -Difference $inbox
        @($comparison | Where-Object { -not $_.Match }) | Should -BeNullOrEmpty
        $comparison.Count | Should -Be 2000
    }

    It 'round-trips a 100 MB random file whose chunks spread over every partition' {
        $outbox = Join-Path $TestDrive 'big/outbox'
        $inbox = Join-Path $TestDrive 'big/inbox'
        $file = New-RandomFile -Path (Join-Path $outbox 'video.mp4') -Length 100MB -Seed 100
        # The mock keeps only the newest 5 MiB per partition: 64 partitions hold the whole file even if the receiver starts late.
        $topic = New-Topic -Partitions 64
        $receiver = Start-Receiver -Topic $topic -Destination $inbox -MaxFiles 1

        $sent = Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $BootstrapServers -Topic $topic -Config $MockConfig
        $result = Complete-ReceiverJob $receiver

        $sent.Length | Should -Be 100MB
        $sent.Chunks | Should -Be ([Math]::Ceiling(100MB / 950000))
        $result.Errors | Should -BeNullOrEmpty
        $result.Files.Count | Should -Be 1
        (Get-FileHash $result.Files[0].FullName -Algorithm MD5).Hash.ToLowerInvariant() | Should -Be $sent.Md5
        (Get-FileHash (Join-Path $inbox 'video.mp4')).Hash | Should -Be (Get-FileHash $file.FullName).Hash
    }

    It 'round-trips empty, one-byte, chunk-boundary, spaced, Unicode and very long names' {
        $outbox = Join-Path $TestDrive 'edge/outbox'
        $inbox = Join-Path $TestDrive 'edge/inbox'
        $null = New-TestTree -Path $outbox -Files ([ordered]@{
                'empty.bin'                        = 0
                'one.bin'                          = 1
                'exactly-two-chunks.bin'           = 128KB
                'two-chunks-and-a-byte.bin'        = 128KB + 1
                'with spaces/a file name.txt'      = 'spaces survive'
                'ünïcødé/日本語 ファイル.txt'          = 'Grüße'
                ('l' * 200 + '.bin')               = 3
            })
        $topic = New-Topic
        $receiver = Start-Receiver -Topic $topic -Destination $inbox -MaxFiles 7

        $sent = Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -ChunkSize 64KB -Config $MockConfig
        $result = Complete-ReceiverJob $receiver

        $sent.Count | Should -Be 7
        ($sent | Where-Object RelativePath -EQ 'exactly-two-chunks.bin').Chunks | Should -Be 2
        ($sent | Where-Object RelativePath -EQ 'two-chunks-and-a-byte.bin').Chunks | Should -Be 3
        ($sent | Where-Object RelativePath -EQ 'empty.bin').Chunks | Should -Be 1
        $result.Errors | Should -BeNullOrEmpty
        @(Compare-FileTree -Reference $outbox -Difference $inbox | Where-Object { -not $_.Match }) | Should -BeNullOrEmpty
    }

    It 'round-trips a mixed tree: small files packed many to a message, large ones chunked, empty files too' {
        $outbox = Join-Path $TestDrive 'mixed/outbox'
        $inbox = Join-Path $TestDrive 'mixed/inbox'
        $files = [ordered]@{ 'empty.txt' = 0; 'video/big.mp4' = 3MB + 5; 'video/bigger.mp4' = 2MB }
        for ($i = 0; $i -lt 300; $i++) {
            $files["receipts/outlet-$($i % 12)/receipt-$i.txt"] = if ($i % 2) { 1KB + $i * 37 } else { "receipt $i total 12.50 EUR`n" * (1 + $i % 40) }
        }
        $null = New-TestTree -Path $outbox -Files $files
        $topic = New-Topic -Partitions 8
        $receiver = Start-Receiver -Topic $topic -Destination $inbox -MaxFiles 303

        $sent = Get-ChildItem $outbox -Recurse -File | Send-StreamFile -BootstrapServers $BootstrapServers -Topic $topic -BasePath $outbox -ChunkSize 256KB -Config $MockConfig
        $result = Complete-ReceiverJob $receiver
        $info = Get-StreamTopicInfo -BootstrapServers $BootstrapServers -Topic $topic

        $sent.Count | Should -Be 303
        @($sent | Where-Object Packed).Count | Should -Be 301
        ($sent | Where-Object RelativePath -EQ 'video/big.mp4').Chunks | Should -Be 13
        ($info.PartitionDetails | Measure-Object High -Sum).Sum | Should -BeLessThan 40
        $result.Errors | Should -BeNullOrEmpty
        $result.Files.Count | Should -Be 303
        @(Compare-FileTree -Reference $outbox -Difference $inbox | Where-Object { -not $_.Match }) | Should -BeNullOrEmpty
        (Get-Item (Join-Path $inbox 'empty.txt')).Length | Should -Be 0
    }

    It 'reports a missing path as a non-terminating error and sends the rest' {
        $outbox = Join-Path $TestDrive 'missing/outbox'
        $null = New-TestTree -Path $outbox -Files @{ 'present.txt' = 'here' }
        $topic = New-Topic

        $sent = Send-StreamFile -LiteralPath (Join-Path $outbox 'absent.txt'), (Join-Path $outbox 'present.txt') -BootstrapServers $BootstrapServers -Topic $topic -ErrorVariable sendErrors -ErrorAction SilentlyContinue

        $sent.RelativePath | Should -Be 'present.txt'
        $sendErrors.Count | Should -Be 1
        $sendErrors[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,Streamsend*'
        $sendErrors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $sendErrors[0].Exception.Message | Should -BeLike '*absent.txt*'
    }

    It 'sends nothing under -WhatIf' {
        $outbox = Join-Path $TestDrive 'whatif/outbox'
        $null = New-TestTree -Path $outbox -Files @{ 'a.txt' = 'a'; 'b.txt' = 'b' }
        $topic = New-Topic

        $sent = Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -WhatIf

        $sent | Should -BeNullOrEmpty
        (Get-StreamTopicInfo -BootstrapServers $BootstrapServers -Topic $topic).RetainedMessages | Should -Be 0
    }

    It 'fails within a bounded time, naming the servers, when no broker answers' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'nobroker/a.bin') -Length 10
        $watch = [Diagnostics.Stopwatch]::StartNew()

        { Send-StreamFile -LiteralPath $file.FullName -BootstrapServers '127.0.0.1:1' -Topic files -ConnectTimeoutSeconds 3 -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*127.0.0.1:1*'

        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
    }
}

Describe 'Get-StreamTopicInfo' {
    It 'reports partitions, brokers, the message limit, the chunk size and watermarks' {
        $topic = New-Topic -Partitions 6
        $file = New-RandomFile -Path (Join-Path $TestDrive 'info/a.bin') -Length 200KB
        $null = Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $BootstrapServers -Topic $topic -ChunkSize 64KB -Distribution File

        $info = Get-StreamTopicInfo -BootstrapServers $BootstrapServers -Topic $topic

        $info.Topic | Should -Be $topic
        $info.Partitions | Should -Be 6
        $info.Brokers.Count | Should -Be 3
        $info.ChunkSize | Should -Be ([int]($info.MaxMessageBytes * 0.95))
        $info.PartitionDetails.Count | Should -Be 6
        $info.RetainedMessages | Should -Be 4
        @($info.PartitionDetails | Where-Object High -GT 0).Count | Should -Be 1
    }
}

Describe 'Module surface' {
    It 'exports the three cmdlets with typed output' {
        (Get-Command Send-StreamFile).OutputType.Name | Should -Contain 'Streamsend.Engine.SentFile'
        (Get-Command Receive-StreamFile).OutputType.Name | Should -Contain 'Streamsend.Engine.ReceivedFile'
        (Get-Command Get-StreamTopicInfo).OutputType.Name | Should -Contain 'Streamsend.Engine.Kafka.StreamTopicInfo'
    }

    It 'binds Get-ChildItem output to -LiteralPath through its PSPath alias' {
        (Get-Command Send-StreamFile).Parameters['LiteralPath'].Aliases | Should -Contain 'PSPath'
        (Get-Command Send-StreamFile).Parameters['LiteralPath'].Aliases | Should -Contain 'FullName'
    }
}
