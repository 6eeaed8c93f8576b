/* OTG_FS — USB on-the-go full-speed core (RM0351 chapter 47, "OTG_FS control and status registers"): the core
 * global registers, the host-mode registers and the data FIFO windows. Device-mode registers are left out: this
 * firmware only runs the core as a host. Bit names follow RM0351 (register name without the OTG_ prefix). */
#ifndef REGS_OTG_FS_H
#define REGS_OTG_FS_H

#include "regs/mmio.h"

/* Core global control and status registers, from OTG_FS_BASE. */
typedef struct {
    volatile uint32_t GOTGCTL;
    volatile uint32_t GOTGINT;
    volatile uint32_t GAHBCFG;
    volatile uint32_t GUSBCFG;
    volatile uint32_t GRSTCTL;
    volatile uint32_t GINTSTS;
    volatile uint32_t GINTMSK;
    volatile uint32_t GRXSTSR;
    volatile uint32_t GRXSTSP;
    volatile uint32_t GRXFSIZ;
    volatile uint32_t HNPTXFSIZ;
    volatile uint32_t HNPTXSTS;
    uint32_t reserved0[2];
    volatile uint32_t GCCFG;
    volatile uint32_t CID;
    uint32_t reserved1[48];
    volatile uint32_t HPTXFSIZ;
} otg_fs_global_regs_t;

REG_OFFSET_ASSERT(otg_fs_global_regs_t, GOTGCTL, 0x000);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, GOTGINT, 0x004);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, GAHBCFG, 0x008);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, GUSBCFG, 0x00C);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, GRSTCTL, 0x010);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, GINTSTS, 0x014);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, GINTMSK, 0x018);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, GRXSTSR, 0x01C);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, GRXSTSP, 0x020);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, GRXFSIZ, 0x024);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, HNPTXFSIZ, 0x028);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, HNPTXSTS, 0x02C);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, GCCFG, 0x038);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, CID, 0x03C);
REG_OFFSET_ASSERT(otg_fs_global_regs_t, HPTXFSIZ, 0x100);

/* Host-mode control and status registers, from OTG_FS_BASE + 0x400. */
typedef struct {
    volatile uint32_t HCFG;
    volatile uint32_t HFIR;
    volatile uint32_t HFNUM;
    uint32_t reserved0;
    volatile uint32_t HPTXSTS;
    volatile uint32_t HAINT;
    volatile uint32_t HAINTMSK;
    uint32_t reserved1[9];
    volatile uint32_t HPRT;
} otg_fs_host_regs_t;

REG_OFFSET_ASSERT(otg_fs_host_regs_t, HCFG, 0x00);
REG_OFFSET_ASSERT(otg_fs_host_regs_t, HFIR, 0x04);
REG_OFFSET_ASSERT(otg_fs_host_regs_t, HFNUM, 0x08);
REG_OFFSET_ASSERT(otg_fs_host_regs_t, HPTXSTS, 0x10);
REG_OFFSET_ASSERT(otg_fs_host_regs_t, HAINT, 0x14);
REG_OFFSET_ASSERT(otg_fs_host_regs_t, HAINTMSK, 0x18);
REG_OFFSET_ASSERT(otg_fs_host_regs_t, HPRT, 0x40);

/* One host channel x: OTG_HCCHARx .. OTG_HCTSIZx at OTG_FS_BASE + 0x500 + 0x20 * x. */
typedef struct {
    volatile uint32_t HCCHAR;
    uint32_t reserved0;
    volatile uint32_t HCINT;
    volatile uint32_t HCINTMSK;
    volatile uint32_t HCTSIZ;
    uint32_t reserved1[3];
} otg_fs_channel_regs_t;

REG_OFFSET_ASSERT(otg_fs_channel_regs_t, HCCHAR, 0x00);
REG_OFFSET_ASSERT(otg_fs_channel_regs_t, HCINT, 0x08);
REG_OFFSET_ASSERT(otg_fs_channel_regs_t, HCINTMSK, 0x0C);
REG_OFFSET_ASSERT(otg_fs_channel_regs_t, HCTSIZ, 0x10);
_Static_assert(sizeof(otg_fs_channel_regs_t) == 0x20, "host channel register blocks are 0x20 bytes apart");

