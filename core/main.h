/* SPDX-License-Identifier: MIT */
#ifndef FIEF_CORE_MAIN_H
#define FIEF_CORE_MAIN_H

#include <stdint.h>

#include "core/boot_info.h"

/**
 * fief_main() - where every boot entry hands over, on the boot CPU, after
 * the firmware is gone (UEFI boot services exited), on fief's own stack,
 * with all memory identity mapped. Never returns.
 */
_Noreturn void fief_main(struct boot_info *bi);

/**
 * fief_secondary_main() - where every other CPU goes once started, with
 * its index: it waits until the VMs exist, then runs its vCPUs.
 */
_Noreturn void fief_secondary_main(uint32_t cpu);

#endif
