#nullable enable
// Runs a process through CliWrap with its output streamed live, each line prefixed with the step's name, and
// fails the task with the command line when the process fails.
using CliWrap;

async Task Run(string tool, string[] args, string prefix, IReadOnlyDictionary<string, string?>? environment = null, Action<string>? observe = null)
{
    var label = $"[{prefix}] ";
    var result = await Cli.Wrap(tool)
        .WithArguments(args)
        .WithWorkingDirectory(MakeAbsolute(Directory(".")).FullPath)
        .WithEnvironmentVariables(environment ?? new Dictionary<string, string?>())
        .WithStandardOutputPipe(PipeTarget.ToDelegate(line => { observe?.Invoke(line); Information("{0}", label + line); }))
        .WithStandardErrorPipe(PipeTarget.ToDelegate(line => Warning("{0}", label + line)))
        .WithValidation(CommandResultValidation.None)
        .ExecuteAsync();
    if (result.ExitCode != 0)
        throw new CakeException($"{prefix}: `{tool} {string.Join(' ', args)}` exited with code {result.ExitCode} (its output is above).");
}
