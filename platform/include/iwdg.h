/* Independent watchdog refresh. The IWDG may run without software starting it (option byte IWDG_SW = 0: from every
 * reset, prescaler /4 and reload 0xFFF, 4096 x 4 / 32 kHz = 512 ms, RM0351 §32), and nothing but a reset stops it
 * once started. The contract of both images: refresh from the main loop and at the progress points of operations
 * that legitimately take longer (a completed flash operation, a completed USB transaction), never from an
 * interrupt, which keeps coming while the main loop hangs. */
#ifndef IWDG_H
#define IWDG_H

void iwdg_refresh(void);

#endif /* IWDG_H */
