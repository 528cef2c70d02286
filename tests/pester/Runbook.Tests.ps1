# Runbooks and scheduled tasks: spool folders, Kafka-style configuration, unattended operation (issue 7).
# Every sender that must be killed or run "as the scheduler would" is a separate `pwsh -NonInteractive -File` process.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-StreamsendModule
    $script:cluster = Start-MockKafka -Brokers 1
    $script:BootstrapServers = $cluster.BootstrapServers
    $script:MockConfig = @{ 'fetch.wait.max.ms' = 10 }
    $script:ModulePath = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'Streamsend.psd1'
    $script:Secret = 'Pl4nted-S3cret-7f3a'

    function script:New-Topic([int]$Partitions = 2) { New-MockKafkaTopic $cluster -Prefix 'runbook' -Partitions $Partitions }

    # A child `pwsh -NonInteractive -File`, as Task Scheduler or systemd starts it; returns the process, output redirected to files.
    function script:Start-PwshFile([string]$Script, [string]$Log) {
        $processPath = [Environment]::ProcessPath
        $startInfo = [Diagnostics.ProcessStartInfo]::new($processPath)
        if ([IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'dotnet') {
            $startInfo.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll'))
        }
        foreach ($argument in '-NoLogo', '-NoProfile', '-NonInteractive', '-File', $Script) {
            $startInfo.ArgumentList.Add($argument)
        }
        $startInfo.UseShellExecute = $false
        $startInfo.RedirectStandardOutput = $true
        $startInfo.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($startInfo)
        $process | Add-Member -NotePropertyName Output -NotePropertyValue $process.StandardOutput.ReadToEndAsync()
        $process | Add-Member -NotePropertyName Errors -NotePropertyValue $process.StandardError.ReadToEndAsync()
        $process
    }

    function script:Wait-PwshFile($Process, [int]$Seconds = 120) {
        if (-not $Process.WaitForExit($Seconds * 1000)) {
            $Process.Kill($true)
            throw "The child pwsh did not finish within $Seconds s."
        }
        [pscustomobject]@{ ExitCode = $Process.ExitCode; Output = $Process.Output.Result; Errors = $Process.Errors.Result }
    }

    # Everything a command writes to any stream, as text: objects, errors with their exceptions, warnings, verbose, debug, information.
    function script:ConvertTo-StreamText([object[]]$Records) {
        foreach ($record in $Records) {
            switch ($record) {
                { $_ -is [Management.Automation.ErrorRecord] } { "$_"; $_.Exception.ToString(); "$($_.TargetObject)"; "$($_.CategoryInfo)"; break }
                { $_ -is [Management.Automation.InformationalRecord] } { $_.Message; break }
                default { ($_ | Format-List * -Force | Out-String -Width 4096) }
            }
        }
    }

    # A writer that keeps appending to a file (sharing it for reading, so only the settle check can see it) until
    # Stop-SlowWriter. Returns the job; its StopFile ends it.
    function script:Start-SlowWriter([string]$Path) {
        $null = [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($Path))
        $stopFile = Join-Path $TestDrive "stop-$([guid]::NewGuid().ToString('N'))"
        $job = Start-ThreadJob -ArgumentList $Path, $stopFile -ScriptBlock {
            param($path, $stopFile)
            $stream = [IO.File]::Open($path, 'Append', 'Write', 'ReadWrite')
            try {
                $deadline = [DateTime]::UtcNow.AddMinutes(5)
                while (-not (Test-Path -LiteralPath $stopFile) -and [DateTime]::UtcNow -lt $deadline) {
                    $stream.Write([byte[]]::new(1000), 0, 1000)
                    $stream.Flush()
                    Start-Sleep -Milliseconds 100
                }
            }
            finally {
                $stream.Dispose()
            }
        }
        $job | Add-Member -NotePropertyName StopFile -NotePropertyValue $stopFile -PassThru
    }

    function script:Stop-SlowWriter($Job) {
        Set-Content -LiteralPath $Job.StopFile -Value 'stop'
        $null = Wait-Job $Job -Timeout 60
        Remove-Job $Job -Force
    }
}

