using System.Text;
using Spectre.Console.Cli;
using Stm32Boot.Cli;

// A command is one file (class + its settings, described by [Description]) and one AddCommand line here.
Console.OutputEncoding = Encoding.UTF8;
ConsoleWidth.Apply();
// `stm32boot help [COMMAND]` is what many tools (git, dotnet) accept; Spectre knows only --help, so say it that way.
if (args is ["help", .. var rest])
    args = [.. rest, "--help"];
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("stm32boot");
    // An unknown option is a typo, not something to pass through silently.
    config.Settings.StrictParsing = true;
    config.SetExceptionHandler(ErrorReporter.Report);
    config.AddCommand<GenerateCommand>("generate");
    config.AddCommand<KeygenCommand>("keygen");
    config.AddCommand<StampCommand>("stamp");
    config.AddCommand<MergeCommand>("merge");
    config.AddCommand<InfoCommand>("info");
    config.AddCommand<EmulateCommand>("emulate");
    config.AddCommand<FlashCommand>("flash");
    config.AddCommand<SendCommand>("send");
});
return app.Run(args);
