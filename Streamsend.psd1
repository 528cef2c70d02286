@{
    RootModule           = 'Streamsend.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '510cc664-1c2d-4870-a6e0-298a66dbf7f3'
    Author               = 'Streamsend'
    CompanyName          = 'Streamsend'
    Copyright            = '(c) Streamsend contributors. MIT License.'
    Description          = 'Sends files and directory trees through Kafka topics and reassembles them on the other side, to a local directory or object storage: chunked, checksummed, resumable.'
    CompatiblePSEditions = @('Core', 'Desktop')
    PowerShellVersion    = '5.1'

    # Default views for SentFile, ReceivedFile and StreamTopicInfo. Kept in source at the module root, so a
    # clone, a build and a package all load it from the same place.
    FormatsToProcess     = @('Streamsend.format.ps1xml')

    FunctionsToExport    = @()
    CmdletsToExport      = @('Send-StreamFile', 'Receive-StreamFile', 'Get-StreamTopicInfo')
    VariablesToExport    = @()
    AliasesToExport      = @()

    PrivateData          = @{
        PSData = @{
            Tags       = @('Kafka', 'FileTransfer', 'Streaming', 'S3', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
