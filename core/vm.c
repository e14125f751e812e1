/* SPDX-License-Identifier: MIT */
/*
 * VM creation from the configuration, VM stop, and the per-VM console.
 *
 * Guest-physical layout every VM gets (docs/vm.md):
 *   [0, VM_BOOT_AREA)          fief's boot structures for the vCPUs
 *                              (written by arch_vcpu_init())
 *   [VM_BOOT_AREA, mem_size)   the image's segments, then free memory
 */
#include <stdarg.h>

#include "core/arch.h"
#include "core/elf.h"
#include "core/err.h"
#include "core/print.h"
#include "core/string.h"
#include "core/vm.h"
#include "mm/arch_mm.h"
#include "mm/page_alloc.h"

#define VM_BOOT_AREA 0x100000ull      /* 1 MiB */
#define GUEST_MEM_ALIGN 0x200000ull   /* 2 MiB: lets stage-2 use blocks */
#define GUEST_MEM_FLOOR 0x1000000ull  /* guests never get the low 16 MiB */

static struct vm vms[VM_MAX];

/* Guest memory is carved from usable RAM below fief's page pool, top down. */
static uint64_t guestmem_limit;

void vm_init(void)
{
	memset(vms, 0, sizeof(vms));
	guestmem_limit = 0;
}

struct vm *vm_get(uint32_t i)
{
	return i < VM_MAX && vms[i].state != VM_STATE_FREE ? &vms[i] : NULL;
}

uint32_t vm_running_count(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < VM_MAX; i++)
		n += vms[i].state == VM_STATE_RUNNING;
	return n;
}

/* True if every page of [pa, pa + size) is RAM the host owns exclusively:
 * only such pages may fief write on the host's behalf. */
static bool host_owns(uint64_t pa, uint64_t size)
{
	uint64_t end = pa + size;

	if (!mm_ram_contains(pa, size))
		return false;
	for (pa &= ~PAGE_MASK; pa < end;) {
		struct pt_leaf leaf;
		uint64_t next;

		mm_host_page(pa_init(pa), &leaf);
		if (leaf.valid ? leaf.state != MM_PAGE_OWNED : leaf.owner != MM_OWNER_HOST)
			return false;
		next = leaf.addr + leaf.size;
		pa = next > pa ? next : pa + PAGE_SIZE;
	}
	return true;
}

void *vm_gpa_ptr(const struct vm *vm, uint64_t gpa, uint64_t size)
{
	if (!range_ok(gpa, size) || gpa + size > vm->mem_size || gpa == 0)
		return NULL;
	if (vm->host && !host_owns(gpa, size))
		return NULL;
	return arch_mm_pa_to_va(pa_add(vm->mem_base, gpa));
}

/* Take @size bytes of usable RAM for a guest, below the pool and @floor. */
static int guestmem_take(const struct boot_info *bi, uint64_t size, uint64_t floor, paddr_t *out)
{
	paddr_t pool;
	uint64_t pool_size;

	/* mm_boot() takes the pool from the top of RAM down: stay below all
	 * of it. */
	if (guestmem_limit == 0) {
		guestmem_limit = UINT64_MAX;
		for (unsigned i = 0; page_alloc_range(i, &pool, &pool_size); i++)
			if (pa_addr(pool) < guestmem_limit)
				guestmem_limit = pa_addr(pool);
	}
	for (uint32_t i = bi->mem_count; i-- > 0;) {
		const struct boot_mem_region *r = &bi->mem[i];
		uint64_t top = r->base + r->size;

		if (r->type != BOOT_MEM_USABLE || r->base >= guestmem_limit)
			continue;
		if (top > guestmem_limit)
			top = guestmem_limit;
		if (top < size)
			continue;
		uint64_t base = (top - size) & ~(GUEST_MEM_ALIGN - 1);

		if (base < r->base || base < floor || base < GUEST_MEM_FLOOR)
			continue;
		guestmem_limit = base;
		*out = pa_init(base);
		return FIEF_OK;
	}
	return FIEF_ENOMEM;
}

