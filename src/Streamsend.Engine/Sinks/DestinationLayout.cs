namespace Streamsend.Engine.Sinks;

/// <summary>Where under the destination a file lands (-Layout).</summary>
public enum DestinationLayout
{
    /// <summary>At its relative path, as the sender sent it.</summary>
    Tree,

    /// <summary>At &lt;sender&gt;/&lt;relative path&gt; (<see cref="BySenderLayout"/>).</summary>
    BySender,
}
