using System.Management.Automation;
using System.Security;

namespace Streamsend.PowerShell.Commands;

/// <summary>
/// Lets a SecureString parameter take plain text too, as scripts and runbooks have keys and tokens (Get-AutomationVariable,
/// a pipeline secret): 'xyz' becomes a SecureString, a SecureString (Read-Host -AsSecureString, Get-AzKeyVaultSecret's
/// SecretValue) passes as it is.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SecretTextAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is not string text)
        {
            return value;
        }
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }
        secure.MakeReadOnly();
        return secure;
    }
}
