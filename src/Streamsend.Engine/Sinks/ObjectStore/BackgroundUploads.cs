namespace Streamsend.Engine.Sinks.ObjectStore;

/// <summary>
/// One file's uploads that run beside the receiver (S3 parts, Azure blocks), at most as many at once, across the whole
/// sink, as its slots allow. Waiting for a free slot is the back-pressure that keeps memory bounded: the receiver stops
/// reading Kafka meanwhile. The first failure is kept and thrown on the file's next write or at its commit.
/// </summary>
internal sealed class BackgroundUploads : IDisposable
{
    private readonly SemaphoreSlim slots;
    private readonly List<Task> running = new();
    private readonly CancellationTokenSource cancellation = new();
    private Exception? failure;

    /// <param name="slots">The sink's upload slots, shared by all its files.</param>
    public BackgroundUploads(SemaphoreSlim slots) => this.slots = slots;

    /// <summary>
    /// Waits for a free slot, then runs <paramref name="upload"/> off the caller's thread. <paramref name="release"/>
    /// runs once it ended in any way (it gives back what the upload read from), and also when no slot was had.
    /// </summary>
    public async ValueTask StartAsync(Func<CancellationToken, Task> upload, Action release, CancellationToken cancellationToken)
    {
        try
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            release();
            throw;
        }
        running.RemoveAll(task => task.IsCompleted);
        running.Add(RunAsync(upload, release));
    }

    /// <summary>Throws the first failed upload as the failure to land <paramref name="location"/>; <paramref name="what"/> says what was uploaded ("a part").</summary>
    public void ThrowIfFailed(string location, string what)
    {
        if (Volatile.Read(ref failure) is { } e)
        {
            throw new StreamsendException("DestinationWriteFailed", ErrorKind.WriteError, $"Cannot upload {what} of '{location}': {e.Message}. It will be received again by the next run.", location, e);
        }
    }

    /// <summary>Waits for every upload to end, then throws the first failure, if any.</summary>
    public async Task CompleteAsync(string location, string what)
    {
        await Task.WhenAll(running).ConfigureAwait(false);
        ThrowIfFailed(location, what);
    }

    /// <summary>Cancels the uploads still running and waits for them to end; what they uploaded is discarded by the caller.</summary>
    public Task CancelAsync()
    {
        cancellation.Cancel();
        return WaitAsync();
    }

    /// <summary>
    /// Waits for every upload to end, failed or not, and throws nothing: a checkpoint then records what was uploaded
    /// (a failure stays for <see cref="ThrowIfFailed"/>), an abort discards it.
    /// </summary>
    public async Task WaitAsync()
    {
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // RunAsync catches every failure; only a cancelled upload ends here.
        }
    }

    public void Dispose() => cancellation.Dispose();

    private async Task RunAsync(Func<CancellationToken, Task> upload, Action release)
    {
        try
        {
            // Off the receiver's thread from here: the upload travels while the next chunks are read.
            await Task.Yield();
            await upload(cancellation.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellation.IsCancellationRequested)
        {
            Interlocked.CompareExchange(ref failure, e, null);
        }
        finally
        {
            release();
            slots.Release();
        }
    }
}
