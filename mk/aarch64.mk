# arm64 target: build/aarch64/fief.efi (UEFI, gnu-efi), cross-built with
# Debian's aarch64-linux-gnu toolchain whatever ARCH is.
#
# gnu-efi for arm64 is a private copy extracted by mk/deps.sh into
# $(DEPS_DIR)/gnu-efi-arm64 (the Debian arm64 package would replace the amd64
# one). Only its crt0 (which carries the PE/COFF header) and libgnuefi.a (the
# self-relocator) are linked: libefi.a defines memcpy/memset, which clash with
# lib/libc. binutils cannot write an arm64 PE, so the ELF is flattened with
# `objcopy -O binary` and padded to a multiple of 512 bytes (FileAlignment):
# AAVMF refuses a shorter file as "Unsupported".

A64_DIR := $(BUILD)/aarch64
A64_CROSS := aarch64-linux-gnu-
A64_CC := $(A64_CROSS)gcc
A64_LD := $(A64_CROSS)ld
A64_OBJCOPY := $(A64_CROSS)objcopy
GNUEFI_A64 := $(DEPS_DIR)/gnu-efi-arm64/usr
GNUEFI_A64_LIB := $(GNUEFI_A64)/lib
GNUEFI_A64_INC := $(GNUEFI_A64)/include/efi

A64_CFLAGS := $(CSTD) $(WARN) -O2 -g -ffreestanding -fpic -fno-stack-protector \
	-fno-strict-aliasing -fshort-wchar -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -mno-outline-atomics \
	$(call INCLUDES,arm64)
A64_EFI_CFLAGS := -DEFI_DEBUG=0 -isystem $(GNUEFI_A64_INC) -isystem $(GNUEFI_A64_INC)/aarch64

# The hypervisor proper: arch-neutral code, the freestanding libc, arm64 code.
A64_SRCS := $(CORE_SRCS) $(wildcard lib/libc/*.c) $(wildcard arch/arm64/*.c) \
	$(wildcard arch/arm64/*.S)
A64_OBJS := $(patsubst %,$(A64_DIR)/obj/%.o,$(A64_SRCS))
A64_EFI_OBJS := $(patsubst %,$(A64_DIR)/obj/%.o,$(wildcard boot/efi/*.c))

$(A64_DIR)/obj/%.c.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(A64_CC) $(A64_CFLAGS) -MMD -MP -c $< -o $@

$(A64_DIR)/obj/%.S.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(A64_CC) $(A64_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

$(A64_DIR)/obj/boot/efi/%.c.o: boot/efi/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(A64_CC) $(A64_CFLAGS) $(A64_EFI_CFLAGS) -MMD -MP -c $< -o $@

$(A64_DIR)/efi.lds: linker.ld
	@mkdir -p $(dir $@)
	cpp -P -undef -DLD_EFI_AARCH64 $< -o $@

# EFI_SUBSYSTEM 0xa: an EFI application (crt0 puts it in the PE header).
$(A64_DIR)/fief-efi.so: $(A64_EFI_OBJS) $(A64_OBJS) $(A64_DIR)/efi.lds
	$(A64_LD) -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
		--defsym=EFI_SUBSYSTEM=0xa --no-warn-rwx-segments \
		-T $(A64_DIR)/efi.lds $(GNUEFI_A64_LIB)/crt0-efi-aarch64.o \
		$(A64_EFI_OBJS) $(A64_OBJS) $(GNUEFI_A64_LIB)/libgnuefi.a -o $@

$(A64_DIR)/fief.efi: $(A64_DIR)/fief-efi.so
	$(A64_OBJCOPY) -j .text -j .dynamic -j .data -j .rela.dyn -j .rela.plt \
		-j .rela.got -j .rela.data -O binary $< $@.tmp
	truncate -s %512 $@.tmp
	mv $@.tmp $@

TARGET_IMAGES += $(A64_DIR)/fief.efi

-include $(A64_OBJS:.o=.d) $(A64_EFI_OBJS:.o=.d)

