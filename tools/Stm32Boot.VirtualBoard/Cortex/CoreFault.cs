// Thrown inside the core when the firmware did something the silicon would fault on (or the board cannot model);
// the run loop turns it into a BoardFaultException with the CPU state.
namespace Stm32Boot.VirtualBoard.Cortex;

internal sealed class CoreFault(string message) : Exception(message);
