# Receive-StreamFile into Azure Blob Storage over Azurite (npm, tools/azurite) on loopback, through the real mock Kafka
# cluster. Every blob is read back and hashed; listings are taken with and without uncommitted blobs, so nothing that
# is only staged can pass for a landed file. Azurite's account has a key of its own each run, so the secrets tests
# know exactly what must never appear.

BeforeDiscovery {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    $script:NodeMissing = Get-MissingToolReason node -Install 'Node.js 18 or later with npm'
    if ($NodeMissing) { Write-Host "Skipping the Azure tests: $NodeMissing" -ForegroundColor Yellow }
}

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    if (Get-MissingToolReason node -Install 'Node.js 18 or later with npm') { return }
    Import-Module "$PSScriptRoot/ChildProcess.psm1" -Force
    Import-Module (Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'tools/Azurite.psm1') -Force
    Import-StreamsendModule
    $script:cluster = Start-MockKafka -Brokers 3
    $script:BootstrapServers = $cluster.BootstrapServers
    $script:MockConfig = @{ 'fetch.wait.max.ms' = 10 }
    $script:azure = Start-Azurite
    New-AzuriteContainer $azure 'inbox'
    $script:saved = @{}
    foreach ($name in 'AZURE_STORAGE_CONNECTION_STRING', 'AZURE_STORAGE_ACCOUNT', 'AZURE_STORAGE_KEY', 'AZURE_STORAGE_SAS_TOKEN') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }

    function script:New-Topic([int]$Partitions) { New-MockKafkaTopic $cluster -Prefix 'azure' -Partitions $Partitions }

    function script:Get-Names([string]$Prefix, [switch]$IncludeUncommitted) {
        @(Get-AzuriteBlobList $azure inbox -Prefix $Prefix -IncludeUncommitted:$IncludeUncommitted | ForEach-Object Name | Sort-Object -CaseSensitive)
    }

    function script:Assert-NoSecret([string]$Text) {
        $signature = [Uri]::UnescapeDataString(($azure.Sas -split '&' | Where-Object { $_ -like 'sig=*' }).Substring(4))
        foreach ($secret in $azure.Key, $signature, [Uri]::EscapeDataString($signature)) {
            $Text.Contains($secret) | Should -BeFalse -Because 'no key or SAS signature may be shown in any stream'
        }
    }
}

