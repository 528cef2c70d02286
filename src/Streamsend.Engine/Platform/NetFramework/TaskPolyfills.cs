using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Streamsend.Engine;

/// <summary>
/// Task, ValueTask, Parallel and channel members that .NET 5-8 added and .NET Framework 4.7.2 lacks, with the same
/// meaning: a wait that a token or a timeout ends throws as .NET's does, and leaves the awaited task running.
/// </summary>
internal static class TaskPolyfills
{
    extension(ValueTask)
    {
        public static ValueTask CompletedTask => default;

        public static ValueTask<TResult> FromResult<TResult>(TResult result) => new(result);
    }

    extension(Task task)
    {
        public bool IsCompletedSuccessfully => task.Status == TaskStatus.RanToCompletion;
    }

    extension(Task)
    {
        public static Task Delay(TimeSpan delay, TimeProvider timeProvider, CancellationToken cancellationToken) =>
            timeProvider.Delay(delay, cancellationToken);
    }

    public static async Task WaitAsync(this Task task, CancellationToken cancellationToken)
    {
        await WhenDoneOrEnded(task, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        await task.ConfigureAwait(false);
    }

    public static async Task<TResult> WaitAsync<TResult>(this Task<TResult> task, CancellationToken cancellationToken)
    {
        await WhenDoneOrEnded(task, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    public static async Task WaitAsync(this Task task, TimeSpan timeout)
    {
        await WhenDoneOrEnded(task, timeout, CancellationToken.None).ConfigureAwait(false);
        await task.ConfigureAwait(false);
    }

    public static async Task<TResult> WaitAsync<TResult>(this Task<TResult> task, TimeSpan timeout)
    {
        await WhenDoneOrEnded(task, timeout, CancellationToken.None).ConfigureAwait(false);
        return await task.ConfigureAwait(false);
    }

    /// <summary>Returns once <paramref name="task"/> is done; throws if the token or the timeout comes first.</summary>
    private static async Task WhenDoneOrEnded(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (task.IsCompleted)
        {
            return;
        }
        cancellationToken.ThrowIfCancellationRequested();
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(timeout, ended.Token);
        if (await Task.WhenAny(task, timer).ConfigureAwait(false) != task)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"The operation has timed out after {timeout}.");
        }
        ended.Cancel();
    }

    extension(Parallel)
    {
        /// <summary>Runs <paramref name="body"/> for each index, at most MaxDegreeOfParallelism at once; the first failure ends the rest.</summary>
        public static async Task ForAsync(int fromInclusive, int toExclusive, ParallelOptions parallelOptions, Func<int, CancellationToken, ValueTask> body)
        {
            var workers = parallelOptions.MaxDegreeOfParallelism > 0 ? parallelOptions.MaxDegreeOfParallelism : Environment.ProcessorCount;
            using var failed = CancellationTokenSource.CreateLinkedTokenSource(parallelOptions.CancellationToken);
            var next = fromInclusive - 1;
            async Task Work()
            {
                await Task.Yield();
                int index;
                while ((index = Interlocked.Increment(ref next)) < toExclusive)
                {
                    failed.Token.ThrowIfCancellationRequested();
                    try
                    {
                        await body(index, failed.Token).ConfigureAwait(false);
                    }
                    catch
                    {
                        failed.Cancel();
                        throw;
                    }
                }
            }
            await Task.WhenAll(Enumerable.Range(0, Math.Max(1, Math.Min(workers, toExclusive - fromInclusive))).Select(_ => Work())).ConfigureAwait(false);
        }
    }

    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this ChannelReader<T> reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var item))
            {
                yield return item;
            }
        }
    }
}