/* Undo the last guestmem_take() (a VM that could not be created). */
static void guestmem_give_back(paddr_t base, uint64_t size)
{
	if (pa_addr(base) == guestmem_limit)
		guestmem_limit += size;
}

/*
 * Host VM: identity-mapped memory it already owns. [0, memory) is the span
 * its boot page tables cover; it may hold holes (fief's own pages, MMIO),
 * which the host simply cannot use. What fief writes for it (boot
 * structures, image) must be host-owned RAM: vm_gpa_ptr() checks.
 */
static int host_memory(struct vm *vm)
{
	vm->mm = mm_host();
	vm->mem_base = pa_init(0);
	return FIEF_OK;
}

static int guest_memory(struct vm *vm, const struct boot_info *bi, uint64_t floor)
{
	paddr_t pa;
	int err = guestmem_take(bi, vm->mem_size, floor, &pa);

	if (err) {
		console_printf("fief: vm %s: no %llu KiB of free RAM for it\n", vm->name,
			       (unsigned long long)(vm->mem_size >> 10));
		return err;
	}
	err = mm_guest_init(&vm->guest_mm, vm->id);
	if (err)
		return err;
	/* Scrub: the guest must not see what the RAM held before. */
	memset(arch_mm_pa_to_va(pa), 0, vm->mem_size);
	err = mm_host_donate_guest(&vm->guest_mm, pa, gpa_init(0), vm->mem_size);
	if (err) {
		console_printf("fief: vm %s: donating its memory failed (%s)\n", vm->name,
			       err_name(err));
		mm_guest_destroy(&vm->guest_mm);
		mm_guest_free(&vm->guest_mm);
		return err;
	}
	vm->mm = &vm->guest_mm;
	vm->mem_base = pa;
	return FIEF_OK;
}

/* Copy the image where the plan says, if fief may write all of it there. */
static int load_segments(struct vm *vm, const struct elf_image *img, const struct elf_plan *plan)
{
	uint64_t span = gpa_addr(plan->high) - gpa_addr(plan->low);
	uint8_t *low = vm_gpa_ptr(vm, gpa_addr(plan->low), span);

	if (!low)
		return FIEF_EPERM;
	/* elf_load() addresses the memory from plan->base: hand it the
	 * pointer that base would have, checked through the span above. */
	return elf_load(img, plan, low - (gpa_addr(plan->low) - gpa_addr(plan->base)),
			(size_t)(gpa_addr(plan->high) - gpa_addr(plan->base)));
}

static int load_image(struct vm *vm, const struct boot_info *bi, const char *file,
		      gpaddr_t *entry)
{
	static struct elf_image img; /* boot runs on one CPU */
	const struct boot_file *f = boot_find_file(bi, file);
	struct elf_plan plan;
	uint64_t avail = vm->mem_size - VM_BOOT_AREA;
	int err;

	if (!f)
		return FIEF_ENOENT;
	err = elf_parse((const void *)(uintptr_t)f->base, f->size, arch_elf_machine(), &img);
	if (err == 0)
		err = elf_plan(&img, gpa_init(VM_BOOT_AREA), avail, &plan);
	if (err == 0)
		err = load_segments(vm, &img, &plan);
	if (err) {
		console_printf("fief: vm %s: image %s refused: %s (%s)\n", vm->name, file,
			       img.why[0] ? img.why : "cannot load", err_name(err));
		return err;
	}
	*entry = plan.entry;
	return FIEF_OK;
}

static struct vm *vm_slot(void)
{
	for (uint32_t i = 0; i < VM_MAX; i++)
		if (vms[i].state == VM_STATE_FREE)
			return &vms[i];
	return NULL;
}

static uint64_t host_mem_size(void)
{
	for (uint32_t i = 0; i < VM_MAX; i++)
		if (vms[i].state != VM_STATE_FREE && vms[i].host)
			return vms[i].mem_size;
	return 0;
}

