// The backup domain (RM0351 §5.1.5): RTC, its backup registers and RCC_BDCR. Writes into it are allowed only while
// PWR_CR1.DBP is set, and RCC_BDCR.BDRST resets all of it. PWR owns DBP and RCC owns BDRST; the RTC and RCC_BDCR
// obey them; this object is the wire between them.
namespace Stm32Boot.VirtualBoard.Peripherals;

public sealed class BackupDomain
{
    /// PWR_CR1.DBP: backup-domain write protection disabled.
    public bool WritesEnabled { get; internal set; }

    /// Raised by RCC_BDCR.BDRST: every backup-domain register returns to its reset value.
    internal event Action? DomainReset;

    internal void ResetDomain() => DomainReset?.Invoke();
}
