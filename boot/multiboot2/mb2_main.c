/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 entry, 64-bit C part (x86_64).
 *
 * entry.S has switched to long mode with 0..4 GiB identity mapped and calls
 * mb2_main() on fief's own stack (in the image's .bss), so there is no
 * firmware left to leave: read the information block into a struct
 * boot_info and hand over to fief_main().
 */
#include <stdint.h>

#include "arch/x86/serial.h"
#include "boot/multiboot2/parse_mb2.h"
#include "core/arch.h"
#include "core/main.h"
#include "lib/err.h"
#include "lib/print.h"

static struct boot_info bi;

extern char __fief_image_start[], __fief_image_end[];

/* Called from entry.S with the physical address GRUB passed in EBX. */
_Noreturn void mb2_main(uint64_t info_pa);

_Noreturn void mb2_main(uint64_t info_pa)
{
	const void *info = (const void *)(uintptr_t)info_pa;
	/* The block is identity mapped; its own total_size bounds the parse
	 * (mb2_parse still refuses anything above MB2_INFO_MAX_SIZE). */
	uint32_t total = mb2_info_size(info, MB2_INFO_HEADER_SIZE);
	int err;

	bi.image_base = (uint64_t)(uintptr_t)__fief_image_start;
	bi.image_size = (uint64_t)(__fief_image_end - __fief_image_start);
	err = mb2_parse(info, total, info_pa, &bi);
	if (err) {
		/* fief_main() would run on a half-filled map: say why and stop. */
		serial_init();
		console_printf("fief: multiboot2 information at 0x%llx unusable: %s\n",
			       (unsigned long long)info_pa, err_name(err));
		arch_machine_exit(ARCH_EXIT_HALT, 1);
	}
	fief_main(&bi);
}
