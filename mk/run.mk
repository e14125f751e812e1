# make run: boot fief in QEMU with the demo configuration (demo/), showing
# its serial console. ARCH=x86_64 (default: OVMF, SVM) or ARCH=arm64 (AAVMF,
# EL2). Quit QEMU with Ctrl-A X.
RUN_DIR := $(BUILD)/run/$(ARCH)
RUN_IMAGE_x86_64 := $(BUILD)/x86_64/fief.efi
RUN_IMAGE_aarch64 := $(BUILD)/aarch64/fief.efi
RUN_BOOTNAME_x86_64 := BOOTX64.EFI
RUN_BOOTNAME_aarch64 := BOOTAA64.EFI
RUN_SCRIPT_x86_64 := tests/emu/qemu-x86.sh
RUN_SCRIPT_aarch64 := tests/emu/qemu-arm64.sh

# demo/files lists build products (relative to build/<arch>/) for the boot
# volume, as a scenario's `files` does.
run: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(RUN_IMAGE_$(ARCH)) guests
	@rm -rf $(RUN_DIR) && mkdir -p $(RUN_DIR)/esp/EFI/BOOT
	@cp $(RUN_IMAGE_$(ARCH)) $(RUN_DIR)/esp/EFI/BOOT/$(RUN_BOOTNAME_$(ARCH))
	@cp demo/fief.cfg $(RUN_DIR)/esp/
	@while read -r f; do [ -z "$$f" ] || cp $(BUILD)/$(ARCH)/$$f $(RUN_DIR)/esp/ || exit 1; \
		done < demo/files
	@echo "run: booting fief ($(ARCH)) in QEMU; serial console follows (Ctrl-A X quits)"
	@bash $(RUN_SCRIPT_$(ARCH)) $(RUN_DIR)/esp stdio; rc=$$?; \
		if [ "$(ARCH)" = x86_64 ] && [ $$((rc % 2)) = 1 ]; then \
			echo "run: fief ended with status $$((rc / 2)) (QEMU status $$rc)"; \
		else echo "run: QEMU exited with status $$rc"; fi
