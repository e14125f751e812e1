/* SPDX-License-Identifier: MIT */
/*
 * VM creation from the configuration, VM stop, and the per-VM console.
 *
 * Guest-physical layout every VM gets (docs/vm.md):
 *   [base, base + VM_BOOT_AREA)   fief's boot structures for the vCPUs
 *                                 (written by arch_vcpu_init())
 *   [base + VM_BOOT_AREA, base + mem_size)
 *                                 the image's segments, then free memory
 * with base = vm->gpa_base: 0, except for the host VM on arm64.
 */
#include <stdarg.h>

#include "core/arch.h"
#include "core/elf.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"
#include "mm/arch_mm.h"
#include "mm/page_alloc.h"

#define VM_BOOT_AREA 0x100000ull      /* 1 MiB */
#define GUEST_MEM_ALIGN 0x200000ull   /* 2 MiB: lets stage-2 use blocks */
#define GUEST_MEM_FLOOR 0x1000000ull  /* guests never get the low 16 MiB */

static struct vm vms[VM_MAX];
static uint32_t online_cpus = 1; /* what boot told vm_create() */

/* Guest memory is carved from usable RAM below fief's page pool, top down. */
static uint64_t guestmem_limit;

void vm_init(void)
{
	memset(vms, 0, sizeof(vms));
	for (uint32_t i = 0; i < VM_MAX; i++)
		vms[i].slot = i;
	guestmem_limit = 0;
	online_cpus = 1;
}

struct vm *vm_get(uint32_t i)
{
	return i < VM_MAX && vm_state(&vms[i]) != VM_STATE_FREE ? &vms[i] : NULL;
}

uint32_t vm_cpus_online(void)
{
	return online_cpus;
}

/* Clear a vCPU slot: what other CPUs read without the lock (struct vcpu's
 * first fields) with atomic stores, the VM pointer first, then the rest. */
static void vcpu_clear(struct vcpu *v)
{
	__atomic_store_n(&v->vm, NULL, __ATOMIC_RELEASE);
	__atomic_store_n(&v->pcpu, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&v->state, VCPU_STATE_RUNNABLE, __ATOMIC_RELAXED);
	__atomic_store_n(&v->running, false, __ATOMIC_RELAXED);
	memset(&v->index, 0, sizeof(*v) - offsetof(struct vcpu, index));
}

/* Make @v @vm's vCPU @index on @pcpu, runnable, its arch state cleared. */
static void vcpu_fill(struct vcpu *v, struct vm *vm, uint32_t index, uint32_t pcpu)
{
	vcpu_clear(v);
	v->index = index;
	__atomic_store_n(&v->pcpu, pcpu, __ATOMIC_RELAXED);
	__atomic_store_n(&v->vm, vm, __ATOMIC_RELEASE);
}

/* Forget a VM: every field but the lock, which a CPU may be waiting on;
 * the fields the run loop reads without it (the state, the vCPUs') with
 * atomic stores, the state first. */
static void slot_reset(struct vm *vm)
{
	const size_t head = offsetof(struct vm, irq) + sizeof(vm->irq);
	const size_t cpus = offsetof(struct vm, vcpu), cpus_end = cpus + sizeof(vm->vcpu);
	uint32_t slot = (uint32_t)(vm - vms);

	_Static_assert(offsetof(struct vm, lock) == 0, "the lock comes first");
	_Static_assert(offsetof(struct vm, state) < offsetof(struct vm, vcpu),
		       "the state comes before the vCPUs");
	_Static_assert(offsetof(struct vm, irq) > offsetof(struct vm, state),
		       "the irqchip follows the state: both survive a reset");
	/* The irqchip is closed and has no holders: its count stays 0. */
	FIEF_ASSERT(__atomic_load_n(&vm->irq.refs, __ATOMIC_ACQUIRE) == 0);
	__atomic_store_n(&vm->state, VM_STATE_FREE, __ATOMIC_RELEASE);
	memset((char *)vm + head, 0, cpus - head);
	for (uint32_t i = 0; i < FIEF_MAX_VCPUS; i++)
		vcpu_clear(&vm->vcpu[i]);
	memset((char *)vm + cpus_end, 0, sizeof(*vm) - cpus_end);
	vm->slot = slot;
}

