# Runs a PowerShell script in a separate `dotnet pwsh` process, as a scheduled task or a second console would,
# so tests can kill it (not stop it politely) and read what it wrote before it died.

Set-StrictMode -Version 3.0

$repositoryRoot = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)

function Start-PwshProcess {
    <#
    .SYNOPSIS
    Starts `dotnet pwsh -NonInteractive -Command $Script` from the repository root; stdout and stderr go to one file,
    line by line as they are written.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Script,
        [Parameter(Mandatory)][string]$OutputPath,
        # Variables to set in the child's environment only.
        [hashtable]$Environment = @{},
        # Without -NonInteractive, so that cmdlets write progress (to a host that can take it, such as a nested [powershell]).
        [switch]$Interactive
    )
    $startInfo = [Diagnostics.ProcessStartInfo]::new((Get-Process -Id $PID).Path)
    foreach ($argument in @('pwsh', '-NoProfile') + @(if (-not $Interactive) { '-NonInteractive' }) + @('-Command', $Script)) {
        $startInfo.ArgumentList.Add($argument)
    }
    foreach ($name in $Environment.Keys) {
        $startInfo.Environment[$name] = $Environment[$name]
    }
    $startInfo.WorkingDirectory = $repositoryRoot
    $startInfo.UseShellExecute = $false
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($startInfo)
    $writer = [IO.StreamWriter]::new($OutputPath, $false, [Text.UTF8Encoding]::new($false))
    $writer.AutoFlush = $true
    # Copied line by line, so what the process printed before a kill is on disk.
    $copy = {
        param($reader, $writer)
        while ($null -ne ($line = $reader.ReadLine())) { [Threading.Monitor]::Enter($writer); try { $writer.WriteLine($line) } finally { [Threading.Monitor]::Exit($writer) } }
    }
    $jobs = @(
        (Start-ThreadJob -ScriptBlock $copy -ArgumentList $process.StandardOutput, $writer)
        (Start-ThreadJob -ScriptBlock $copy -ArgumentList $process.StandardError, $writer)
    )
    [pscustomobject]@{ Process = $process; Output = $OutputPath; Writer = $writer; Jobs = $jobs }
}

function Wait-PwshProcess {
    <# Waits for the process to end (or kills it with -Kill), then returns the lines it printed. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)]$Child, [switch]$Kill, [int]$TimeoutSeconds = 180)
    if ($Kill) {
        $Child.Process.Kill($true)
    }
    if (-not $Child.Process.WaitForExit($TimeoutSeconds * 1000)) {
        $Child.Process.Kill($true)
        throw "The child pwsh did not end within $TimeoutSeconds s."
    }
    $null = $Child.Jobs | Wait-Job -Timeout 30
    $Child.Jobs | Remove-Job -Force
    $Child.Writer.Dispose()
    @(Get-Content -LiteralPath $Child.Output)
}

Export-ModuleMember -Function Start-PwshProcess, Wait-PwshProcess
