namespace Streamsend.Engine.Spool;

/// <summary>What happens to a spool folder's file once Kafka acknowledged every chunk of it.</summary>
public enum AfterSendAction
{
    /// <summary>The file stays where it is.</summary>
    None,

    /// <summary>The file is deleted.</summary>
    Delete,

    /// <summary>The file is moved below the archive folder, at the same relative path.</summary>
    Move,
}
