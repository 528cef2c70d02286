namespace Streamsend.Bench;

/// <summary>Issue 14's targets, each computed from figures of the same run, printed last with met or missed.</summary>
public sealed class TargetsTable
{
    private readonly List<(string Target, string Figures, double? Value, double Required)> rows = new();

    public bool AllMet => rows.All(row => row.Value >= row.Required);

    /// <param name="value">Null when a figure it needs was not measured; <paramref name="figures"/> then says why.</param>
    public void Add(string target, string figures, double? value, double required) => rows.Add((target, figures, value, required));

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine("Targets (issue 14), from the figures of this run:");
        Console.WriteLine("| target | from this run | measured | required | result |");
        Console.WriteLine("| --- | --- | ---: | ---: | --- |");
        foreach (var (target, figures, value, required) in rows)
        {
            var result = value is null ? "not measured" : value >= required ? "met" : "MISSED";
            Console.WriteLine($"| {target} | {figures} | {value:F2} | ≥ {required:0.0#} | {result} |");
        }
    }
}
