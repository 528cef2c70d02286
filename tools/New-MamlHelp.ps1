#Requires -Version 7.0
<#
.SYNOPSIS
Builds the MAML help file of the Streamsend cmdlets from their markdown pages in docs/.

.DESCRIPTION
Reads every markdown page in -DocsPath whose front matter names an external help file (for example
"external help file: Streamsend.PowerShell.dll-Help.xml"). Writes one MAML file for each name it finds, to
<OutputPath>/en-US/<name>, where Get-Help finds it beside the cmdlet assembly.

The pages follow platyPS's layout, and this script enforces that layout strictly instead of guessing:
  # Verb-Noun
  ## SYNOPSIS, ## SYNTAX (### SetName [(Default)] + a fenced block for each set), ## DESCRIPTION,
  ## EXAMPLES (### Example N: title, a ```powershell block, then remarks; more fenced blocks such as ```output
  are kept verbatim in the remarks), ## PARAMETERS (### -Name, a description, then a ```yaml block with Type,
  Parameter Sets, Aliases, [Accepted values,] Required, Position, Default value, Accept pipeline input,
  Accept wildcard characters; ### CommonParameters is skipped), ## INPUTS and ## OUTPUTS (### TypeName +
  description), ## NOTES, ## RELATED LINKS ([text](target) lines).
Every parameter named in SYNTAX must be documented under PARAMETERS for that set, and every documented parameter
must appear in SYNTAX. Any deviation stops the script with the file and line, so broken help never ships.

Needs nothing but PowerShell 7: platyPS is not used.

.PARAMETER DocsPath
The folder with the markdown pages. Default: docs/ of this repository.

.PARAMETER OutputPath
The folder of the cmdlet assembly. The help goes to its en-US subfolder; a path that already ends in en-US is used
as it is. Default: bin/net8.0 of this repository.

.EXAMPLE
dotnet pwsh ./tools/New-MamlHelp.ps1 -DocsPath docs -OutputPath bin/net8.0