AfterAll {
    if ($cluster) { Stop-MockKafka $cluster }
}

Describe 'Spool folders' {
    It 'sends the complete files of a spool folder, archives them, and leaves a file still being written until it is complete' {
        $outbox = Join-Path $TestDrive 'spool/outbox'
        $archive = Join-Path $TestDrive 'spool/sent'
        $null = New-TestTree -Path $outbox -Files @{ 'a.txt' = 'alpha'; 'deep/b.bin' = 70KB }
        $writer = Start-SlowWriter -Path (Join-Path $outbox 'growing.log')
        Start-Sleep -Milliseconds 500
        $topic = New-Topic

        $first = Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -SettleTime 00:00:01 -AfterSend Move -ArchivePath $archive -Verbose 4>&1
        $sent = @($first | Where-Object { $_.GetType().FullName -eq 'Streamsend.Engine.SentFile' })
        $verbose = @($first | Where-Object { $_ -is [Management.Automation.VerboseRecord] })

        @($sent.RelativePath | Sort-Object) | Should -Be @('a.txt', 'deep/b.bin')
        Test-Path (Join-Path $outbox 'growing.log') | Should -BeTrue
        Test-Path (Join-Path $outbox 'a.txt') | Should -BeFalse
        (Get-Content -Raw (Join-Path $archive 'a.txt')) | Should -Be 'alpha'
        Test-Path (Join-Path $archive 'deep/b.bin') | Should -BeTrue
        @($verbose | Where-Object Message -Like '*growing.log*still being written*').Count | Should -Be 1

        # Files keep appearing; the writer finishes; the next run sends what is new and now complete.
        $null = New-TestTree -Path $outbox -Files @{ 'c.txt' = 'gamma' }
        Stop-SlowWriter $writer
        $second = @(Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -SettleTime 00:00:01 -AfterSend Move -ArchivePath $archive)

        @($second.RelativePath | Sort-Object) | Should -Be @('c.txt', 'growing.log')
        $second | Where-Object RelativePath -EQ 'growing.log' | ForEach-Object Length | Should -Be (Get-Item (Join-Path $archive 'growing.log')).Length
        @(Get-ChildItem $outbox -Recurse -File) | Should -BeNullOrEmpty
    }

    It 'skips files younger than -MinimumAge' {
        $outbox = Join-Path $TestDrive 'age/outbox'
        $null = New-TestTree -Path $outbox -Files @{ 'old.txt' = 'old'; 'new.txt' = 'new' }
        (Get-Item (Join-Path $outbox 'old.txt')).LastWriteTimeUtc = [DateTime]::UtcNow.AddMinutes(-10)
        $topic = New-Topic

        $sent = Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -MinimumAge 00:05:00 -SettleTime 0

        $sent.RelativePath | Should -Be 'old.txt'
    }

    It 'requires -ArchivePath for -AfterSend Move, outside the spool folder' {
        $outbox = Join-Path $TestDrive 'archive-check/outbox'
        $null = New-TestTree -Path $outbox -Files @{ 'a.txt' = 'a' }

        { Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic t -AfterSend Move -ErrorAction Stop } | Should -Throw -ErrorId 'ArchivePathMissing,Streamsend*'
        { Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic t -AfterSend Move -ArchivePath (Join-Path $outbox 'sent') -ErrorAction Stop } | Should -Throw -ErrorId 'ArchiveInsideSpool,Streamsend*'
    }

    It 'never moves or deletes a file whose sender was killed mid-file (<AfterSend>)' -ForEach @(@{ AfterSend = 'Move' }, @{ AfterSend = 'Delete' }) {
        $outbox = Join-Path $TestDrive "killed-$AfterSend/outbox"
        $archive = Join-Path $TestDrive "killed-$AfterSend/sent"
        $file = New-RandomFile -Path (Join-Path $outbox 'big.bin') -Length 6MB
        $file.LastWriteTimeUtc = [DateTime]::UtcNow.AddMinutes(-1)
        $hash = (Get-FileHash $file.FullName).Hash
        $topic = New-Topic
        $script = Join-Path $TestDrive "killed-$AfterSend/send.ps1"
        $archiveArgument = if ($AfterSend -eq 'Move') { "-ArchivePath '$archive'" } else { '' }
        Set-Content -LiteralPath $script -Value @"
Import-Module '$ModulePath'
Send-StreamFile -Path '$outbox' -BootstrapServers '$BootstrapServers' -Topic '$topic' -SettleTime 0 -AfterSend $AfterSend $archiveArgument -MaxBytesPerSecond 1MB -ChunkSize 65536 -Verbose
"@
        $process = Start-PwshFile -Script $script
        # Wait until the sender is part-way through the file: chunks are on the topic, and at 1 MB/s it needs about 6 s.
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        do {
            Start-Sleep -Milliseconds 500
            $retained = (Get-StreamTopicInfo -BootstrapServers $BootstrapServers -Topic $topic).RetainedMessages
        } until ($retained -ge 10 -or [DateTime]::UtcNow -gt $deadline -or $process.HasExited)
        $process.HasExited | Should -BeFalse
        $process.Kill($true)
        $process.WaitForExit()

        $retained | Should -BeGreaterOrEqual 10
        (Get-FileHash (Join-Path $outbox 'big.bin')).Hash | Should -Be $hash
        Test-Path (Join-Path $archive 'big.bin') | Should -BeFalse
    }

    It 'sends nothing on an -Incremental rerun, then only the file that changed' {
        $outbox = Join-Path $TestDrive 'incremental/outbox'
        $state = Join-Path $TestDrive 'incremental/state.json'
        $null = New-TestTree -Path $outbox -Files @{ 'a.txt' = 'a'; 'b.txt' = 'b'; 'sub/c.txt' = 'c' }
        $topic = New-Topic
        $send = { Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -Incremental -StatePath $state -SettleTime 0 }

        $first = @(& $send)
        $second = @(& $send)
        Set-Content -LiteralPath (Join-Path $outbox 'b.txt') -Value 'b, changed'
        # Touched but the same bytes: not sent again.
        (Get-Item (Join-Path $outbox 'a.txt')).LastWriteTimeUtc = [DateTime]::UtcNow.AddHours(-1)
        $third = @(& $send)

        $first.Count | Should -Be 3
        $second.Count | Should -Be 0
        $third.RelativePath | Should -Be 'b.txt'
        $journal = Get-Content -Raw $state | ConvertFrom-Json
        @($journal).Count | Should -Be 3
        ($journal | Where-Object RelativePath -EQ 'b.txt').TransferId | Should -Be $third[0].TransferId.ToString()
    }

    It 'watches a folder and sends files as they appear, until -WatchTimeout' {
        $outbox = Join-Path $TestDrive 'watch/outbox'
        $null = New-Item -ItemType Directory -Path $outbox -Force
        $topic = New-Topic
        $job = Start-ThreadJob -ArgumentList $outbox -ScriptBlock {
            param($outbox)
            foreach ($name in 'one.txt', 'two.txt', 'three.txt') {
                Start-Sleep -Milliseconds 700
                Set-Content -LiteralPath (Join-Path $outbox $name) -Value $name
            }
        }

        $watch = [Diagnostics.Stopwatch]::StartNew()
        $sent = @(Send-StreamFile $outbox -BootstrapServers $BootstrapServers -Topic $topic -Watch -WatchTimeout 00:00:08 -SettleTime 00:00:00.5 -AfterSend Delete)
        $watch.Stop()
        Remove-Job $job -Force

        @($sent.RelativePath | Sort-Object) | Should -Be @('one.txt', 'three.txt', 'two.txt')
        @(Get-ChildItem $outbox -File) | Should -BeNullOrEmpty
        $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 7
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
    }
}

