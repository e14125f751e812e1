# Flags shared by every build: warnings are errors everywhere.
WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wpointer-arith -Wvla -Wundef -Wno-unused-parameter
CSTD := -std=gnu11
# core/ and mm/ include paths; the per-arch include dir gives arch_inline.h.
INCLUDES = -I. -Iarch/$(1)/include

# Sources shared by every target: arch-neutral core and mm.
CORE_SRCS := $(wildcard core/*.c) $(wildcard mm/*.c)
