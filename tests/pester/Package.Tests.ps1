# build.ps1 Package's .nupkg, as an ops team uses it: published to a folder, registered as a PSResource repository,
# installed with Install-PSResource into a fresh user's module path, imported by name, and used to send a file.

BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
    Import-Module "$PSScriptRoot/ChildProcess.psm1" -Force
    $repositoryRoot = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    Import-Module (Join-Path $repositoryRoot 'tools/ModuleLayout.psm1') -Force
    Import-StreamsendModule
    $script:package = New-ModulePackage -RepositoryRoot $repositoryRoot -OutputDirectory (Join-Path $TestDrive 'out')
    $script:cluster = Start-MockKafka -Brokers 3
    $script:MockConfig = @{ 'fetch.wait.max.ms' = 10 }
}

AfterAll {
    if ($cluster) { Stop-MockKafka $cluster }
}

Describe 'the Streamsend package' {
    It 'holds the cmdlets and engine of both editions and librdkafka for every platform each runs on' {
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $archive = [IO.Compression.ZipFile]::OpenRead($package.Nupkg)
        try {
            $entries = @($archive.Entries | ForEach-Object { [Uri]::UnescapeDataString($_.FullName) -replace '\\', '/' })
        }
        finally {
            $archive.Dispose()
        }
        foreach ($file in 'Streamsend.psd1', 'Streamsend.psm1', 'Streamsend.format.ps1xml',
            'bin/net8.0/Streamsend.PowerShell.dll', 'bin/net8.0/lib/Streamsend.Engine.dll', 'bin/net8.0/lib/Confluent.Kafka.dll',
            'bin/net472/Streamsend.PowerShell.dll', 'bin/net472/lib/Streamsend.Engine.dll', 'bin/net472/lib/Confluent.Kafka.dll',
            'bin/net472/lib/AWSSDK.S3.dll', 'bin/net472/lib/Azure.Storage.Blobs.dll', 'bin/net472/lib/Azure.Identity.dll', 'bin/net8.0/lib/Azure.Storage.Blobs.dll', 'bin/net472/lib/System.Threading.Channels.dll', 'bin/net472/en-US/Streamsend.PowerShell.dll-Help.xml') {
            $entries | Should -Contain $file
        }
        foreach ($native in 'bin/net8.0/lib/runtimes/win-x64/native/librdkafka.dll', 'bin/net8.0/lib/runtimes/win-x86/native/librdkafka.dll',
            'bin/net8.0/lib/runtimes/linux-x64/native/centos8-librdkafka.so', 'bin/net8.0/lib/runtimes/linux-arm64/native/librdkafka.so',
            'bin/net8.0/lib/runtimes/osx-x64/native/librdkafka.dylib', 'bin/net8.0/lib/runtimes/osx-arm64/native/librdkafka.dylib',
            'bin/net472/lib/runtimes/win-x64/native/librdkafka.dll', 'bin/net472/lib/runtimes/win-x86/native/librdkafka.dll',
            'bin/net472/lib/runtimes/win-x64/native/vcruntime140.dll', 'bin/net472/lib/runtimes/win-x86/native/libssl-3.dll') {
            $entries | Should -Contain $native
        }
    }

    It 'installs from a file repository with <Installer>, imports by name and sends a file that lands hash-exact' -ForEach @(
        # PSResourceGet ships with PowerShell 7.4+; PowerShellGet 2 is what Windows PowerShell 5.1 fleets usually have.
        @{ Installer = 'Install-PSResource'; Install = 'Register-PSResourceRepository -Name OpsFeed -Uri ''{0}'' -Trusted; Install-PSResource -Name Streamsend -Repository OpsFeed -Scope CurrentUser' }
        @{ Installer = 'Install-Module'; Install = 'Register-PSRepository -Name OpsFeed -SourceLocation ''{0}'' -InstallationPolicy Trusted; Install-Module -Name Streamsend -Repository OpsFeed -Scope CurrentUser' }
    ) {
        $topic = New-MockKafkaTopic $cluster -Prefix 'package' -Partitions 3
        $file = New-RandomFile -Path (Join-Path $TestDrive "outbox-$Installer/policy.pdf") -Length 3MB -Seed 15
        $inbox = Join-Path $TestDrive "inbox-$Installer"
        $userHome = Join-Path $TestDrive "home-$Installer"
        # .NET reports no local application data folder where it does not exist yet, and PSResourceGet would then keep
        # its repository list under the current folder: a user's home has these.
        foreach ($folder in '.local/share', '.config', '.cache', 'AppData/Local') {
            $null = New-Item -ItemType Directory -Path (Join-Path $userHome $folder) -Force
        }
        $script = @"
`$ErrorActionPreference = 'Stop'
$($Install -f (Split-Path -Parent $package.Nupkg))
Import-Module Streamsend
'MODULEBASE ' + (Get-Module Streamsend).ModuleBase
`$sent = Send-StreamFile -LiteralPath '$($file.FullName)' -BootstrapServers '$($cluster.BootstrapServers)' -Topic '$topic' -Config @{ 'fetch.wait.max.ms' = 10 }
'SENT ' + `$sent.Md5
"@
        # A new user: the module path, the PSResource repositories and the installed modules are all under this HOME.
        # dotnet keeps finding the pinned PowerShell tool in the real user's NuGet cache.
        $nugetPackages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
        $saved = @{ NUGET_PACKAGES = $env:NUGET_PACKAGES; DOTNET_CLI_HOME = $env:DOTNET_CLI_HOME; HOME = $env:HOME; XDG_DATA_HOME = $env:XDG_DATA_HOME; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME; XDG_CACHE_HOME = $env:XDG_CACHE_HOME; PSModulePath = $env:PSModulePath; USERPROFILE = $env:USERPROFILE; LOCALAPPDATA = $env:LOCALAPPDATA }
        try {
            $env:NUGET_PACKAGES = $nugetPackages; $env:DOTNET_CLI_HOME = [Environment]::GetFolderPath('UserProfile')
            $env:HOME = $userHome; $env:USERPROFILE = $userHome; $env:LOCALAPPDATA = Join-Path $userHome 'AppData/Local'
            $env:XDG_DATA_HOME = Join-Path $userHome '.local/share'; $env:XDG_CONFIG_HOME = Join-Path $userHome '.config'; $env:XDG_CACHE_HOME = Join-Path $userHome '.cache'
            $env:PSModulePath = $null
            $child = Start-PwshProcess -Script $script -OutputPath (Join-Path $TestDrive "install-$Installer.log")
        }
        finally {
            foreach ($name in $saved.Keys) { Set-Item -Path "env:$name" -Value $saved[$name] }
        }
        $lines = Wait-PwshProcess $child -TimeoutSeconds 240
        $child.Process.ExitCode | Should -Be 0 -Because (($lines -join [Environment]::NewLine) -replace '\e\[[0-9;]*[A-Za-z]', '')

        $moduleBase = ($lines | Where-Object { $_ -like 'MODULEBASE *' }) -replace '^MODULEBASE ', ''
        $moduleBase | Should -BeLike "$userHome*"
        Test-Path -LiteralPath (Join-Path $moduleBase 'bin/net472/Streamsend.PowerShell.dll') | Should -BeTrue
        $sentMd5 = ($lines | Where-Object { $_ -like 'SENT *' }) -replace '^SENT ', ''
        $sentMd5 | Should -Be (Get-FileHash -LiteralPath $file.FullName -Algorithm MD5).Hash.ToLowerInvariant()

        $received = @(Receive-StreamFile -BootstrapServers $cluster.BootstrapServers -Topic $topic -Destination $inbox -GroupId "pester-$topic" `
                -Config $MockConfig -MaxFiles 1 -Timeout (New-TimeSpan -Minutes 2))
        $received.Count | Should -Be 1
        $received[0].Md5 | Should -Be $sentMd5
        (Get-FileHash -LiteralPath (Join-Path $inbox 'policy.pdf') -Algorithm MD5).Hash.ToLowerInvariant() | Should -Be $sentMd5
    }
}