Describe 'Kafka configuration' {
    It 'reads bootstrap.servers and settings from a client.properties file with comments, escapes and continuations' {
        $outbox = Join-Path $TestDrive 'props/outbox'
        $null = New-TestTree -Path $outbox -Files @{ 'a.txt' = 'a' }
        $topic = New-Topic
        $properties = Join-Path $TestDrive 'props/client.properties'
        $servers = $BootstrapServers.Replace(':', '\:')
        Set-Content -LiteralPath $properties -Value @"
# Kafka client configuration, Java style
! a bang comment
bootstrap.servers = $servers
client.id : streamsend\u002Dpester
fetch.wait.max.ms 10
socket.keepalive.enable=\
    true
key.serializer=org.apache.kafka.common.serialization.ByteArraySerializer
"@

        $output = Send-StreamFile $outbox -ConfigFile $properties -Topic $topic -Verbose 4>&1
        $sent = @($output | Where-Object { $_.GetType().FullName -eq 'Streamsend.Engine.SentFile' })
        $verbose = @($output | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message

        $sent.RelativePath | Should -Be 'a.txt'
        $verbose | Should -Contain "Kafka property client.id = streamsend-pester (from -ConfigFile)."
        @($verbose -like "*'key.serializer' is a Java client setting and is ignored*").Count | Should -Be 1
    }

    It 'takes the servers from STREAMSEND_CONFIG_FILE and lets parameters and -Config override it' {
        $properties = Join-Path $TestDrive 'envprops/client.properties'
        $null = New-Item -ItemType Directory -Path (Split-Path $properties) -Force
        Set-Content -LiteralPath $properties -Value "bootstrap.servers=127.0.0.1:1`nclient.id=from-file"
        $topic = New-Topic
        $file = New-RandomFile -Path (Join-Path $TestDrive 'envprops/a.bin') -Length 10
        $env:STREAMSEND_CONFIG_FILE = $properties
        try {
            $output = Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $BootstrapServers -Topic $topic -Config @{ 'client.id' = 'from-hashtable' } -Verbose 4>&1
        }
        finally {
            Remove-Item Env:STREAMSEND_CONFIG_FILE
        }
        $verbose = @($output | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Message

        @($output | Where-Object { $_.GetType().FullName -eq 'Streamsend.Engine.SentFile' }).Count | Should -Be 1
        $verbose | Should -Contain "Kafka servers $BootstrapServers (from parameters)."
        $verbose | Should -Contain 'Kafka property client.id = from-hashtable (from -Config).'
    }

    It 'names a misspelled property and the closest valid one' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'typo/a.bin') -Length 10

        { Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $BootstrapServers -Topic t -Config @{ 'linger.msec' = 5 } -ErrorAction Stop } |
            Should -Throw -ExpectedMessage "*'linger.msec'*Did you mean 'linger.ms'?*"
    }

    It 'works with $PSDefaultParameterValues' {
        $topic = New-Topic
        $file = New-RandomFile -Path (Join-Path $TestDrive 'defaults/a.bin') -Length 10
        $PSDefaultParameterValues['Send-StreamFile:BootstrapServers'] = $BootstrapServers
        try {
            $sent = Send-StreamFile -LiteralPath $file.FullName -Topic $topic
        }
        finally {
            $PSDefaultParameterValues.Remove('Send-StreamFile:BootstrapServers')
        }
        $sent.Length | Should -Be 10
    }
}