int vm_create(const struct config_vm *cv, const struct boot_info *bi, uint32_t cpus_online)
{
	struct vm *vm = vm_slot();
	gpaddr_t entry;
	int err;

	if (!vm)
		return FIEF_ENOSPC;
	for (uint32_t i = 0; i < cv->vcpu_count; i++) {
		if (cv->cpu[i] >= cpus_online) {
			console_printf("fief: vm %s: vCPU %u is pinned to CPU %u, which is not online\n",
				       cv->name, i, cv->cpu[i]);
			return FIEF_ERANGE;
		}
	}
	memset(vm, 0, sizeof(*vm));
	memcpy(vm->name, cv->name, sizeof(vm->name));
	vm->host = cv->role == CONFIG_ROLE_HOST;
	vm->id = vm->host ? MM_OWNER_HOST : (uint16_t)(MM_OWNER_GUEST_FIRST + (vm - vms));
	vm->manage = cv->manage;
	vm->mem_size = cv->memory;
	vm->vcpu_count = cv->vcpu_count;
	if (vm->mem_size <= VM_BOOT_AREA)
		return FIEF_ERANGE;
	err = vm->host ? host_memory(vm) : guest_memory(vm, bi, host_mem_size());
	if (err == 0)
		err = load_image(vm, bi, cv->image, &entry);
	for (uint32_t i = 0; err == 0 && i < vm->vcpu_count; i++) {
		struct vcpu *v = &vm->vcpu[i];

		v->vm = vm;
		v->index = i;
		v->pcpu = cv->cpu[i];
		v->state = VCPU_STATE_RUNNABLE;
		err = arch_vcpu_init(v, entry);
	}
	if (err) {
		/* A guest keeps nothing: its memory goes back to the host. */
		if (!vm->host && vm->mm == &vm->guest_mm) {
			mm_guest_destroy(&vm->guest_mm);
			mm_guest_reclaim(&vm->guest_mm, gpa_init(0), vm->mem_size);
			mm_guest_free(&vm->guest_mm);
			guestmem_give_back(vm->mem_base, vm->mem_size);
		}
		memset(vm, 0, sizeof(*vm));
		return err;
	}
	vm->state = VM_STATE_RUNNING;
	console_printf("fief: vm %s: %s, id %u, %llu KiB at 0x%llx, %u vCPU(s), entry 0x%llx\n",
		       vm->name, vm->host ? "host" : "guest", vm->id,
		       (unsigned long long)(vm->mem_size >> 10),
		       (unsigned long long)pa_addr(vm->mem_base), vm->vcpu_count,
		       (unsigned long long)gpa_addr(entry));
	return FIEF_OK;
}

void vm_stop(struct vm *vm, uint32_t code, uint64_t status, const char *fmt, ...)
{
	va_list ap;

	spin_lock(&vm->lock);
	if (vm->state != VM_STATE_RUNNING) {
		spin_unlock(&vm->lock);
		return;
	}
	va_start(ap, fmt);
	fief_vsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
	va_end(ap);
	vm->stop_code = code;
	vm->stop_status = status;
	vm->state = VM_STATE_STOPPED;
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		vm->vcpu[i].state = VCPU_STATE_STOPPED;
	spin_unlock(&vm->lock);
	console_printf("fief: vm %s stopped: %s\n", vm->name, vm->stop_reason);
}

static void console_flush_locked(struct vm *vm)
{
	console_printf("[%s] %.*s\n", vm->name, (int)vm->console.len, vm->console.line);
	vm->console.len = 0;
}

void vm_console_putc(struct vm *vm, char c)
{
	struct vm_console *con = &vm->console;

	spin_lock(&vm->lock);
	con->ring[con->total % VM_CONSOLE_RING] = c;
	con->total++;
	if (c == '\n') {
		console_flush_locked(vm);
	} else if (c != '\r') {
		/* Non-printable bytes are shown as '?', so a guest cannot drive
		 * fief's terminal with escape sequences. */
		con->line[con->len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
		if (con->len == VM_CONSOLE_LINE)
			console_flush_locked(vm);
	}
	spin_unlock(&vm->lock);
}
