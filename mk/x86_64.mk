# x86_64 target: build/x86_64/fief.efi (UEFI, gnu-efi) and, through
# mk/multiboot2.mk, build/x86_64/fief.elf (Multiboot2, GRUB).
#
# Objects are compiled once, position-independent, and linked twice: as a
# relocatable EFI application and as a fixed-address Multiboot2 ELF.

X86_DIR := $(BUILD)/x86_64
X86_CC := gcc
X86_LD := ld
X86_OBJCOPY := objcopy
GNUEFI_X86_LIB := /usr/lib
GNUEFI_X86_INC := /usr/include/efi

X86_CFLAGS := $(CSTD) $(WARN) -O2 -g -ffreestanding -fpic -fno-stack-protector \
	-fno-strict-aliasing -fshort-wchar -mno-red-zone -maccumulate-outgoing-args \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables $(call INCLUDES,x86)
X86_EFI_CFLAGS := -DGNU_EFI_USE_MS_ABI -DEFI_DEBUG=0 -isystem $(GNUEFI_X86_INC) \
	-isystem $(GNUEFI_X86_INC)/x86_64

# The hypervisor proper: arch-neutral code, the freestanding libc, x86 code.
X86_SRCS := $(CORE_SRCS) $(wildcard lib/libc/*.c) $(wildcard arch/x86/*.c) \
	$(wildcard arch/x86/*.S)
X86_OBJS := $(patsubst %,$(X86_DIR)/obj/%.o,$(X86_SRCS))
X86_EFI_OBJS := $(patsubst %,$(X86_DIR)/obj/%.o,$(wildcard boot/efi/*.c))

$(X86_DIR)/obj/%.c.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(X86_CC) $(X86_CFLAGS) -MMD -MP -c $< -o $@

$(X86_DIR)/obj/%.S.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(X86_CC) $(X86_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

$(X86_DIR)/obj/boot/efi/%.c.o: boot/efi/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(X86_CC) $(X86_CFLAGS) $(X86_EFI_CFLAGS) -MMD -MP -c $< -o $@

$(X86_DIR)/efi.lds: linker.ld
	@mkdir -p $(dir $@)
	cpp -P -undef -DLD_EFI_X86_64 $< -o $@

$(X86_DIR)/fief-efi.so: $(X86_EFI_OBJS) $(X86_OBJS) $(X86_DIR)/efi.lds
	$(X86_LD) -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined \
		-T $(X86_DIR)/efi.lds $(GNUEFI_X86_LIB)/crt0-efi-x86_64.o \
		$(X86_EFI_OBJS) $(X86_OBJS) $(GNUEFI_X86_LIB)/libgnuefi.a -o $@

$(X86_DIR)/fief.efi: $(X86_DIR)/fief-efi.so
	$(X86_OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

TARGET_IMAGES += $(X86_DIR)/fief.efi

-include $(X86_OBJS:.o=.d) $(X86_EFI_OBJS:.o=.d)
