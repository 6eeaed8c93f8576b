#include "iwdg.h"

#include "regs/iwdg.h"

void iwdg_refresh(void)
{
    IWDG->KR = IWDG_KR_KEY_RELOAD;
}