#define OTG_FS_BASE             0x50000000u
#define OTG_FS_HOST_BASE        (OTG_FS_BASE + 0x400u)
#define OTG_FS_CHANNEL_BASE     (OTG_FS_BASE + 0x500u)
#define OTG_FS_PCGCCTL_ADDR     (OTG_FS_BASE + 0xE00u)
/* The OTG_FS core of the STM32L47x/L48x has 12 host channels (RM0351, "Host channels"). */
#define OTG_FS_CHANNEL_COUNT    12u
/* 1.25 KB of FIFO RAM shared by the receive FIFO and both transmit FIFOs (RM0351, "USB data FIFOs"), in words:
 * the unit of GRXFSIZ, HNPTXFSIZ and HPTXFSIZ. */
#define OTG_FS_FIFO_RAM_WORDS   320u

#define OTG_FS          ((otg_fs_global_regs_t *)OTG_FS_BASE)
#define OTG_FS_HOST     ((otg_fs_host_regs_t *)OTG_FS_HOST_BASE)
#define OTG_FS_CHANNEL(x) ((otg_fs_channel_regs_t *)(OTG_FS_CHANNEL_BASE + 0x20u * (uint32_t)(x)))
#define OTG_PCGCCTL     (*(volatile uint32_t *)OTG_FS_PCGCCTL_ADDR)
/* Data FIFO x: a 4 KB window at OTG_FS_BASE + 0x1000 * (x + 1). Writes push into the transmit FIFO of channel x;
 * reads from any window pop the shared receive FIFO. */
#define OTG_FS_FIFO(x)  (*(volatile uint32_t *)(OTG_FS_BASE + 0x1000u * ((uint32_t)(x) + 1u)))

_Static_assert(OTG_FS_CHANNEL_BASE + 0x20u * OTG_FS_CHANNEL_COUNT <= OTG_FS_BASE + 0x800u,
               "the host channels end before the device-mode registers at 0x800");

/* OTG_GAHBCFG */
#define OTG_GAHBCFG_GINTMSK     (1u << 0)   /* the core's interrupt line to the NVIC */

/* OTG_GUSBCFG */
#define OTG_GUSBCFG_SRPCAP      (1u << 8)
#define OTG_GUSBCFG_HNPCAP      (1u << 9)
#define OTG_GUSBCFG_FHMOD       (1u << 29)  /* force host mode */
#define OTG_GUSBCFG_FDMOD       (1u << 30)  /* force device mode */

/* OTG_GRSTCTL */
#define OTG_GRSTCTL_CSRST       (1u << 0)   /* core soft reset; cleared by the core when done */
#define OTG_GRSTCTL_RXFFLSH     (1u << 4)
#define OTG_GRSTCTL_TXFFLSH     (1u << 5)
#define OTG_GRSTCTL_TXFNUM_Pos  6u
#define OTG_GRSTCTL_TXFNUM_ALL  (0x10u << OTG_GRSTCTL_TXFNUM_Pos)  /* host mode: flush both transmit FIFOs */
#define OTG_GRSTCTL_AHBIDL      (1u << 31)

/* OTG_GINTSTS and OTG_GINTMSK (the status flags are rc_w1) */
#define OTG_GINTSTS_CMOD        (1u << 0)   /* 1: the core runs in host mode */
#define OTG_GINTSTS_RXFLVL      (1u << 4)   /* the receive FIFO holds at least one status entry */
#define OTG_GINTSTS_HPRTINT     (1u << 24)
#define OTG_GINTSTS_HCINT       (1u << 25)
#define OTG_GINTSTS_DISCINT     (1u << 29)  /* disconnect detected */

/* OTG_GRXSTSR / OTG_GRXSTSP, host mode */
#define OTG_GRXSTSP_BCNT_Pos    4u
#define OTG_GRXSTSP_BCNT_Msk    (0x7FFu << OTG_GRXSTSP_BCNT_Pos)
#define OTG_GRXSTSP_PKTSTS_Pos  17u
#define OTG_GRXSTSP_PKTSTS_Msk  (0xFu << OTG_GRXSTSP_PKTSTS_Pos)
#define OTG_PKTSTS_IN_DATA      2u  /* IN data packet received: BCNT bytes follow in the FIFO */
#define OTG_PKTSTS_IN_COMPLETE  3u  /* IN transfer completed: popping it raises HCINTx.XFRC */
#define OTG_PKTSTS_TOGGLE_ERROR 5u  /* popping it raises HCINTx.DTERR */
#define OTG_PKTSTS_HALTED       7u  /* channel halted: popping it raises HCINTx.CHH */

/* OTG_GRXFSIZ, OTG_HNPTXFSIZ, OTG_HPTXFSIZ: start address (words) in the low half, depth (words) in the high half */
#define OTG_FIFO_DEPTH_Pos      16u
#define OTG_FIFO_MIN_WORDS      16u  /* the smallest depth RM0351 allows for each of the three FIFOs */

