# Flags shared by every build: warnings are errors everywhere.
WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wpointer-arith -Wvla -Wundef -Wno-unused-parameter
CSTD := -std=gnu11
# lib/, mm/ and core/ include paths; the per-arch include dir gives arch_inline.h.
INCLUDES = -I. -Iarch/$(1)/include

# Sources shared by every target: the arch-neutral base (lib/, without its
# freestanding libc, which hosted builds take from the C library), mm and core.
CORE_SRCS := $(wildcard lib/*.c) $(wildcard mm/*.c) $(wildcard core/*.c)
# Register models of virtual devices and the instruction decoder: pure C
# with no hardware access, built into their arch's image and also into the
# host tests and fuzz targets (each includes only lib/ and guest-abi/
# besides its own header).
MODEL_SRCS := arch/x86/vioapic.c arch/x86/insn.c arch/x86/vlapic.c arch/arm64/vgic_state.c
