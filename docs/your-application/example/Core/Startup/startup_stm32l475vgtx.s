/* Startup code for the STM32L475VG, laid out as STM32CubeIDE's startup_stm32l475vgtx.s (written here from the
 * ARMv7-M architecture, not copied): the vector table in section .isr_vector, and Reset_Handler, which sets the
 * stack, calls SystemInit() (system_stm32l4xx.c: VTOR), copies .data, zeroes .bss, runs the C library's
 * constructors and calls main(). Nothing here changes for the bootloader: the linker script puts .isr_vector at the
 * image base, and SystemInit() points VTOR at it. */

  .syntax unified
  .cpu cortex-m4
  .fpu softvfp
  .thumb

  .section .text.Reset_Handler,"ax",%progbits
  .weak Reset_Handler
  .type Reset_Handler, %function
Reset_Handler:
  ldr   r0, =_estack
  mov   sp, r0              /* the bootloader set MSP from vector[0] already; a debugger's reset may not have */
  bl    SystemInit          /* before .data and .bss exist: SystemInit must not use either */

  ldr   r0, =_sdata         /* .data: its initial values from flash (_sidata) to RAM */
  ldr   r1, =_edata
  ldr   r2, =_sidata
  b     2f
1:
  ldr   r3, [r2], #4
  str   r3, [r0], #4
2:
  cmp   r0, r1
  blo   1b

  ldr   r0, =_sbss          /* .bss: zeroed */
  ldr   r1, =_ebss
  movs  r2, #0
  b     4f
3:
  str   r2, [r0], #4
4:
  cmp   r0, r1
  blo   3b

  bl    __libc_init_array   /* C and C++ constructors */
  bl    main
5:
  b     5b                  /* main() does not return */
  .size Reset_Handler, .-Reset_Handler

/* Every exception without its own handler ends here. */
  .section .text.Default_Handler,"ax",%progbits
  .type Default_Handler, %function
Default_Handler:
  b     Default_Handler
  .size Default_Handler, .-Default_Handler

/* 16 system exceptions and the STM32L475's 82 interrupts (RM0351 Table 57): 98 words, 392 bytes. */
  .section .isr_vector,"a",%progbits
  .type g_pfnVectors, %object
  .global g_pfnVectors
g_pfnVectors:
  .word _estack
  .word Reset_Handler
  .word NMI_Handler
  .word HardFault_Handler
  .word MemManage_Handler
  .word BusFault_Handler
  .word UsageFault_Handler
  .word 0, 0, 0, 0
  .word SVC_Handler
  .word DebugMon_Handler
  .word 0
  .word PendSV_Handler
  .word SysTick_Handler
  .rept 82                  /* CubeIDE's file names each IRQ handler (WWDG_IRQHandler, ...); one default here */
  .word Default_Handler
  .endr
  .size g_pfnVectors, .-g_pfnVectors

/* A handler the application defines replaces the weak alias. */
  .weak NMI_Handler
  .thumb_set NMI_Handler, Default_Handler
  .weak HardFault_Handler
  .thumb_set HardFault_Handler, Default_Handler
  .weak MemManage_Handler
  .thumb_set MemManage_Handler, Default_Handler
  .weak BusFault_Handler
  .thumb_set BusFault_Handler, Default_Handler
  .weak UsageFault_Handler
  .thumb_set UsageFault_Handler, Default_Handler
  .weak SVC_Handler
  .thumb_set SVC_Handler, Default_Handler
  .weak DebugMon_Handler
  .thumb_set DebugMon_Handler, Default_Handler
  .weak PendSV_Handler
  .thumb_set PendSV_Handler, Default_Handler
  .weak SysTick_Handler
  .thumb_set SysTick_Handler, Default_Handler
