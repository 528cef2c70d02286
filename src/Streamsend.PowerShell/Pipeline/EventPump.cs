using System.Management.Automation;
using Streamsend.Engine.Events;

namespace Streamsend.PowerShell.Pipeline;

/// <summary>
/// Runs on the pipeline thread: takes engine events off the queue and writes them as objects, errors, progress,
/// warnings and verbose text, the only thread on which PowerShell allows that.
/// </summary>
internal sealed class EventPump
{
    private readonly Cmdlet cmdlet;
    private readonly EngineEventQueue queue;
    private bool pipelineStopped;

    public EventPump(Cmdlet cmdlet, EngineEventQueue queue, ProgressView progress)
    {
        this.cmdlet = cmdlet;
        this.queue = queue;
        Progress = progress;
    }

    public ProgressView Progress { get; }

    /// <summary>Writes what has arrived so far, without waiting.</summary>
    public void DrainAvailable()
    {
        while (!pipelineStopped && queue.TryTake(out var engineEvent, 0))
        {
            Write(engineEvent);
        }
    }

    /// <summary>Writes events until <paramref name="engineTask"/> ends, then returns its result (or throws its failure).</summary>
    public T RunUntilDone<T>(Task<T> engineTask)
    {
        while (!engineTask.IsCompleted)
        {
            if (!pipelineStopped && queue.TryTake(out var engineEvent, 100))
            {
                Write(engineEvent);
            }
            else if (pipelineStopped)
            {
                // Ctrl+C: let the engine finish its cleanup (abort staged files, commit safe offsets) before the cmdlet returns.
                engineTask.Wait(TimeSpan.FromMilliseconds(100));
            }
        }
        DrainAvailable();
        if (!pipelineStopped)
        {
            Progress.Complete();
        }
        if (pipelineStopped)
        {
            throw new PipelineStoppedException();
        }
        return engineTask.GetAwaiter().GetResult();
    }

    private void Write(EngineEvent engineEvent)
    {
        try
        {
            switch (engineEvent)
            {
                case FileSentEvent sent:
                    cmdlet.WriteObject(sent.File);
                    break;
                case FileReceivedEvent received:
                    cmdlet.WriteObject(received.File);
                    break;
                case TransferFailedEvent failed:
                    cmdlet.WriteError(ErrorRecords.From(failed.Error));
                    break;
                case ProgressEvent progress:
                    Progress.Update(progress.Progress);
                    break;
                case KafkaWaitEvent wait:
                    Progress.Waiting(wait);
                    break;
                case DiagnosticEvent { Level: DiagnosticLevel.Warning } warning:
                    cmdlet.WriteWarning(warning.Message);
                    break;
                case DiagnosticEvent { Level: DiagnosticLevel.Verbose } verbose:
                    cmdlet.WriteVerbose(verbose.Message);
                    break;
                case DiagnosticEvent debug:
                    cmdlet.WriteDebug(debug.Message);
                    break;
            }
        }
        catch (PipelineStoppedException)
        {
            pipelineStopped = true;
        }
    }
}