Writes bin/net8.0/en-US/Streamsend.PowerShell.dll-Help.xml from docs/*.md.
#>
[CmdletBinding()]
param(
    [string] $DocsPath = (Join-Path $PSScriptRoot '../docs'),

    [string] $OutputPath = (Join-Path $PSScriptRoot '../bin/net8.0')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$NsMaml = 'http://schemas.microsoft.com/maml/2004/10'
$NsCommand = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$NsDev = 'http://schemas.microsoft.com/maml/dev/2004/10'
$NsMSHelp = 'http://msdn.microsoft.com/mshelp'
$YamlKeys = 'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters'
$AllSets = '(All)'

function Stop-Page([string] $File, [int] $Line, [string] $Message) {
    throw "${File}:${Line}: $Message"
}

# Lines -> blocks: headings, fenced code and paragraphs, so that a '#' inside code is never taken for a heading.
function Split-MarkdownBlock([string[]] $Lines, [string] $File, [int] $FirstLine) {
    $blocks = [System.Collections.Generic.List[object]]::new()
    $i = 0
    while ($i -lt $Lines.Count) {
        $line = $Lines[$i]
        $number = $FirstLine + $i
        if ($line -match '^```(.*)$') {
            $language = $Matches[1].Trim()
            $body = [System.Collections.Generic.List[string]]::new()
            $i++
            while ($i -lt $Lines.Count -and $Lines[$i] -notmatch '^```\s*$') {
                $body.Add($Lines[$i])
                $i++
            }
            if ($i -ge $Lines.Count) { Stop-Page $File $number 'code fence is not closed' }
            $blocks.Add([pscustomobject]@{ Kind = 'Fence'; Language = $language; Lines = $body.ToArray(); Line = $number })
            $i++
        }
        elseif ($line -match '^(#{1,6})\s+(.+?)\s*$') {
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Level = $Matches[1].Length; Text = $Matches[2]; Line = $number })
            $i++
        }
        elseif ($line.Trim() -eq '') {
            $i++
        }
        else {
            $body = [System.Collections.Generic.List[string]]::new()
            while ($i -lt $Lines.Count -and $Lines[$i].Trim() -ne '' -and $Lines[$i] -notmatch '^```' -and $Lines[$i] -notmatch '^#{1,6}\s') {
                $body.Add($Lines[$i])
                $i++
            }
            $blocks.Add([pscustomobject]@{ Kind = 'Paragraph'; Lines = $body.ToArray(); Line = $number })
        }
    }
    $blocks
}

# Markdown inline syntax -> plain help text.
function ConvertTo-PlainText([string] $Text) {
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\([^)]*\)', '$1')
    $Text = [regex]::Replace($Text, '(\*\*|__)(.+?)\1', '$2')
    $Text.Replace('`', '')
}

# A paragraph block -> help paragraphs: wrapped lines are joined, each list item stays a paragraph of its own.
function ConvertTo-Para($Block) {
    $paras = [System.Collections.Generic.List[string]]::new()
    $current = $null
    foreach ($line in $Block.Lines) {
        $trimmed = $line.Trim()
        if ($trimmed -match '^([-*+]|\d+\.)\s+') {
            if ($null -ne $current) { $paras.Add($current) }
            $current = $trimmed
        }
        elseif ($null -eq $current) {
            $current = $trimmed
        }
        else {
            $current = "$current $trimmed"
        }
    }
    if ($null -ne $current) { $paras.Add($current) }
    $paras | ForEach-Object { ConvertTo-PlainText $_ }
}

function Get-ParaList($Blocks, [string] $File, [string] $Section) {
    $paras = [System.Collections.Generic.List[string]]::new()
    foreach ($block in $Blocks) {
        switch ($block.Kind) {
            'Paragraph' { foreach ($p in ConvertTo-Para $block) { $paras.Add($p) } }
            'Fence' { $paras.Add(($block.Lines -join "`n")) }
            default { Stop-Page $File $block.Line "unexpected heading '$($block.Text)' in $Section" }
        }
    }
    , $paras.ToArray()
}

# Splits a section's blocks at its ### headings: @{ Heading; Blocks }.
function Split-Subsection($Blocks, [string] $File, [string] $Section) {
    $result = [System.Collections.Generic.List[object]]::new()
    $current = $null
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading') {
            if ($block.Level -ne 3) { Stop-Page $File $block.Line "expected a ### heading in $Section, found level $($block.Level)" }
            $current = [pscustomobject]@{ Heading = $block.Text; Line = $block.Line; Blocks = [System.Collections.Generic.List[object]]::new() }
            $result.Add($current)
        }
        elseif ($null -eq $current) {
            Stop-Page $File $block.Line "$Section must start with a ### heading"
        }
        else {
            $current.Blocks.Add($block)
        }
    }
    $result.ToArray()
}

function Read-ParameterYaml($Fence, [string] $File, [string] $Name) {
    $values = [ordered]@{}
    foreach ($line in $Fence.Lines) {
        if ($line.Trim() -eq '') { continue }
        if ($line -notmatch '^([A-Za-z][A-Za-z ]*):\s*(.*)$') { Stop-Page $File $Fence.Line "-${Name}: cannot read yaml line '$line'" }
        $values[$Matches[1]] = $Matches[2].Trim()
    }
    foreach ($key in $YamlKeys) {
        if (-not $values.Contains($key)) { Stop-Page $File $Fence.Line "-${Name}: the yaml block has no '$key'" }
    }
    foreach ($key in 'Required', 'Accept wildcard characters') {
        if ($values[$key] -notin 'True', 'False') { Stop-Page $File $Fence.Line "-${Name}: '$key' must be True or False, not '$($values[$key])'" }
    }
    if ($values['Position'] -notmatch '^(Named|\d+)$') { Stop-Page $File $Fence.Line "-${Name}: Position must be Named or a number, not '$($values['Position'])'" }
    if ($values['Accept pipeline input'] -notmatch '^(False|True \((ByValue|ByPropertyName)(, (ByValue|ByPropertyName))?\))$') {
        Stop-Page $File $Fence.Line "-${Name}: 'Accept pipeline input' must be False or True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue)"
    }
    [pscustomobject]@{
        Type           = $values['Type']
        Sets           = @($values['Parameter Sets'] -split ',\s*' | Where-Object { $_ })
        Aliases        = @($values['Aliases'] -split ',\s*' | Where-Object { $_ })
        AcceptedValues = @(if ($values.Contains('Accepted values')) { $values['Accepted values'] -split ',\s*' | Where-Object { $_ } })
        Required       = $values['Required'] -eq 'True'
        Position       = if ($values['Position'] -eq 'Named') { 'named' } else { $values['Position'] }
        DefaultValue   = $values['Default value']
        PipelineInput  = $values['Accept pipeline input']
        Globbing       = $values['Accept wildcard characters'] -eq 'True'
    }
}

function Read-CommandPage([string] $Path) {
    $file = [System.IO.Path]::GetFileName($Path)
    $lines = [System.IO.File]::ReadAllLines($Path)
    $front = @{}
    $start = 0
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
        $end = 1
        while ($end -lt $lines.Count -and $lines[$end].Trim() -ne '---') {
            if ($lines[$end] -match '^([^:]+):\s*(.*)$') { $front[$Matches[1].Trim()] = $Matches[2].Trim() }
            $end++
        }
        if ($end -ge $lines.Count) { Stop-Page $file 1 'front matter is not closed with ---' }
        $start = $end + 1
    }
    if (-not $front['external help file']) { return $null }

    $blocks = Split-MarkdownBlock -Lines $lines[$start..($lines.Count - 1)] -File $file -FirstLine ($start + 1)
    $title = $blocks | Where-Object { $_.Kind -eq 'Heading' -and $_.Level -eq 1 } | Select-Object -First 1
    if (-not $title -or $title.Text -notmatch '^([A-Za-z]+)-([A-Za-z0-9]+)$') { Stop-Page $file 1 'the page needs a "# Verb-Noun" title' }
    $name = $title.Text
    $verb = $Matches[1]
    $noun = $Matches[2]
    if ([System.IO.Path]::GetFileNameWithoutExtension($Path) -ne $name) { Stop-Page $file $title.Line "the title '$name' differs from the file name" }

    $sections = [ordered]@{}
    $section = $null
    foreach ($block in $blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 1) { continue }
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 2) {
            $section = $block.Text.ToUpperInvariant()
            if ($section -notin 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS') {
                Stop-Page $file $block.Line "unknown section '## $($block.Text)'"
            }
            if ($sections.Contains($section)) { Stop-Page $file $block.Line "section '## $section' appears twice" }
            $sections[$section] = [System.Collections.Generic.List[object]]::new()
            continue
        }
        if ($null -eq $section) { Stop-Page $file $block.Line 'text before the first ## section' }
        $sections[$section].Add($block)
    }
    foreach ($required in 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS') {
        if (-not $sections.Contains($required) -or $sections[$required].Count -eq 0) { Stop-Page $file $title.Line "the section '## $required' is missing or empty" }
    }

    $synopsis = (Get-ParaList $sections['SYNOPSIS'] $file 'SYNOPSIS') -join ' '
    $description = Get-ParaList $sections['DESCRIPTION'] $file 'DESCRIPTION'

    # SYNTAX: one fenced block per parameter set; the order of parameters in it is the order Get-Help shows.
    $syntax = [System.Collections.Generic.List[object]]::new()
    $setName = $null
    foreach ($block in $sections['SYNTAX']) {
        if ($block.Kind -eq 'Heading') {
            if ($block.Level -ne 3) { Stop-Page $file $block.Line 'parameter sets in SYNTAX are ### headings' }
            $setName = ($block.Text -replace '\s*\(Default\)\s*$', '').Trim()
        }
        elseif ($block.Kind -eq 'Fence') {
            $text = $block.Lines -join ' '
            if ($text -notmatch "^\s*$([regex]::Escape($name))(\s|$)") { Stop-Page $file $block.Line "the syntax block does not start with $name" }
            $parameters = @([regex]::Matches($text, '(?<=[\s\[])-([A-Za-z][A-Za-z0-9]*)') | ForEach-Object { $_.Groups[1].Value })
            $syntax.Add([pscustomobject]@{ Set = $(if ($setName) { $setName } else { '__AllParameterSets' }); Parameters = $parameters; Line = $block.Line })
            $setName = $null
        }
        else {
            Stop-Page $file $block.Line 'SYNTAX holds only ### set headings and fenced blocks'
        }
    }
    if ($syntax.Count -eq 0) { Stop-Page $file $title.Line 'SYNTAX has no fenced block' }
    $setNames = @($syntax | ForEach-Object Set)

    # PARAMETERS
    $parameters = [ordered]@{}
    foreach ($sub in Split-Subsection $sections['PARAMETERS'] $file 'PARAMETERS') {
        if ($sub.Heading -eq 'CommonParameters') { continue }
        if ($sub.Heading -notmatch '^-([A-Za-z][A-Za-z0-9]*)$') { Stop-Page $file $sub.Line "a parameter heading is '### -Name', not '### $($sub.Heading)'" }
        $parameterName = $Matches[1]
        if ($parameters.Contains($parameterName)) { Stop-Page $file $sub.Line "-$parameterName is documented twice" }
        $paragraphs = @($sub.Blocks | Where-Object Kind -eq 'Paragraph')
        $yamlBlocks = @($sub.Blocks | Where-Object { $_.Kind -eq 'Fence' -and $_.Language -eq 'yaml' })
        if ($paragraphs.Count -eq 0) { Stop-Page $file $sub.Line "-$parameterName has no description" }
        if ($yamlBlocks.Count -eq 0) { Stop-Page $file $sub.Line "-$parameterName has no yaml block" }
        $variants = @($yamlBlocks | ForEach-Object { Read-ParameterYaml $_ $file $parameterName })
        foreach ($variant in $variants) {
            foreach ($set in $variant.Sets) {
                if ($set -ne $AllSets -and $set -notin $setNames) { Stop-Page $file $sub.Line "-$parameterName names the parameter set '$set', which SYNTAX does not have" }
            }
        }
        $parameters[$parameterName] = [pscustomobject]@{
            Name        = $parameterName
            Description = @($paragraphs | ForEach-Object { ConvertTo-Para $_ })
            Variants    = $variants
        }
    }

    # Every parameter in each syntax block is documented for that set, and every documented one appears in SYNTAX.
    $common = 'WhatIf', 'Confirm'
    foreach ($item in $syntax) {
        foreach ($parameterName in $item.Parameters) {
            if (-not $parameters.Contains($parameterName)) { Stop-Page $file $item.Line "-$parameterName is in SYNTAX but not under PARAMETERS" }
            $variant = Get-Variant $parameters[$parameterName] $item.Set
            if (-not $variant) { Stop-Page $file $item.Line "-$parameterName is in the syntax of '$($item.Set)', but its yaml does not list that set" }
        }
    }
    foreach ($parameterName in $parameters.Keys) {
        if (-not ($syntax | Where-Object { $_.Parameters -contains $parameterName })) {
            Stop-Page $file $title.Line "-$parameterName is documented but appears in no SYNTAX block"
        }
    }

    # EXAMPLES
    $examples = [System.Collections.Generic.List[object]]::new()
    foreach ($sub in Split-Subsection $sections['EXAMPLES'] $file 'EXAMPLES') {
        if ($sub.Heading -notmatch '^Example \d+:\s*\S') { Stop-Page $file $sub.Line "an example heading is '### Example N: title', not '### $($sub.Heading)'" }
        $code = $sub.Blocks | Where-Object { $_.Kind -eq 'Fence' -and $_.Language -eq 'powershell' } | Select-Object -First 1
        if (-not $code) { Stop-Page $file $sub.Line "'$($sub.Heading)' has no powershell code block" }
        $rest = @($sub.Blocks | Where-Object { $_ -ne $code })
        $examples.Add([pscustomobject]@{
                Title   = $sub.Heading
                Code    = $code.Lines -join "`n"
                Remarks = Get-ParaList $rest $file $sub.Heading
            })
    }
    if ($examples.Count -lt 2) { Stop-Page $file $title.Line "a cmdlet needs at least two examples, this one has $($examples.Count)" }

    # INPUTS, OUTPUTS
    $types = @{}
    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        $types[$kind] = @(foreach ($sub in Split-Subsection $sections[$kind] $file $kind) {
                [pscustomobject]@{ Name = $sub.Heading; Description = Get-ParaList $sub.Blocks $file $kind }
            })
        if ($types[$kind].Count -eq 0) { Stop-Page $file $title.Line "$kind needs a ### type heading (### None when there is none)" }
    }

    $notes = if ($sections.Contains('NOTES')) { Get-ParaList $sections['NOTES'] $file 'NOTES' } else { @() }

    $links = [System.Collections.Generic.List[object]]::new()
    if ($front['online version'] -match '^https?://') {
        $links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $front['online version'] })
    }
    if ($sections.Contains('RELATED LINKS')) {
        foreach ($block in $sections['RELATED LINKS']) {
            if ($block.Kind -ne 'Paragraph') { Stop-Page $file $block.Line 'RELATED LINKS holds only [text](target) lines' }
            foreach ($line in $block.Lines) {
                if ($line.Trim() -notmatch '^\[([^\]]+)\]\(([^)]*)\)$') { Stop-Page $file $block.Line "a related link is '[text](target)', not '$line'" }
                $links.Add([pscustomobject]@{ Text = $Matches[1]; Uri = $(if ($Matches[2] -match '^https?://') { $Matches[2] } else { '' }) })
            }
        }
    }

    [pscustomobject]@{
        File        = $file
        HelpFile    = $front['external help file']
        Name        = $name
        Verb        = $verb
        Noun        = $noun
        Synopsis    = $synopsis
        Description = $description
        Syntax      = $syntax.ToArray()
        Parameters  = $parameters
        Examples    = $examples.ToArray()
        Inputs      = $types['INPUTS']
        Outputs     = $types['OUTPUTS']
        Notes       = $notes
        Links       = $links.ToArray()
    }
}

function Get-Variant($Parameter, [string] $Set) {
    $Parameter.Variants | Where-Object { $_.Sets -contains $Set -or $_.Sets -contains $AllSets } | Select-Object -First 1
}

function Write-Paras([System.Xml.XmlWriter] $Writer, [string[]] $Paras) {
    foreach ($para in $Paras) {
        $Writer.WriteElementString('maml', 'para', $NsMaml, $para)
    }
}

function Write-Description([System.Xml.XmlWriter] $Writer, [string[]] $Paras) {
    $Writer.WriteStartElement('maml', 'description', $NsMaml)
    Write-Paras $Writer $Paras
    $Writer.WriteEndElement()
}

function Write-Parameter([System.Xml.XmlWriter] $Writer, $Parameter, $Variant, [bool] $InSyntax) {
    $isSwitch = $Variant.Type -eq 'SwitchParameter'
    $Writer.WriteStartElement('command', 'parameter', $NsCommand)
    $Writer.WriteAttributeString('required', $Variant.Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', $Variant.Type.EndsWith('[]').ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', $Variant.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Variant.PipelineInput)
    $Writer.WriteAttributeString('position', $Variant.Position)
    $Writer.WriteAttributeString('aliases', $(if ($Variant.Aliases.Count) { $Variant.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $NsMaml, $Parameter.Name)
    Write-Description $Writer $Parameter.Description
    if ($Variant.AcceptedValues.Count -gt 0 -and $InSyntax) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $NsCommand)
        foreach ($value in $Variant.AcceptedValues) {
            $Writer.WriteStartElement('command', 'parameterValue', $NsCommand)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('command', 'variableLength', $NsCommand, 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    if (-not ($isSwitch -and $InSyntax)) {
        $Writer.WriteStartElement('command', 'parameterValue', $NsCommand)
        $Writer.WriteAttributeString('required', $(if ($isSwitch) { 'false' } else { 'true' }))
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Variant.Type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $NsDev)
    $Writer.WriteElementString('maml', 'name', $NsMaml, $Variant.Type)
    $Writer.WriteElementString('maml', 'uri', $NsMaml, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $NsDev, $Variant.DefaultValue)
    $Writer.WriteEndElement()
}

function Write-TypeList([System.Xml.XmlWriter] $Writer, [string] $ListName, [string] $ItemName, $Types) {
    $Writer.WriteStartElement('command', $ListName, $NsCommand)
    foreach ($type in $Types) {
        $Writer.WriteStartElement('command', $ItemName, $NsCommand)
        $Writer.WriteStartElement('dev', 'type', $NsDev)
        $Writer.WriteElementString('maml', 'name', $NsMaml, $type.Name)
        $Writer.WriteEndElement()
        Write-Description $Writer $type.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-Command([System.Xml.XmlWriter] $Writer, $Page) {
    $Writer.WriteStartElement('command', 'command', $NsCommand)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $NsMaml)
    $Writer.WriteAttributeString('xmlns', 'command', $null, $NsCommand)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $NsDev)
    $Writer.WriteAttributeString('xmlns', 'MSHelp', $null, $NsMSHelp)

    $Writer.WriteStartElement('command', 'details', $NsCommand)
    $Writer.WriteElementString('command', 'name', $NsCommand, $Page.Name)
    $Writer.WriteElementString('command', 'verb', $NsCommand, $Page.Verb)
    $Writer.WriteElementString('command', 'noun', $NsCommand, $Page.Noun)
    Write-Description $Writer @($Page.Synopsis)
    $Writer.WriteEndElement()

    Write-Description $Writer $Page.Description

    $Writer.WriteStartElement('command', 'syntax', $NsCommand)
    foreach ($item in $Page.Syntax) {
        $Writer.WriteStartElement('command', 'syntaxItem', $NsCommand)
        $Writer.WriteElementString('maml', 'name', $NsMaml, $Page.Name)
        foreach ($parameterName in $item.Parameters) {
            $parameter = $Page.Parameters[$parameterName]
            Write-Parameter $Writer $parameter (Get-Variant $parameter $item.Set) $true
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $NsCommand)
    foreach ($parameter in $Page.Parameters.Values) {
        Write-Parameter $Writer $parameter $parameter.Variants[0] $false
    }
    $Writer.WriteEndElement()

    Write-TypeList $Writer 'inputTypes' 'inputType' $Page.Inputs
    Write-TypeList $Writer 'returnValues' 'returnValue' $Page.Outputs

    $Writer.WriteStartElement('maml', 'alertSet', $NsMaml)
    $Writer.WriteStartElement('maml', 'alert', $NsMaml)
    Write-Paras $Writer $Page.Notes
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'examples', $NsCommand)
    foreach ($example in $Page.Examples) {
        $Writer.WriteStartElement('command', 'example', $NsCommand)
        $Writer.WriteElementString('maml', 'title', $NsMaml, "--------- $($example.Title) ---------")
        $Writer.WriteElementString('dev', 'code', $NsDev, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $NsDev)
        Write-Paras $Writer $example.Remarks
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $NsCommand)
    foreach ($link in $Page.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $NsMaml)
        $Writer.WriteElementString('maml', 'linkText', $NsMaml, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $NsMaml, $link.Uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

$docs = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($DocsPath)
$output = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($OutputPath)
if (-not (Test-Path -LiteralPath $docs -PathType Container)) { throw "The docs folder '$docs' does not exist." }

$pages = @(Get-ChildItem -LiteralPath $docs -Filter '*.md' -File | Sort-Object Name | ForEach-Object { Read-CommandPage $_.FullName } | Where-Object { $_ })
if ($pages.Count -eq 0) { throw "No cmdlet pages in '$docs': none has 'external help file:' in its front matter." }

$culture = if ((Split-Path -Leaf $output) -eq 'en-US') { $output } else { Join-Path $output 'en-US' }
$null = New-Item -ItemType Directory -Path $culture -Force
foreach ($group in $pages | Group-Object HelpFile) {
    $target = Join-Path $culture $group.Name
    $settings = [System.Xml.XmlWriterSettings]@{
        Indent          = $true
        IndentChars     = '  '
        Encoding        = [System.Text.UTF8Encoding]::new($false)
        NewLineChars    = "`n"
        NewLineHandling = [System.Xml.NewLineHandling]::Replace
    }
    $writer = [System.Xml.XmlWriter]::Create($target, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($page in $group.Group) {
            Write-Command $writer $page
        }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
    Write-Verbose "Wrote $target ($($group.Count) commands: $($group.Group.Name -join ', '))."
    Get-Item -LiteralPath $target
}
