/* SPDX-License-Identifier: MIT */
/*
 * Virtual machines and their vCPUs.
 *
 * VMs are created at boot from fief.cfg (vm_create()). VM 0 is the host: its
 * memory is the host's identity-mapped stage-2 (mm_host()). A guest gets
 * memory donated from the host (mm_host_donate_guest()), so the host loses
 * access to it.
 *
 * Locking: a vCPU is run and changed only by the physical CPU it is pinned
 * to. A VM's state and stop reason are written under its lock
 * (docs/locking.md); the console line buffer belongs to the CPU that writes
 * it, under the VM lock.
 */
#ifndef FIEF_CORE_VM_H
#define FIEF_CORE_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "arch_vcpu.h" /* per-arch include dir: struct arch_vcpu */
#include "core/addr.h"
#include "core/config.h"
#include "core/spinlock.h"
#include "mm/own.h"

#define VM_MAX FIEF_MAX_VMS
#define VM_STOP_REASON_MAX 96
#define VM_CONSOLE_LINE 160
#define VM_CONSOLE_RING 4096

enum vm_state {
	VM_STATE_FREE = 0,
	VM_STATE_RUNNING = 1,
	VM_STATE_STOPPED = 2,
};

enum vcpu_state {
	VCPU_STATE_RUNNABLE = 0,
	VCPU_STATE_HALTED = 1,  /* HLT/WFI: sleeps until an event arrives */
	VCPU_STATE_STOPPED = 2, /* its VM stopped */
};

struct vm;

struct vcpu {
	struct vm *vm;         /* const */
	uint32_t index;        /* const: 0 .. vm->vcpu_count - 1 */
	uint32_t pcpu;         /* const: the physical CPU it is pinned to */
	enum vcpu_state state; /* its pcpu; VM lock to stop it */
	uint64_t exits;        /* its pcpu: exits handled, for statistics */
	struct arch_vcpu arch; /* its pcpu */
};

struct vm_console {
	char line[VM_CONSOLE_LINE]; /* the line being written, not yet shown */
	uint32_t len;
	char ring[VM_CONSOLE_RING]; /* everything written, newest last */
	uint64_t total;             /* bytes ever written; ring index = total % size */
};

struct vm {
	struct spinlock lock;
	uint16_t id;                /* const: mm owner id (0 for the host) */
	char name[CONFIG_NAME_MAX + 1]; /* const */
	bool host;                  /* const */
	bool manage;                /* const: may make management calls */
	enum vm_state state;        /* lock */
	uint32_t stop_code;         /* lock: FIEF_STOP_* (guest-abi) */
	uint64_t stop_status;       /* lock: FIEF_STOP_SELF status, exit code, ... */
	char stop_reason[VM_STOP_REASON_MAX]; /* lock */
	uint64_t mem_size;          /* const: bytes of guest-physical memory */
	paddr_t mem_base;           /* const: host-physical base (host: 0) */
	struct mm_vm *mm;           /* const: mm_host() or &guest_mm */
	struct mm_vm guest_mm;      /* guests: their stage-2 */
	uint32_t vcpu_count;        /* const */
	struct vcpu vcpu[FIEF_MAX_VCPUS];
	struct vm_console console;  /* lock */
};

/** vm_init() - no VMs; guest memory is carved afresh (after mm_boot()). */
void vm_init(void);

/**
 * vm_create() - build a VM from a checked config section: memory, image,
 * vCPUs. On error the VM is left unused and a message names the reason.
 * @cv:  a valid section of the configuration.
 * @bi:  the boot information (for the image file).
 * @cpus_online: physical CPUs running; vCPUs pinned elsewhere are refused.
 * Return: 0; FIEF_ERANGE (a vCPU pinned to a CPU that is not online), FIEF_ENOMEM, FIEF_EFORMAT (bad image), FIEF_ERANGE (image
 * does not fit), FIEF_ENOSPC (too many VMs) or an mm error.
 */
int vm_create(const struct config_vm *cv, const struct boot_info *bi, uint32_t cpus_online);

/**
 * vm_publish_boot_info() - write @vm's boot information page
 * (guest-abi/fief_boot.h). Call once every VM exists: the host's map marks
 * the guests' memory. Return: 0, or FIEF_ERANGE if the page is not in the
 * VM's memory.
 */
int vm_publish_boot_info(struct vm *vm, const struct boot_info *bi);

/** vm_get() - the @i-th VM slot (i < VM_MAX), or NULL if unused. */
struct vm *vm_get(uint32_t i);

/**
 * vm_gpa_ptr() - fief's pointer to [gpa, gpa + size) of @vm's memory.
 * Return: the pointer, or NULL if the range is not all inside the memory
 * fief set up for the VM.
 */
void *vm_gpa_ptr(const struct vm *vm, uint64_t gpa, uint64_t size);

/**
 * vm_stop() - stop every vCPU of @vm and record why; prints
 * "fief: vm NAME stopped: REASON". Stopping a stopped VM does nothing.
 * @code:   FIEF_STOP_* from guest-abi.
 * @status: the self-stop status or the unhandled exit code.
 */
void vm_stop(struct vm *vm, uint32_t code, uint64_t status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/** vm_console_putc() - a byte from the VM's console; lines go to fief's. */
void vm_console_putc(struct vm *vm, char c);

/** vm_running_count() - VMs not stopped. */
uint32_t vm_running_count(void);

#endif
