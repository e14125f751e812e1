/* SPDX-License-Identifier: MIT */
/*
 * The arch boundary.
 *
 * core/ calls only these functions into the architecture (mm/ has
 * mm/arch_mm.h, lib/ has lib/arch_lib.h). Each is
 * implemented once per arch (arch/x86, arch/arm64, and arch/fake for host
 * unit tests); the Makefile picks the implementation at link time.
 */
#ifndef FIEF_CORE_ARCH_H
#define FIEF_CORE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/arch_lib.h" /* arch_console_write(), arch_panic() */

struct boot_info;

/** arch_early_init() - set up the console and what printing needs. */
void arch_early_init(const struct boot_info *bi);

struct device_list;

/**
 * arch_devices() - add to @l the devices fief keeps that only the
 * architecture knows of (core/devices.h): x86 the local APIC of
 * IA32_APIC_BASE, arm64 the UART fief logs on.
 */
void arch_devices(struct device_list *l);

/** arch_describe() - print the CPU and virtualization features found. */
void arch_describe(void);

/**
 * arch_virt_usable() - true if the CPU offers the virtualization extensions
 * fief needs (SVM+NPT or VMX+EPT on x86; EL2 with stage-2 on arm64).
 */
int arch_virt_usable(void);

/** How the machine ends when fief has nothing left to run. */
enum arch_exit_how {
	ARCH_EXIT_HALT = 0,  /* stop all CPUs, leave the machine as it is */
	ARCH_EXIT_DEBUG = 1, /* emulator status device (test rigs only) */
};

/**
 * arch_machine_exit() - end the machine.
 * @how:    see enum arch_exit_how.
 * @status: 0 for success; reported through the status device for
 *          ARCH_EXIT_DEBUG, ignored otherwise.
 */
_Noreturn void arch_machine_exit(enum arch_exit_how how, int status);

/* ---- VMs ---- */

struct vcpu;
struct pt_format;

/** Why a vCPU came back to the core; the arch has handled everything else. */
enum vcpu_exit_reason {
	VCPU_EXIT_NONE = 0,      /* handled: resume the same vCPU */
	VCPU_EXIT_PREEMPT = 6,   /* a timer tick: let the next vCPU run */
	VCPU_EXIT_HYPERCALL = 1, /* nr and args set; set the result, then resume */
	VCPU_EXIT_MEM_FAULT = 2, /* stage-2 fault at gpa */
	VCPU_EXIT_HALT = 3,      /* HLT / WFI: sleep until an event */
	VCPU_EXIT_SHUTDOWN = 4,  /* triple fault, or the VM asked to power off */
	VCPU_EXIT_FAILED = 5,    /* the arch cannot go on with this vCPU: why says why */
};

/* Each field is meaningful only for the reasons named beside it, and the
 * arch sets exactly those: the exit path clears no whole structure. */
struct vcpu_exit {
	enum vcpu_exit_reason reason;
	gpaddr_t gpa;     /* MEM_FAULT */
	uint8_t write;    /* MEM_FAULT: a write access */
	uint8_t exec;     /* MEM_FAULT: an instruction fetch */
	uint64_t nr;      /* HYPERCALL: call number */
	uint64_t arg[6];  /* HYPERCALL: arguments */
	uint64_t pc;      /* SHUTDOWN: the guest's RIP / PC where it stopped */
	uint64_t code;    /* FAILED: the hardware's exit code (SVM EXITCODE, VMX
			   * exit reason, arm64 ESR_EL2), 0 if the failure was
			   * not an exit */
	char why[80];     /* FAILED, SHUTDOWN: a reason for the stop message */
};

/** arch_takeover() - own the boot CPU: descriptor tables, paging, vectors. */
void arch_takeover(const struct boot_info *bi);

/** arch_stage2_format() - the stage-2 page-table format of this machine. */
const struct pt_format *arch_stage2_format(void);

/** arch_cpu_virt_enable() - turn virtualization on for the calling CPU. */
int arch_cpu_virt_enable(void);

/**
 * arch_host_gpa_base() - the first guest-physical address of the span fief
 * sets up for the host VM (identity mapped): 0 on x86; on arm64 the first
 * RAM, since the physical address space starts with devices there.
 */
uint64_t arch_host_gpa_base(const struct boot_info *bi);

/** arch_elf_machine() - the ELF e_machine of this architecture's images. */
uint16_t arch_elf_machine(void);

/**
 * arch_vcpu_init() - a vCPU at the start of the arch's guest boot protocol
 * (docs/vm.md): writes its boot structures into the VM's first 1 MiB.
 * Return: 0 or a negative code.
 */
int arch_vcpu_init(struct vcpu *vcpu, gpaddr_t entry);

/**
 * arch_vcpu_run() - run @vcpu on this CPU until something needs the core
 * (or a timer tick preempts it); fill @exit.
 */
void arch_vcpu_run(struct vcpu *vcpu, struct vcpu_exit *exit);

/** arch_vcpu_set_result() - a hypercall's result into the vCPU's registers. */
void arch_vcpu_set_result(struct vcpu *vcpu, int64_t result);

