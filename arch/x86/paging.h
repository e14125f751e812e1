/* SPDX-License-Identifier: MIT */
#ifndef FIEF_ARCH_X86_PAGING_H
#define FIEF_ARCH_X86_PAGING_H

/** x86_paging_takeover() - build fief's identity map and switch CR3 to it. */
void x86_paging_takeover(void);

#endif