uint32_t vm_running_count(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < VM_MAX; i++)
		n += vm_state(&vms[i]) == VM_STATE_RUNNING;
	return n;
}

/* True if every page of [pa, pa + size) is RAM the host owns exclusively
 * (or, with @lent, also pages it shares or borrows): only such pages may
 * fief write on the host's behalf. */
static bool host_owns(paddr_t start, uint64_t size, bool lent)
{
	uint64_t pa = pa_addr(start), end = pa + size;

	if (!mm_ram_contains(start, size))
		return false;
	for (pa &= ~PAGE_MASK; pa < end;) {
		struct pt_leaf leaf;
		uint64_t next;

		mm_host_page(pa_init(pa), &leaf);
		if (leaf.valid ? !lent && leaf.state != MM_PAGE_OWNED : leaf.owner != MM_OWNER_HOST)
			return false;
		next = ia_addr(leaf.addr) + leaf.size; /* the host's table: input = physical */
		pa = next > pa ? next : pa + PAGE_SIZE;
	}
	return true;
}

/*
 * Translate [gpa, gpa + size) of a guest's stage-2: every leaf valid, in a
 * state @ok allows, and the whole range one physically contiguous run.
 * Return: true with *@out the host-physical address of @start, or false.
 */
static bool guest_translate(struct mm_vm *mm, gpaddr_t start, uint64_t size, bool borrowed_ok,
			    paddr_t *out)
{
	uint64_t gpa = gpa_addr(start), end = gpa + size, a = gpa, first = UINT64_MAX;

	while (a < end) {
		struct pt_leaf leaf;
		uint64_t pa;

		mm_guest_page(mm, gpa_init(a), &leaf);
		if (!leaf.valid || leaf.size == 0)
			return false;
		if (leaf.state == MM_PAGE_SHARED_BORROWED ? !borrowed_ok
							  : leaf.state != MM_PAGE_OWNED &&
								    leaf.state != MM_PAGE_SHARED_OWNED)
			return false;
		pa = pa_addr(leaf.pa) + (a - ia_addr(leaf.addr));
		if (first == UINT64_MAX)
			first = pa;
		else if (pa != first + (a - gpa))
			return false;
		a = ia_addr(leaf.addr) + leaf.size;
	}
	*out = pa_init(first);
	return true;
}

void *vm_gpa_ptr(const struct vm *vm, gpaddr_t gpa, uint64_t size)
{
	uint64_t a = gpa_addr(gpa), base = gpa_addr(vm->gpa_base);
	paddr_t pa;

	if (!range_ok(a, size) || a < base || a + size > base + vm->mem_size)
		return NULL;
	/* The host's GPA 0 is physical page 0, whose pointer may be NULL. */
	if (vm->host)
		return a != 0 && host_owns(vm_host_pa(gpa), size, false)
			       ? arch_mm_pa_to_va(vm_host_pa(gpa))
			       : NULL;
	if (!guest_translate(vm->mm, gpa, size, false, &pa) || pa_addr(pa) == 0)
		return NULL;
	return arch_mm_pa_to_va(pa);
}

void *vm_buffer_ptr(const struct vm *vm, gpaddr_t gpa, uint64_t size)
{
	uint64_t a = gpa_addr(gpa);
	paddr_t pa;

	if (!range_ok(a, size) || a == 0)
		return NULL;
	/* The host is identity mapped over all RAM it owns, not only the span
	 * of its boot tables. */
	if (vm->host)
		return host_owns(vm_host_pa(gpa), size, true) ? arch_mm_pa_to_va(vm_host_pa(gpa))
							      : NULL;
	if (a + size > vm->mem_size || !guest_translate(vm->mm, gpa, size, true, &pa))
		return NULL;
	return arch_mm_pa_to_va(pa);
}

/* The host's pages in [a, a + size), one table leaf: split where RAM
 * ends (device memory is nobody's). */
static void host_count(uint64_t a, uint64_t size, const struct pt_leaf *leaf, uint64_t *owned,
		       uint64_t *borrowed)
{
	if (!mm_ram_contains(pa_init(a), size)) {
		if (size <= PAGE_SIZE)
			return;
		host_count(a, size / 2, leaf, owned, borrowed);
		host_count(a + size / 2, size / 2, leaf, owned, borrowed);
		return;
	}
	if (!leaf->valid)
		*owned += leaf->owner == MM_OWNER_HOST ? size : 0;
	else if (leaf->state == MM_PAGE_SHARED_BORROWED)
		*borrowed += size;
	else
		*owned += size;
}

