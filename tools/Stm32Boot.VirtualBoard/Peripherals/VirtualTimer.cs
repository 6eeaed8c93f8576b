// One pending virtual-time event of a model ("PLL locks at t", "this frame's stop bit ends at t") that the model
// re-arms or cancels. It always asks IBoard.Clock, so a board that replaces its clock at power-on is followed.
namespace Stm32Boot.VirtualBoard.Peripherals;

internal sealed class VirtualTimer(IBoard board)
{
    private long? _handle;

    public bool Pending => _handle is not null;

    public void Arm(ulong atPs, Action action)
    {
        Cancel();
        _handle = board.Clock.Schedule(atPs, () =>
        {
            // Cleared before the action runs, so the action may re-arm this same timer.
            _handle = null;
            action();
        });
    }

    public void ArmAfter(ulong delayPs, Action action) => Arm(board.Clock.NowPs + delayPs, action);

    public void Cancel()
    {
        if (_handle is not long handle) return;
        _handle = null;
        board.Clock.Cancel(handle);
    }
}