/* OTG_HNPTXSTS */
#define OTG_HNPTXSTS_NPTXFSAV_Msk  0xFFFFu      /* free words in the non-periodic transmit FIFO */
#define OTG_HNPTXSTS_NPTQXSAV_Pos  16u
#define OTG_HNPTXSTS_NPTQXSAV_Msk  (0xFFu << OTG_HNPTXSTS_NPTQXSAV_Pos)  /* free request queue entries */

/* OTG_GCCFG */
#define OTG_GCCFG_PWRDWN        (1u << 16)  /* 1: the embedded full-speed PHY is powered */
#define OTG_GCCFG_VBDEN         (1u << 21)  /* VBUS sensing on PA9 */

/* OTG_HCFG */
#define OTG_HCFG_FSLSPCS_Msk    3u
#define OTG_HCFG_FSLSPCS_48MHZ  1u  /* PHY clock 48 MHz: valid for full- and low-speed devices alike */

/* OTG_HFIR: one frame (1 ms) in PHY clocks */
#define OTG_HFIR_FRIVL_48MHZ    48000u

/* OTG_HPRT: PCDET, PENCHNG and POCCHNG are rc_w1, and writing 1 to PENA disables the port. */
#define OTG_HPRT_PCSTS          (1u << 0)   /* a device is attached */
#define OTG_HPRT_PCDET          (1u << 1)
#define OTG_HPRT_PENA           (1u << 2)
#define OTG_HPRT_PENCHNG        (1u << 3)
#define OTG_HPRT_POCCHNG        (1u << 5)
#define OTG_HPRT_PRST           (1u << 8)
#define OTG_HPRT_PPWR           (1u << 12)
#define OTG_HPRT_PSPD_Pos       17u
#define OTG_HPRT_PSPD_Msk       (3u << OTG_HPRT_PSPD_Pos)
#define OTG_HPRT_PSPD_LOW       2u
#define OTG_HPRT_W1C_AND_PENA   (OTG_HPRT_PCDET | OTG_HPRT_PENA | OTG_HPRT_PENCHNG | OTG_HPRT_POCCHNG)

/* OTG_HCCHARx */
#define OTG_HCCHAR_MPSIZ_Pos    0u
#define OTG_HCCHAR_MPSIZ_Msk    (0x7FFu << OTG_HCCHAR_MPSIZ_Pos)
#define OTG_HCCHAR_EPNUM_Pos    11u
#define OTG_HCCHAR_EPDIR        (1u << 15)  /* 1: IN */
#define OTG_HCCHAR_LSDEV        (1u << 17)
#define OTG_HCCHAR_EPTYP_Pos    18u
#define OTG_EPTYP_CONTROL       0u
#define OTG_EPTYP_BULK          2u
#define OTG_HCCHAR_MCNT_Pos     20u
#define OTG_HCCHAR_DAD_Pos      22u
#define OTG_HCCHAR_CHDIS        (1u << 30)
#define OTG_HCCHAR_CHENA        (1u << 31)

/* OTG_HCINTx and OTG_HCINTMSKx (rc_w1) */
#define OTG_HCINT_XFRC          (1u << 0)
#define OTG_HCINT_CHH           (1u << 1)
#define OTG_HCINT_STALL         (1u << 3)
#define OTG_HCINT_NAK           (1u << 4)
#define OTG_HCINT_ACK           (1u << 5)
#define OTG_HCINT_TXERR         (1u << 7)
#define OTG_HCINT_BBERR         (1u << 8)
#define OTG_HCINT_FRMOR         (1u << 9)
#define OTG_HCINT_DTERR         (1u << 10)
#define OTG_HCINT_ALL           (OTG_HCINT_XFRC | OTG_HCINT_CHH | OTG_HCINT_STALL | OTG_HCINT_NAK | OTG_HCINT_ACK | \
                                 OTG_HCINT_TXERR | OTG_HCINT_BBERR | OTG_HCINT_FRMOR | OTG_HCINT_DTERR)

/* OTG_HCTSIZx */
#define OTG_HCTSIZ_XFRSIZ_Pos   0u
#define OTG_HCTSIZ_PKTCNT_Pos   19u
#define OTG_HCTSIZ_DPID_Pos     29u
#define OTG_DPID_DATA0          0u
#define OTG_DPID_DATA1          2u
#define OTG_DPID_SETUP          3u  /* control channels only */

#endif /* REGS_OTG_FS_H */
