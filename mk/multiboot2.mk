# x86_64 Multiboot2 image: build/x86_64/fief.elf, loaded by GRUB
# (`multiboot2 /boot/fief.elf`) on legacy BIOS machines and in the Bochs rig.
#
# The hypervisor objects are mk/x86_64.mk's X86_OBJS (compiled once, -fpic);
# here they are linked statically at a fixed address with the Multiboot2
# entry (boot/multiboot2/: header and 32-bit entry in entry.S, the C hand-over
# and the information parser). Every boot/multiboot2 source goes in,
# parse_mb2.c included: the host unit tests compile that one too (mk/host.mk).

MB2_BASE := 0x1000000
MB2_SRCS := $(wildcard boot/multiboot2/*.S) $(wildcard boot/multiboot2/*.c)
MB2_OBJS := $(patsubst %,$(X86_DIR)/obj/%.o,$(MB2_SRCS))

$(X86_DIR)/mb2.lds: linker.ld mk/multiboot2.mk
	@mkdir -p $(dir $@)
	cpp -P -undef -DLD_MB2_X86_64 -DLD_MB2_BASE=$(MB2_BASE) $< -o $@

# grub-file checks the header the way GRUB's loader will; a file it refuses
# is deleted so that a broken image is never left behind as up to date.
$(X86_DIR)/fief.elf: $(MB2_OBJS) $(X86_OBJS) $(X86_DIR)/mb2.lds
	$(X86_LD) -nostdlib -static -no-pie -z max-page-size=0x1000 --no-undefined \
		-T $(X86_DIR)/mb2.lds $(MB2_OBJS) $(X86_OBJS) -o $@
	@grub-file --is-x86-multiboot2 $@ || { echo "$@: not a Multiboot2 image"; rm -f $@; exit 1; }

TARGET_IMAGES += $(X86_DIR)/fief.elf

-include $(MB2_OBJS:.o=.d)
