namespace Streamsend.Engine.Sending;

/// <summary>Kafka (the broker, or the client's own limit) refused a chunk as too large: the sender shrinks and starts the file again.</summary>
internal sealed class MessageTooLargeException : Exception
{
    public MessageTooLargeException(string reason)
        : base(reason)
    {
    }
}