AfterAll {
    if ($cluster) { Stop-MockKafka $cluster }
    if ($azure) { Stop-Azurite $azure }
    if ($saved) { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
}

Describe 'Receive-StreamFile into Azure Blob Storage' -Skip:([bool]$NodeMissing) {
    AfterEach {
        foreach ($name in 'AZURE_STORAGE_CONNECTION_STRING', 'AZURE_STORAGE_KEY') { [Environment]::SetEnvironmentVariable($name, $null) }
    }

    It 'lands a tree with a file that spans every partition hash-exact, while the sender sends, and nothing but the landed blobs is listed' {
        $env:AZURE_STORAGE_CONNECTION_STRING = $azure.ConnectionString
        $outbox = Join-Path $TestDrive 'tree/outbox'
        $files = [ordered]@{ 'empty.bin' = 0; 'ünïcødé/日本語 ファイル.txt' = 'Grüße'; 'with spaces/a file.txt' = 'spaces'; 'case/Report.txt' = 'upper' }
        for ($i = 0; $i -lt 30; $i++) { $files["d$($i % 3)/file-$i.bin"] = 1KB + $i * 7919 }
        $null = New-TestTree -Path $outbox -Files $files
        # Its case twin: blob names, like S3 keys, tell case apart, so both land as they are (hash keys do not, hence apart).
        [IO.File]::WriteAllText((Join-Path $outbox 'case/report.txt'), 'lower')
        $big = New-RandomFile -Path (Join-Path $outbox 'images/disk.img') -Length 40MB -Seed 13
        $topic = New-Topic -Partitions 12
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination "$($azure.Endpoint)/inbox/tree" -Config $MockConfig `
            -Parameters @{ MaxFiles = $files.Count + 2; Timeout = New-TimeSpan -Minutes 4 }

        $sent = @(Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -Config $MockConfig)
        $result = Complete-ReceiverJob $receiver

        $result.Errors | Should -BeNullOrEmpty
        $result.Files.Count | Should -Be ($files.Count + 2)
        ($sent | Where-Object RelativePath -EQ 'images/disk.img').Chunks | Should -BeGreaterThan 24 -Because 'the large file must have chunks on every one of the 12 partitions, twice over'
        $expected = @($sent | ForEach-Object { "tree/$($_.RelativePath)" } | Sort-Object -CaseSensitive)
        Get-Names 'tree/' | Should -Be $expected
        Get-Names 'tree/' -IncludeUncommitted | Should -Be $expected -Because 'no staged-only blob may be left beside the landed ones'
        foreach ($one in $sent) {
            $blob = Get-AzuriteBlob $azure inbox "tree/$($one.RelativePath)"
            $blob.Md5 | Should -Be $one.Md5 -Because $one.RelativePath
            $blob.ContentMd5 | Should -Be $one.Md5
            $blob.Metadata['streamsend_transfer'] | Should -Be $one.TransferId.ToString('N')
        }
        ($result.Files | Where-Object RelativePath -EQ 'images/disk.img').FullName | Should -Be "$($azure.Endpoint)/inbox/tree/images/disk.img"
    }

    It 'lands each blob exactly once when a receiver is killed mid-transfer and started again; staged blocks are never a visible blob' {
        $env:AZURE_STORAGE_CONNECTION_STRING = $azure.ConnectionString
        $outbox = Join-Path $TestDrive 'killed/outbox'
        $names = 0..9 | ForEach-Object { "part-$_.bin" }
        foreach ($name in $names) { $null = New-RandomFile -Path (Join-Path $outbox $name) -Length 12MB -Seed ($names.IndexOf($name) + 1) }
        $topic = New-Topic -Partitions 64
        # Sent before any receiver starts: 256 KiB chunks keep every partition far below the mock's 5 MiB retention (see S3.Tests.ps1).
        $sent = Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -Config $MockConfig -ChunkSize 256KB
        (Get-StreamTopicInfo -BootstrapServers $BootstrapServers -Topic $topic).RetainedMessages | Should -Be (10 * 48)

        $config = "@{ 'fetch.wait.max.ms' = 10; 'session.timeout.ms' = 6000; 'heartbeat.interval.ms' = 250 }"
        $receive = "Import-Module ./Streamsend.psd1; Receive-StreamFile az://inbox/killed -BootstrapServers '$BootstrapServers' -Topic '$topic' -GroupId 'killed-$topic' -Config $config -IdleTimeout 00:00:20 -Timeout 00:04:00 | ForEach-Object { 'LANDED ' + `$_.RelativePath }"
        $first = Start-PwshProcess -Script $receive -OutputPath (Join-Path $TestDrive 'receiver-1.log')
        $deadline = [DateTime]::UtcNow.AddMinutes(2)
        do {
            Start-Sleep -Milliseconds 20
            $committed = Get-Names 'killed/'
            $stagedOnly = @(Get-Names 'killed/' -IncludeUncommitted | Where-Object { $_ -notin $committed })
        } while ([DateTime]::UtcNow -lt $deadline -and -not ($committed.Count -ge 2 -and $stagedOnly.Count -ge 1))
        $landedFirst = @(Wait-PwshProcess $first -Kill | Where-Object { $_ -like 'LANDED *' } | ForEach-Object { $_.Substring(7) })
        $committedAtKill = Get-Names 'killed/'
        $stagedAtKill = @(Get-Names 'killed/' -IncludeUncommitted | Where-Object { $_ -notin $committedAtKill })

        $second = Start-PwshProcess -Script $receive -OutputPath (Join-Path $TestDrive 'receiver-2.log')
        $landedAfter = @(Wait-PwshProcess $second -TimeoutSeconds 240 | Where-Object { $_ -like 'LANDED *' } | ForEach-Object { $_.Substring(7) })
        Write-Host "    killed with $($landedFirst.Count) reported, $($committedAtKill.Count) committed and $($stagedAtKill.Count) staged-only blobs; the restart landed $($landedAfter.Count)"

        $stagedAtKill.Count | Should -BeGreaterThan 0 -Because 'the receiver must be killed mid-transfer for this test to mean anything'
        foreach ($name in $committedAtKill) {
            (Get-AzuriteBlob $azure inbox $name).Md5 | Should -Be ($sent | Where-Object { "killed/$($_.RelativePath)" -eq $name }).Md5 -Because 'a blob visible at the kill is a whole, verified file'
        }
        # The kill may come between a commit and its report: the restart then finds the landing record and skips it.
        $landings = @($landedFirst) + @($landedAfter)
        @($landings | Sort-Object -Unique).Count | Should -Be $landings.Count -Because 'no file lands twice'
        $landings.Count | Should -BeGreaterOrEqual 9
        @($landedAfter | Where-Object { "killed/$_" -in $committedAtKill }) | Should -BeNullOrEmpty -Because 'a blob committed before the kill is not landed again'
        foreach ($one in $sent) {
            (Get-AzuriteBlob $azure inbox "killed/$($one.RelativePath)").Md5 | Should -Be $one.Md5
        }
        Get-Names 'killed/' -IncludeUncommitted | Should -Be @($names | ForEach-Object { "killed/$_" }) -Because 'the restart committed every staged blob'
    }

    It 'signs with <Credential> and shows no secret in any stream' -ForEach @(
        @{ Credential = 'the account key'; Destination = { "$($azure.Endpoint)/inbox/creds/key" }; Parameters = { @{ StorageAccountKey = $azure.Key } } }
        @{ Credential = 'a SAS token in the URL'; Destination = { "$($azure.Endpoint)/inbox/creds/urlsas?$($azure.Sas)" }; Parameters = { @{} } }
        @{ Credential = '-SasToken'; Destination = { "$($azure.Endpoint)/inbox/creds/sas" }; Parameters = { @{ SasToken = $azure.Sas } } }
        @{ Credential = 'AZURE_STORAGE_KEY'; Destination = { "$($azure.Endpoint)/inbox/creds/envkey" }; Parameters = { $env:AZURE_STORAGE_KEY = $azure.Key; @{} } }
        @{ Credential = 'a connection string'; Destination = { 'az://inbox/creds/connection' }; Parameters = { @{ ConnectionString = $azure.ConnectionString } } }
    ) {
        $destination = & $Destination
        $parameters = & $Parameters
        $file = New-RandomFile -Path (Join-Path $TestDrive "creds-$($Credential.Length)/note.bin") -Length 300KB -Seed 3
        $topic = New-Topic -Partitions 2
        $sent = Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $BootstrapServers -Topic $topic -Config $MockConfig -ChunkSize 64KB

        $output = Receive-StreamFile $destination @parameters -BootstrapServers $BootstrapServers -Topic $topic -GroupId "creds-$topic" -Config $MockConfig -MaxFiles 1 -Timeout 00:01:00 -Verbose *>&1 | Out-String -Width 500

        $landed = ($destination -replace '\?.*$', '' -replace '^az://', "$($azure.Endpoint)/") + '/note.bin'
        $output | Should -BeLike "*$landed*"
        (Get-AzuriteBlob $azure inbox (($landed -split '/inbox/')[1])).Md5 | Should -Be $sent.Md5
        Assert-NoSecret $output
    }

    It 'shows no key or SAS signature when signing in fails, when a SAS may not write, or with -WhatIf' {
        $topic = New-Topic -Partitions 2
        $file = New-RandomFile -Path (Join-Path $TestDrive 'denied/note.bin') -Length 200KB -Seed 4
        $null = Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $BootstrapServers -Topic $topic -Config $MockConfig -ChunkSize 64KB
        $readOnly = New-AzuriteSas $azure -Permission 'rl'
        $wrongKey = [Convert]::ToBase64String([byte[]](1..64))
        $common = @{ BootstrapServers = $BootstrapServers; Topic = $topic; Config = $MockConfig; Verbose = $true }

        $wrong = try { Receive-StreamFile "$($azure.Endpoint)/inbox/denied" -StorageAccountKey $wrongKey @common -GroupId "wrong-$topic" -MaxFiles 1 -Timeout 00:00:30 *>&1 | Out-String -Width 500 } catch { ($_ | Format-List * -Force | Out-String -Width 500) + $_.Exception.ToString() }
        $denied = Receive-StreamFile "$($azure.Endpoint)/inbox/denied?$readOnly" @common -GroupId "denied-$topic" -IdleTimeout 00:00:06 -ErrorVariable deniedErrors -ErrorAction SilentlyContinue *>&1 | Out-String -Width 500
        # -WhatIf writes to the host, which only a console shows: a child pwsh's output is that console.
        $child = Start-PwshProcess -OutputPath (Join-Path $TestDrive 'whatif.log') -Script "Import-Module ./Streamsend.psd1; Receive-StreamFile '$($azure.Endpoint)/inbox/denied?$($azure.Sas)' -BootstrapServers '$BootstrapServers' -Topic '$topic' -WhatIf"
        $whatIf = (Wait-PwshProcess $child) -join [Environment]::NewLine

        $wrong | Should -BeLike '*DestinationNotWritable*'
        $wrong | Should -BeLike '*signed with -StorageAccountKey*'
        @($deniedErrors | Where-Object { $_.FullyQualifiedErrorId -like 'DestinationWriteFailed,*' }).Count | Should -Be 1
        $whatIf | Should -BeLike "*$($azure.Endpoint)/inbox/denied?*********"
        Get-Names 'denied/' -IncludeUncommitted | Should -BeNullOrEmpty
        foreach ($text in $wrong, $denied, $whatIf, ($deniedErrors | Format-List * -Force | Out-String -Width 500), ($deniedErrors | ForEach-Object { $_.Exception.ToString() } | Out-String)) {
            Assert-NoSecret $text
        }
    }

    It 'refuses hostile names sent by kcat, another Kafka client, and writes nothing' {
        if ($reason = Get-MissingToolReason kcat -Install 'kcat (Debian package kcat)') { Set-ItResult -Skipped -Because $reason; return }
        $kcat = (Get-Command kcat -CommandType Application | Select-Object -First 1).Source
        $env:AZURE_STORAGE_CONNECTION_STRING = $azure.ConnectionString
        $topic = New-Topic -Partitions 1
        foreach ($path in '../../escaped.txt', '.streamsend/partial/planted', 'a/./b.txt') {
            $transfer = [guid]::NewGuid().ToString('N')
            $headers = @(
                'streamsend.version=1', 'streamsend.kind=chunk', "streamsend.transfer=$transfer", "streamsend.path=$path",
                'streamsend.sender=kcat', 'streamsend.chunk=0', 'streamsend.chunks=1', 'streamsend.offset=0', 'streamsend.size=2',
                'streamsend.mtime=2026-11-25T10:00:00Z', 'streamsend.md5=49f68a5c8493ec2c0bf489821c21fc3b'
            ) | ForEach-Object { '-H', $_ }
            'hi' | & $kcat -P -b $BootstrapServers -t $topic -p 0 -k $transfer @headers
            $LASTEXITCODE | Should -Be 0
        }

        $received = Receive-StreamFile az://inbox/hostile/deep -BootstrapServers $BootstrapServers -Topic $topic -Config $MockConfig -GroupId "hostile-$topic" -IdleTimeout 00:00:06 -ErrorVariable receiveErrors -ErrorAction SilentlyContinue

        $received | Should -BeNullOrEmpty
        @($receiveErrors | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] }) | Should -Be @('UnsafeRelativePath', 'UnsafeRelativePath', 'UnsafeRelativePath')
        @(Get-AzuriteBlobList $azure inbox -IncludeUncommitted | Where-Object Name -Match 'escaped|planted|hostile') | Should -BeNullOrEmpty
    }

    It 'lands another senders file beside the first with a warning, lets -Overwrite replace it, and gives each sender a folder with -Layout BySender' {
        $env:AZURE_STORAGE_CONNECTION_STRING = $azure.ConnectionString
        $receive = {
            param([string]$Sender, [int]$Seed, [hashtable]$More = @{})
            $outbox = Join-Path $TestDrive "fanin-$Sender-$Seed"
            $file = New-RandomFile -Path (Join-Path $outbox 'reports/daily.csv') -Length (200KB + $Seed) -Seed $Seed
            $topic = New-Topic -Partitions 2
            $sent = Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -Config $MockConfig -ChunkSize 64KB -SenderName $Sender
            $landed = Receive-StreamFile az://inbox/fanin -BootstrapServers $BootstrapServers -Topic $topic -Config $MockConfig -GroupId "fanin-$topic" -MaxFiles 1 -Timeout 00:01:00 -WarningVariable warnings -WarningAction SilentlyContinue @More
            [pscustomobject]@{ Sent = $sent; Landed = $landed; Warnings = @($warnings) }
        }

        $first = & $receive 'outlet-07' 1
        $other = & $receive 'outlet-09' 2
        $replaced = & $receive 'outlet-09' 3 @{ Overwrite = $true }
        $bySender = & $receive 'outlet-09' 4 @{ Layout = 'BySender' }

        $first.Warnings | Should -BeNullOrEmpty
        $other.Landed.FullName | Should -Be "$($azure.Endpoint)/inbox/fanin/reports/daily%20%28from%20outlet-09%29.csv"
        $other.Warnings.Count | Should -Be 1
        "$($other.Warnings[0])" | Should -BeLike "*'outlet-07'*"
        $replaced.Warnings | Should -BeNullOrEmpty
        $bySender.Landed.FullName | Should -Be "$($azure.Endpoint)/inbox/fanin/outlet-09/reports/daily.csv"
        Get-Names 'fanin/' -IncludeUncommitted | Should -Be @('fanin/outlet-09/reports/daily.csv', 'fanin/reports/daily (from outlet-09).csv', 'fanin/reports/daily.csv')
        (Get-AzuriteBlob $azure inbox 'fanin/reports/daily.csv').Md5 | Should -Be $replaced.Sent.Md5
        (Get-AzuriteBlob $azure inbox 'fanin/reports/daily (from outlet-09).csv').Md5 | Should -Be $other.Sent.Md5
        (Get-AzuriteBlob $azure inbox 'fanin/outlet-09/reports/daily.csv').Md5 | Should -Be $bySender.Sent.Md5
    }
}
