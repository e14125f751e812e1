/* SPDX-License-Identifier: MIT */
#ifndef FIEF_ARCH_ARM64_MACHINE_H
#define FIEF_ARCH_ARM64_MACHINE_H

struct acpi_info;

/** a64_acpi() - the ACPI tables found at boot (scanned once). */
const struct acpi_info *a64_acpi(void);

#endif
