# Node.js servers the object-store tests run on loopback, each pinned by a package-lock.json in its own tools/ folder
# (tools/s3rver, tools/azurite) and installed with 'npm ci' on first use, so CI needs only Node.js and npm.
#
#   Install-NodeTool -Directory tools/azurite -Package azurite
#   $server = Start-NodeServer -Directory tools/azurite -Script node_modules/azurite/dist/src/blob/main.js -Argument '--blobPort', '0' -Ready '(http://\S+)$'

Set-StrictMode -Version 3.0

function Install-NodeTool {
    <# Installs a tools/ folder's packages from its lock file, unless an earlier run did (its node_modules/<Package> is there). #>
    param([Parameter(Mandatory)][string]$Directory, [Parameter(Mandatory)][string]$Package)
    if (Test-Path -LiteralPath (Join-Path $Directory "node_modules/$Package/package.json")) {
        return
    }
    $npm = if ($IsWindows) { 'npm.cmd' } else { 'npm' }
    if (-not (Get-Command $npm -ErrorAction Ignore)) {
        throw "These tests need Node.js 18 or later with npm on the PATH (they run $Package from npm)."
    }
    Push-Location -LiteralPath $Directory
    try {
        $output = & $npm ci --no-audit --no-fund 2>&1
        if ($LASTEXITCODE -ne 0) {
            throw "npm ci in '$Directory' failed (exit code $LASTEXITCODE): $($output -join [Environment]::NewLine)"
        }
    }
    finally {
        Pop-Location
    }
}

function Start-NodeServer {
    <#
    Runs 'node <Script> <Argument...>' in <Directory> and waits (30 s at most) for the first line of its output that
    matches -Ready; returns the process and that match ($Matches[1] as Address). -Environment adds variables.
    #>
    param(
        [Parameter(Mandatory)][string]$Directory,
        [Parameter(Mandatory)][string]$Script,
        [string[]]$Argument = @(),
        [Parameter(Mandatory)][string]$Ready,
        [hashtable]$Environment = @{}
    )
    $start = [Diagnostics.ProcessStartInfo]::new('node')
    $start.WorkingDirectory = $Directory
    foreach ($item in @($Script) + $Argument) { $start.ArgumentList.Add($item) }
    foreach ($name in $Environment.Keys) { $start.Environment[$name] = $Environment[$name] }
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($start)
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    $seen = [Collections.Generic.List[string]]::new()
    while ([DateTime]::UtcNow -lt $deadline) {
        $line = $process.StandardOutput.ReadLineAsync()
        if (-not $line.Wait($deadline - [DateTime]::UtcNow) -or $null -eq $line.Result) {
            break
        }
        $seen.Add($line.Result)
        if ($line.Result -match $Ready) {
            # Keep reading, so a chatty server never blocks on a full pipe.
            $null = $process.StandardOutput.BaseStream.CopyToAsync([IO.Stream]::Null)
            return [pscustomobject]@{ Process = $process; Address = $Matches[1] }
        }
    }
    $process.Kill($true)
    throw "node $Script did not start: '$($seen -join ' | ')'."
}

Export-ModuleMember -Function Install-NodeTool, Start-NodeServer
