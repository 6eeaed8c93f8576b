/* The application's half of the bootloader's boot-attempt rule, for an application that does not link this
 * repository's platform/ code (docs/your-application.md, "Confirming the boot"). */
#ifndef BOOT_CONFIRM_APP_H
#define BOOT_CONFIRM_APP_H

/* Confirms the running image if the bootloader started it in trial. Returns what happened, in words:
 * "confirmed now", "already confirmed", "not started in trial by the bootloader" or "flash error". */
const char *boot_confirm_app(void);

#endif /* BOOT_CONFIRM_APP_H */
