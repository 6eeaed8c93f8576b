/* Independent watchdog refresh. The IWDG may run without software starting it (option byte IWDG_SW = 0), and
 * nothing stops it once started, so code that waits for long keeps refreshing it. */
#ifndef IWDG_H
#define IWDG_H

void iwdg_refresh(void);

#endif /* IWDG_H */