/**
 * arch_vcpu_get_regs() - the architectural state of a vCPU that is not
 * running, as the guest-abi struct of this arch (struct fief_regs_x86 or
 * struct fief_regs_arm64).
 * @regs: fief's buffer of @size bytes.
 * Return: 0; FIEF_EINVAL if @size is not the struct's size; FIEF_ENOTSUP if
 * the backend cannot read it.
 */
int arch_vcpu_get_regs(struct vcpu *vcpu, void *regs, size_t size);

/**
 * arch_vcpu_set_regs() - load a vCPU that is not running from the
 * guest-abi struct in @regs. Validates what the hardware would refuse
 * (non-canonical addresses, reserved bits, reserved fields not 0) and then
 * changes nothing. Return: 0, FIEF_EINVAL or FIEF_ENOTSUP.
 */
int arch_vcpu_set_regs(struct vcpu *vcpu, const void *regs, size_t size);

/**
 * arch_vcpu_leave() - @vcpu's turn on its CPU ended (preempted, asleep,
 * yielded, stopped, or its VM paused or going away); called by the run
 * loop on that CPU before vm_end_run(). The backend drops what only this
 * CPU holds of the vCPU, so that management calls on any CPU, and destroy,
 * find its state complete (VMX: VMCLEAR of its VMCS).
 */
void arch_vcpu_leave(struct vcpu *vcpu);

/**
 * arch_vcpu_destroy() - free what arch_vcpu_init() allocated for a vCPU
 * that no CPU runs any more (also after a failed arch_vcpu_init()).
 */
void arch_vcpu_destroy(struct vcpu *vcpu);

struct acpi_info;

/**
 * arch_cpus_start() - start the other CPUs the ACPI tables list, at most
 * @max in all; each enters fief_secondary_main() with its index.
 * Return: CPUs online, the boot CPU (index 0) included.
 */
uint32_t arch_cpus_start(const struct acpi_info *acpi, uint32_t max);

/**
 * arch_cpu_kick() - make physical CPU @cpu (the caller's own included) go
 * back to its run loop soon: an IPI that ends the turn of the vCPU it runs,
 * or wakes it from arch_cpu_idle(). For the caller's own CPU the vCPU
 * leaves right after its next entry.
 */
void arch_cpu_kick(uint32_t cpu);

/**
 * arch_cpu_idle() - wait for an interrupt on this CPU, or until arch_counter()
 * reaches @wake_at (0: no deadline; the preemption tick still wakes it).
 */
void arch_cpu_idle(uint64_t wake_at);

/** arch_cpu_index() - the core's index of the calling CPU. */
uint32_t arch_cpu_index(void);

/**
 * arch_counter() - the clock vCPU timers are kept in (x86: the TSC;
 * arm64: the physical counter CNTPCT_EL0), read on any CPU.
 */
uint64_t arch_counter(void);

/* ---- Events (docs/events.md) ---- */

/**
 * arch_vcpu_wakeup_pending() - whether @v, halted (HLT / WFI), must wake:
 * its virtual interrupt controller has an interrupt the guest would take
 * (x86: unmasked by RFLAGS.IF and above the priority, an NMI, INIT or
 * SIPI; arm64: a pending virtual interrupt its GIC interface would
 * signal). Called on @v's CPU while @v does not run, and by the run loop
 * after it marked @v HALTED (core/event.c's sleep protocol).
 */
bool arch_vcpu_wakeup_pending(struct vcpu *v);

/**
 * arch_vcpu_timer() - @v's timer deadline (vcpu->wake_at) has passed
 * (arch_counter() read @now): make the timer's interrupt pending as the
 * virtual interrupt controller says and set the next deadline
 * (vcpu->wake_at; 0 for none). Called on @v's CPU while @v does not run.
 */
void arch_vcpu_timer(struct vcpu *v, uint64_t now);

struct vm;

/** arch_irq_lines() - interrupt lines a VM's irqchip has (core/irq.h). */
uint32_t arch_irq_lines(void);

/**
 * arch_irq_line() - set @line (< arch_irq_lines()) of @vm's virtual
 * interrupt controller to @level (x86: I/O APIC pin; arm64: SPI 32 + line):
 * an edge or a level the controller delivers as it is programmed, waking
 * the vCPU it targets (vcpu_wake()). Any CPU; called only while the VM's
 * irqchip is held (irqchip_get()), so the VM cannot be reset meanwhile.
 * Takes only the controller's own short lock, never one a vCPU holds while
 * it runs.
 */
void arch_irq_line(struct vm *vm, uint32_t line, bool level);

/**
 * arch_vm_irq_reset() - @vm's virtual interrupt controller to its reset
 * state (every pin masked or disabled, nothing pending), before the VM
 * first runs and after its irqchip is released for good.
 */
void arch_vm_irq_reset(struct vm *vm);

/**
 * arch_report() - at the end of a run, what the arch counted and dropped
 * (x86: NMIs and interrupts fief does not use, per CPU; arm64: interrupts
 * it does not use).
 */
void arch_report(void);

#endif