Describe 'Secrets' {
    BeforeAll {
        $script:credential = [pscredential]::new('svc-files', (ConvertTo-SecureString $Secret -AsPlainText -Force))
        $script:secretProperties = Join-Path $TestDrive 'secret/client.properties'
        $null = New-Item -ItemType Directory -Path (Split-Path $secretProperties) -Force
        Set-Content -LiteralPath $secretProperties -Value @"
ssl.key.password=$Secret
sasl.oauthbearer.client.secret=$Secret
fetch.wait.max.ms=10
"@
    }

    It 'shows no secret on any stream when a send succeeds with -Verbose -Debug and librdkafka debug logging' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'secret/ok.bin') -Length 100KB
        $topic = New-Topic

        $records = @(Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $BootstrapServers -Topic $topic -Credential $credential `
                -ConfigFile $secretProperties -Config @{ debug = 'conf,security,generic' } -Verbose -Debug *>&1)
        $text = (ConvertTo-StreamText $records) -join "`n"

        @($records | Where-Object { $_.GetType().FullName -eq 'Streamsend.Engine.SentFile' }).Count | Should -Be 1
        @($records | Where-Object { $_ -is [Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 0
        $text | Should -Match 'sasl.password = \*{8}'
        $text | Should -Not -Match ([regex]::Escape($Secret))
    }

    It 'shows no secret on any stream when the run fails: <Case>' -ForEach @(
        @{ Case = 'no broker answers'; Servers = '127.0.0.1:1'; Extra = @{} }
        @{ Case = 'a misspelled property'; Servers = ''; Extra = @{ 'sasl.pasword' = 'Pl4nted-S3cret-7f3a' } }
        @{ Case = 'a value librdkafka rejects'; Servers = ''; Extra = @{ 'sasl.mechanism' = 'Pl4nted-S3cret-7f3a'; 'security.protocol' = 'SASL_PLAINTEXT' } }
    ) {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'secret/fail.bin') -Length 10
        $servers = if ($Servers) { $Servers } else { $BootstrapServers }
        $config = @{ debug = 'conf,security' } + $Extra

        $records = @(& {
                try {
                    Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $servers -Topic t -Credential $credential -ConfigFile $secretProperties `
                        -Config $config -ConnectTimeoutSeconds 3 -Verbose -Debug -ErrorAction Stop
                }
                catch {
                    $_
                }
            } *>&1)
        $text = (ConvertTo-StreamText $records) -join "`n"

        @($records | Where-Object { $_ -is [Management.Automation.ErrorRecord] }).Count | Should -BeGreaterThan 0
        $text | Should -Not -Match ([regex]::Escape($Secret))
    }
}

Describe 'Unattended operation' {
    It 'limits the sending rate to -MaxBytesPerSecond within 20%' {
        $file = New-RandomFile -Path (Join-Path $TestDrive 'rate/a.bin') -Length 4MB
        $topic = New-Topic

        $sent = Send-StreamFile -LiteralPath $file.FullName -BootstrapServers $BootstrapServers -Topic $topic -MaxBytesPerSecond 1MB -ChunkSize 65536
        $rate = $sent.Length / $sent.Duration.TotalSeconds
        Write-Host "Measured $([Math]::Round($rate / 1MB, 3)) MiB/s for a 1 MiB/s limit (ratio $([Math]::Round($rate / 1MB, 3)))."

        $rate | Should -BeGreaterThan (0.8 * 1MB)
        $rate | Should -BeLessThan (1.2 * 1MB)
    }

    It 'writes one error per failed file, naming it, so -ErrorVariable and -ErrorAction Stop work' {
        $topic = New-Topic
        $good = New-RandomFile -Path (Join-Path $TestDrive 'errors/good.bin') -Length 10

        $sent = Send-StreamFile -LiteralPath (Join-Path $TestDrive 'errors/absent-1.bin'), $good.FullName, (Join-Path $TestDrive 'errors/absent-2.bin') `
            -BootstrapServers $BootstrapServers -Topic $topic -ErrorVariable failed -ErrorAction SilentlyContinue

        $sent.RelativePath | Should -Be 'good.bin'
        $failed.Count | Should -Be 2
        $failed[0].Exception.Message | Should -BeLike '*absent-1.bin*'
        $failed[1].Exception.Message | Should -BeLike '*absent-2.bin*'
        { Send-StreamFile -LiteralPath (Join-Path $TestDrive 'errors/absent-1.bin') -BootstrapServers $BootstrapServers -Topic $topic -ErrorAction Stop } |
            Should -Throw -ErrorId 'PathNotFound,Streamsend*'
    }

    It 'a scheduled-task script run three times sends each complete file exactly once, archives it, leaves in-progress files alone, and shows no secret' {
        $root = Join-Path $TestDrive 'scheduled'
        $outbox = Join-Path $root 'outbox'
        $archive = Join-Path $root 'sent'
        $inbox = Join-Path $root 'inbox'
        $properties = Join-Path $root 'client.properties'
        $null = New-TestTree -Path $outbox -Files @{ 'r1/a.txt' = 'a'; 'r1/b.bin' = 200KB }
        $topic = New-Topic
        Set-Content -LiteralPath $properties -Value @"
bootstrap.servers=$($BootstrapServers.Replace(':', '\:'))
sasl.username=svc-files
sasl.password=$Secret
"@
        $script = Join-Path $root 'send-outbox.ps1'
        # The action line of the scheduled task: exit code 1 when any file failed.
        Set-Content -LiteralPath $script -Value @"
Import-Module '$ModulePath'
Send-StreamFile -Path '$outbox' -ConfigFile '$properties' -Topic '$topic' -SettleTime 00:00:01 -AfterSend Move -ArchivePath '$archive' -ErrorVariable failed -ErrorAction Continue -Verbose -Debug *>&1 | ForEach-Object { if (`$_.GetType().FullName -eq 'Streamsend.Engine.SentFile') { "SENT `$(`$_.RelativePath)" } else { "`$_" } }
if (`$failed) { exit 1 }
"@
        $writer = Start-SlowWriter -Path (Join-Path $outbox 'in-progress/big.log')
        Start-Sleep -Milliseconds 500

        $runs = foreach ($run in 1..3) {
            if ($run -eq 2) {
                $null = New-TestTree -Path $outbox -Files @{ 'r2/c.txt' = 'c' }
            }
            if ($run -eq 3) {
                Stop-SlowWriter $writer
            }
            $result = Wait-PwshFile (Start-PwshFile -Script $script)
            $result.ExitCode | Should -Be 0 -Because $result.Output
            if ($run -lt 3) {
                Test-Path (Join-Path $outbox 'in-progress/big.log') | Should -BeTrue
            }
            $result
        }
        $sentLines = @($runs.Output -split "`r?`n" | Where-Object { $_ -like 'SENT *' })
        $receiver = Start-ReceiverJob -BootstrapServers $BootstrapServers -Topic $topic -Destination $inbox -Config $MockConfig `
            -Parameters @{ IdleTimeout = [timespan]'00:00:05'; Timeout = [timespan]'00:02:00' }
        $result = Complete-ReceiverJob $receiver -TimeoutSeconds 180
        $result.Errors | Should -BeNullOrEmpty
        $received = $result.Files

        @($sentLines | Sort-Object) | Should -Be @('SENT in-progress/big.log', 'SENT r1/a.txt', 'SENT r1/b.bin', 'SENT r2/c.txt')
        @($runs[0].Output -split "`r?`n" | Where-Object { $_ -like 'SENT *' }).Count | Should -Be 2
        @($received.RelativePath | Sort-Object) | Should -Be @('in-progress/big.log', 'r1/a.txt', 'r1/b.bin', 'r2/c.txt')
        @(Get-ChildItem $outbox -Recurse -File) | Should -BeNullOrEmpty
        @(Compare-FileTree -Reference $archive -Difference $inbox | Where-Object { -not $_.Match }) | Should -BeNullOrEmpty
        ($runs.Output + $runs.Errors) -join "`n" | Should -Not -Match ([regex]::Escape($Secret))
    }
}