void vm_memory_count(const struct vm *vm, uint64_t *owned, uint64_t *borrowed)
{
	uint64_t a = gpa_addr(vm->gpa_base), top = a + vm->mem_size;

	*owned = 0;
	*borrowed = 0;
	while (a < top) {
		struct pt_leaf leaf;
		uint64_t end, size;

		if (vm->host)
			mm_host_page(pa_init(a), &leaf);
		else
			mm_guest_page(vm->mm, gpa_init(a), &leaf);
		end = ia_addr(leaf.addr) + leaf.size;
		if (leaf.size == 0 || end <= a)
			break; /* outside the table's input space */
		if (end > top)
			end = top;
		size = end - a;
		if (vm->host)
			host_count(a, size, &leaf, owned, borrowed);
		else if (leaf.valid && leaf.state == MM_PAGE_SHARED_BORROWED)
			*borrowed += size;
		else if (leaf.valid)
			*owned += size;
		a = end;
	}
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
 * Host VM: identity-mapped memory it already owns. [base, base + memory)
 * is the span fief sets up for it, where base is the architecture's (0 on
 * x86; the first RAM on arm64, whose physical space starts with devices);
 * it may hold holes (fief's own pages, MMIO), which the host cannot use.
 * What fief writes for it (boot structures, image) must be host-owned RAM:
 * vm_gpa_ptr() checks.
 */
static int host_memory(struct vm *vm, const struct boot_info *bi)
{
	vm->mm = mm_host();
	vm->mem_base = pa_init(0);
	vm->gpa_base = gpa_init(arch_host_gpa_base(bi));
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
	vm->carved = true;
	return FIEF_OK;
}

/* Copy the image where the plan says, if fief may write all of it there. */
static int load_segments(struct vm *vm, const struct elf_image *img, const struct elf_plan *plan)
{
	uint64_t span = gpa_addr(plan->high) - gpa_addr(plan->low);
	uint8_t *low = vm_gpa_ptr(vm, plan->low, span);

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
	uint64_t base = gpa_addr(vm->gpa_base) + VM_BOOT_AREA;
	int err;

	if (!f)
		return FIEF_ENOENT;
	err = elf_parse((const void *)(uintptr_t)f->base, f->size, arch_elf_machine(), &img);
	if (err == 0)
		err = elf_plan(&img, gpa_init(base), avail, &plan);
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

/* Guests are carved above the host's span, which fief wrote into. */
static uint64_t host_mem_end(void)
{
	for (uint32_t i = 0; i < VM_MAX; i++)
		if (vms[i].state != VM_STATE_FREE && vms[i].host)
			return gpa_addr(vms[i].gpa_base) + vms[i].mem_size;
	return 0;
}

int vm_create(const struct config_vm *cv, const struct boot_info *bi, uint32_t cpus_online)
{
	struct vm *vm = vm_slot();
	gpaddr_t entry = gpa_init(0);
	int err;

	if (!vm)
		return FIEF_ENOSPC;
	online_cpus = cpus_online > 1 ? cpus_online : 1;
	for (uint32_t i = 0; i < cv->vcpu_count; i++) {
		if (cv->cpu[i] >= cpus_online) {
			console_printf("fief: vm %s: vCPU %u is pinned to CPU %u, which is not online\n",
				       cv->name, i, cv->cpu[i]);
			return FIEF_ERANGE;
		}
	}
	slot_reset(vm);
	vm->creator = -1;
	memcpy(vm->name, cv->name, sizeof(vm->name));
	vm->host = cv->role == CONFIG_ROLE_HOST;
	vm->id = vm->host ? MM_OWNER_HOST : (uint16_t)(MM_OWNER_GUEST_FIRST + (vm - vms));
	vm->manage = cv->manage;
	vm->inspectable = cv->inspectable;
	vm->flags = cv->inspectable ? FIEF_VM_F_INSPECTABLE : 0;
	vm->mem_size = cv->memory;
	vm->vcpu_count = cv->vcpu_count;
	vm->vcpu_max = cv->vcpu_count;
	if (vm->mem_size <= VM_BOOT_AREA)
		return FIEF_ERANGE;
	err = vm->host ? host_memory(vm, bi) : guest_memory(vm, bi, host_mem_end());
	if (err == 0)
		err = load_image(vm, bi, cv->image, &entry);
	for (uint32_t i = 0; err == 0 && i < vm->vcpu_count; i++) {
		struct vcpu *v = &vm->vcpu[i];

		vcpu_fill(v, vm, i, cv->cpu[i]);
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
		for (uint32_t i = 0; i < vm->vcpu_count; i++)
			if (vm->vcpu[i].vm)
				arch_vcpu_destroy(&vm->vcpu[i]);
		slot_reset(vm);
		return err;
	}
	irqchip_open(vm);
	__atomic_store_n(&vm->state, VM_STATE_RUNNING, __ATOMIC_RELEASE);
	console_printf("fief: vm %s: %s, id %u, %llu KiB at 0x%llx, %u vCPU(s), entry 0x%llx\n",
		       vm->name, vm->host ? "host" : "guest", vm->id,
		       (unsigned long long)(vm->mem_size >> 10),
		       /* the host is identity mapped: its span starts at gpa_base */
		       (unsigned long long)(vm->host ? gpa_addr(vm->gpa_base) : pa_addr(vm->mem_base)),
		       vm->vcpu_count,
		       (unsigned long long)gpa_addr(entry));
	return FIEF_OK;
}

/* ---- run-time VMs (core/mgmt_*.c) ---------------------------------------- */

struct vm *vm_create_empty(uint64_t mem_size, uint32_t vcpu_max, uint32_t flags,
			   uint32_t creator, int *err)
{
	struct vm_locked vl;
	struct vm *vm;

	/* Management calls are serialized (core/mgmt.h): the slot stays ours
	 * between the search and the state change below. */
	vm = vm_slot();
	if (!vm) {
		*err = FIEF_ENOSPC;
		return NULL;
	}
	slot_reset(vm);
	vm->id = (uint16_t)(MM_OWNER_GUEST_FIRST + vm->slot);
	*err = mm_guest_init(&vm->guest_mm, vm->id);
	if (*err) {
		slot_reset(vm);
		return NULL;
	}
	fief_snprintf(vm->name, sizeof(vm->name), "vm%u", vm->slot);
	vm->creator = (int32_t)creator;
	vm->flags = flags;
	vm->inspectable = (flags & FIEF_VM_F_INSPECTABLE) != 0;
	vm->manage = (flags & FIEF_VM_F_MANAGE) != 0;
	vm->mem_size = mem_size;
	vm->vcpu_max = vcpu_max;
	vm->mm = &vm->guest_mm;
	irqchip_open(vm);
	vl = vm_lock(vm);
	__atomic_store_n(&vm->state, VM_STATE_CREATED, __ATOMIC_RELEASE);
	vm_unlock(&vl);
	return vm;
}

int vm_vcpu_create(struct vm *vm, uint32_t index, uint32_t pcpu)
{
	struct vm_locked l;
	struct vcpu *v;
	int err;

	if (index >= vm->vcpu_max || pcpu >= online_cpus)
		return FIEF_EINVAL;
	/* CREATED lasts: only management calls, serialized, leave it. */
	if (vm_state(vm) != VM_STATE_CREATED)
		return FIEF_EBUSY;
	v = &vm->vcpu[index];
	if (vcpu_vm(v))
		return FIEF_EEXIST;
	vcpu_fill(v, vm, index, pcpu);
	err = arch_vcpu_init(v, gpa_init(0));
	if (err) {
		arch_vcpu_destroy(v);
		vcpu_clear(v);
		return err;
	}
	l = vm_lock(vm);
	vm->vcpu_count++;
	vm_unlock(&l);
	return FIEF_OK;
}

int vm_start(struct vm *vm)
{
	struct vm_locked l = vm_lock(vm);
	int err = FIEF_OK;

	if (vm->state != VM_STATE_CREATED)
		err = FIEF_EBUSY;
	else if (vm->vcpu_count == 0)
		err = FIEF_EINVAL;
	vm_unlock(&l);
	if (err)
		return err;
	/* The boot information page, if the VM owns it (a guest's page needs
	 * no boot_info); a guest that did not get that page simply has none.
	 * The VM stays CREATED meanwhile: only management calls, serialized
	 * with this one, leave that state. */
	(void)vm_publish_boot_info(vm, NULL);
	l = vm_lock(vm);
	FIEF_ASSERT(vm->state == VM_STATE_CREATED);
	__atomic_store_n(&vm->state, VM_STATE_RUNNING, __ATOMIC_RELEASE);
	vm_unlock(&l);
	return FIEF_OK;
}

bool vm_any_running(const struct vm *vm)
{
	for (uint32_t i = 0; i < FIEF_MAX_VCPUS; i++)
		if (__atomic_load_n(&vm->vcpu[i].running, __ATOMIC_ACQUIRE))
			return true;
	return false;
}

/* Make every CPU running a vCPU of @vm (but @except) go back to its run
 * loop now rather than at its next tick. */
static void kick_running(const struct vm *vm, const struct vcpu *except)
{
	for (uint32_t i = 0; i < FIEF_MAX_VCPUS; i++) {
		const struct vcpu *v = &vm->vcpu[i];

		if (v != except && __atomic_load_n(&v->running, __ATOMIC_ACQUIRE))
			arch_cpu_kick(v->pcpu);
	}
}

/* Every vCPU of the locked VM stopped (the run loop checks this state
 * without the lock, and its own HALTED/YIELDED changes are atomic). */
static void stop_vcpus_locked(struct vm_locked l)
{
	vm_locked_check(l);
	for (uint32_t i = 0; i < FIEF_MAX_VCPUS; i++)
		__atomic_store_n(&l.vm->vcpu[i].state, VCPU_STATE_STOPPED, __ATOMIC_RELEASE);
}

void vm_quiesce(struct vm *vm)
{
	while (vm_any_running(vm))
		arch_cpu_relax();
}

void vm_wait_left(struct vm *vm)
{
	while (vm_any_running(vm) && vm_state(vm) != VM_STATE_RUNNING)
		arch_cpu_relax();
}

int vm_pause_begin(struct vm *vm)
{
	struct vm_locked l = vm_lock(vm);

	if (vm->state != VM_STATE_RUNNING) {
		vm_unlock(&l);
		return FIEF_EBUSY;
	}
	__atomic_store_n(&vm->state, VM_STATE_PAUSED, __ATOMIC_RELEASE);
	vm_unlock(&l);
	kick_running(vm, NULL);
	return FIEF_OK;
}

void vm_pause_wait(struct vm *vm, const struct vm *caller)
{
	while (vm_any_running(vm) && vm_state(vm) == VM_STATE_PAUSED &&
	       vm_state(caller) == VM_STATE_RUNNING)
		arch_cpu_relax();
}

int vm_resume(struct vm *vm)
{
	struct vm_locked l = vm_lock(vm);
	int err = FIEF_OK;

	if (vm->state == VM_STATE_PAUSED)
		__atomic_store_n(&vm->state, VM_STATE_RUNNING, __ATOMIC_RELEASE);
	else
		err = FIEF_EBUSY;
	vm_unlock(&l);
	return err;
}

int vm_destroy_begin(struct vm *vm)
{
	struct vm_locked l;

	if (vm->host)
		return FIEF_EINVAL;
	l = vm_lock(vm);
	vm->destroy_from = vm->state;
	__atomic_store_n(&vm->state, VM_STATE_DYING, __ATOMIC_RELEASE);
	stop_vcpus_locked(l);
	vm_unlock(&l);
	kick_running(vm, NULL);
	/* No line can be raised in it from here on, and none is being
	 * raised once this returns (core/irq.h). */
	irqchip_close(vm);
	return FIEF_OK;
}

/* A destroyed VM's children keep running but have no creator any more: a
 * later VM in its slot must not inherit rights over them. */
static void orphan_children(const struct vm *vm)
{
	for (uint32_t i = 0; i < VM_MAX; i++)
		if (vms[i].state != VM_STATE_FREE && vms[i].creator == (int32_t)vm->slot)
			__atomic_store_n(&vms[i].creator, -1, __ATOMIC_RELAXED); /* mgmt_irq_line() reads it */
}

int vm_destroy_finish(struct vm *vm)
{
	struct vm_locked l;
	int err;

	/* Prepare: every page back to the host; may fail for lack of table
	 * pages on the host's side, and then the VM stays, stopped. */
	mm_guest_destroy(&vm->guest_mm);
	err = mm_guest_reclaim(&vm->guest_mm, gpa_init(0), vm->mem_size);
	if (err == 0)
		err = mm_guest_free(&vm->guest_mm);
	if (err) {
		l = vm_lock(vm);
		__atomic_store_n(&vm->state, VM_STATE_STOPPED, __ATOMIC_RELEASE);
		if (vm->destroy_from != VM_STATE_STOPPED) {
			vm->stop_code = FIEF_STOP_INTERNAL;
			fief_snprintf(vm->stop_reason, sizeof(vm->stop_reason),
				      "destroy could not reclaim its memory (%s)", err_name(err));
		}
		vm_unlock(&l);
		return err;
	}
	/* Commit: nothing below fails. */
	for (uint32_t i = 0; i < FIEF_MAX_VCPUS; i++)
		if (vm->vcpu[i].vm)
			arch_vcpu_destroy(&vm->vcpu[i]);
	if (vm->carved)
		guestmem_give_back(vm->mem_base, vm->mem_size);
	orphan_children(vm);
	console_printf("fief: vm %s destroyed, %llu pages free\n", vm->name,
		       (unsigned long long)page_alloc_free_count());
	l = vm_lock(vm);
	slot_reset(vm);
	vm_unlock(&l);
	return FIEF_OK;
}

int vm_destroy(struct vm *vm)
{
	int err = vm_destroy_begin(vm);

	if (err)
		return err;
	vm_quiesce(vm);
	return vm_destroy_finish(vm);
}

bool vm_begin_run(struct vcpu *v, uint32_t cpu)
{
	struct vm *vm = vcpu_vm(v);
	struct vm_locked l;
	bool ok;

	if (!vm)
		return false;
	/* The slot may have been reset meanwhile (its lock survives): look
	 * again under the lock. */
	l = vm_lock(vm);
	ok = vcpu_vm(v) == vm && vm->state == VM_STATE_RUNNING &&
	     vcpu_state(v) == VCPU_STATE_RUNNABLE && vcpu_pcpu(v) == cpu;
	if (ok)
		__atomic_store_n(&v->running, true, __ATOMIC_RELAXED);
	vm_unlock(&l);
	return ok;
}

void vm_end_run(struct vcpu *v)
{
	__atomic_store_n(&v->running, false, __ATOMIC_RELEASE);
}

void vm_stop(struct vm *vm, const struct vcpu *by, uint32_t code, uint64_t status,
	     const char *fmt, ...)
{
	struct vm_locked l = vm_lock(vm);
	va_list ap;

	if (vm->state != VM_STATE_RUNNING && vm->state != VM_STATE_PAUSED) {
		vm_unlock(&l);
		return;
	}
	va_start(ap, fmt);
	fief_vsnprintf(vm->stop_reason, sizeof(vm->stop_reason), fmt, ap);
	va_end(ap);
	vm->stop_code = code;
	vm->stop_status = status;
	vm->stop_vcpu = by ? by->index : FIEF_STOP_VCPU_NONE;
	__atomic_store_n(&vm->state, VM_STATE_STOPPED, __ATOMIC_RELEASE);
	stop_vcpus_locked(l);
	vm_unlock(&l);
	kick_running(vm, by);
	console_printf("fief: vm %s stopped: %s\n", vm->name, vm->stop_reason);
}

static void console_flush_locked(struct vm_locked l)
{
	struct vm *vm = l.vm;

	vm_locked_check(l);
	console_printf("[%s] %.*s\n", vm->name, (int)vm->console.len, vm->console.line);
	vm->console.len = 0;
}

void vm_console_putc(struct vm *vm, char c)
{
	struct vm_console *con = &vm->console;
	struct vm_locked l = vm_lock(vm);

	con->ring[con->total % VM_CONSOLE_RING] = c;
	con->total++;
	if (c == '\n') {
		console_flush_locked(l);
	} else if (c != '\r') {
		/* Non-printable bytes are shown as '?', so a guest cannot drive
		 * fief's terminal with escape sequences. */
		con->line[con->len++] = (c >= 0x20 && c < 0x7f) ? c : '?';
		if (con->len == VM_CONSOLE_LINE)
			console_flush_locked(l);
	}
	vm_unlock(&l);
}
