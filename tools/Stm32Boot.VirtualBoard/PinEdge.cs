// A level change of a GPIO output at a virtual time (LED1 PA5, LED2 PB14, or any other pin).
namespace Stm32Boot.VirtualBoard;

public sealed record PinEdge(char Port, int Pin, bool Level, ulong AtPs);
