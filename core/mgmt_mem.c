/* SPDX-License-Identifier: MIT */
/*
 * Management calls on a VM's memory: donate, reclaim, share, unshare (the
 * host's pages, through mm's transitions) and copies in and out (through
 * vm_gpa_ptr() on the target's side and mgmt_buf_locked() on the caller's).
 *
 * Memory moves only between the host and a guest: mm has host<->guest
 * transitions only, so a manager that is not the host gets FIEF_ENOTSUP
 * from donate, reclaim, share and unshare. Copies work for any manager.
 */
#include "core/mgmt.h"
#include "core/vm.h"
#include "guest-abi/fief_abi.h"
#include "lib/err.h"
#include "lib/string.h"
#include "mm/own.h"

/* A target range: non-empty, no wrap, inside [0, mem_size). */
static int target_range(const struct vm *vm, gpaddr_t gpa, uint64_t size, bool aligned)
{
	uint64_t a = gpa_addr(gpa);

	if (!range_ok(a, size) || (aligned && !page_aligned(a, size)))
		return FIEF_EINVAL;
	return a + size <= vm->mem_size ? FIEF_OK : FIEF_ERANGE;
}

/* The caller's range for a transition: page aligned, no wrap; RAM (else no
 * page of it can be the caller's: FIEF_EPERM). */
static int caller_range(paddr_t pa, uint64_t size)
{
	if (!range_ok(pa_addr(pa), size) || !page_aligned(pa_addr(pa), size))
		return FIEF_EINVAL;
	return mm_ram_contains(pa, size) ? FIEF_OK : FIEF_EPERM;
}

/*
 * The common part of the host->guest transitions: the target (a guest in
 * one of the @states bits), both ranges. Under mgmt_lock.
 *
 * The state is read without the VM lock (vm_state()): under the
 * management lock every state stays as read except that a RUNNING or
 * PAUSED VM may stop (vm_stop() from its own exit, on another CPU). A
 * share or unshare that accepted a RUNNING VM which stops an instant later
 * is still sound: a STOPPED VM never runs again, its tables stay
 * consistent, and reclaim and destroy end every share it has (the race is
 * run by tests/unit/test_race.c). Donate accepts only CREATED and PAUSED,
 * which only this serialized path leaves (a PAUSED VM that stops still
 * owns what it was given).
 */
static struct vm *h2g_target_locked(struct mgmt_locked l, uint64_t id, paddr_t pa,
				    gpaddr_t gpa, uint64_t size, unsigned states, int *err)
{
	struct vm *vm = mgmt_target_locked(l, id, false, true, err);

	if (!vm)
		return NULL;
	if (!l.caller->host)
		*err = FIEF_ENOTSUP;
	else if (!(states & (1u << vm_state(vm))))
		*err = FIEF_EBUSY;
	else if ((*err = target_range(vm, gpa, size, true)) == 0)
		*err = caller_range(pa, size);
	return *err ? NULL : vm;
}

#define IN(s) (1u << (s))

int mgmt_mem_donate(struct vm *caller, uint64_t id, paddr_t pa, gpaddr_t gpa, uint64_t size)
{
	struct mgmt_locked l;
	struct vm *vm;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = h2g_target_locked(l, id, pa, gpa, size, IN(VM_STATE_CREATED) | IN(VM_STATE_PAUSED),
			       &err);
	if (vm)
		err = mm_host_donate_guest(vm->mm, pa, gpa, size);
	mgmt_unlock(&l);
	return err;
}

int mgmt_mem_share(struct vm *caller, uint64_t id, paddr_t pa, gpaddr_t gpa, uint64_t size,
		   uint64_t access)
{
	struct mgmt_locked l;
	struct vm *vm;
	int err;

	if (!(access & FIEF_SHARE_READ) || (access & ~(uint64_t)FIEF_SHARE_ALL))
		return FIEF_EINVAL;
	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = h2g_target_locked(l, id, pa, gpa, size,
			       IN(VM_STATE_CREATED) | IN(VM_STATE_RUNNING) | IN(VM_STATE_PAUSED),
			       &err);
	/* mm maps shared pages read-write-execute: a narrower share would
	 * promise the host what the tables do not enforce. */
	if (vm && access != FIEF_SHARE_ALL)
		err = FIEF_ENOTSUP;
	else if (vm)
		err = mm_host_share_guest(vm->mm, pa, gpa, size);
	mgmt_unlock(&l);
	return err;
}

/*
 * The host pages a guest borrows at [gpa, gpa + size): every page
 * SHARED_BORROWED and one contiguous run. Return: 0 with *pa, or
 * FIEF_EPERM.
 */
static int borrowed_run(struct vm *vm, gpaddr_t start, uint64_t size, paddr_t *pa)
{
	uint64_t gpa = gpa_addr(start), a = gpa;

	while (a < gpa + size) {
		struct pt_leaf leaf;
		paddr_t here;

		mm_guest_page(vm->mm, gpa_init(a), &leaf);
		if (!leaf.valid || leaf.size == 0 || leaf.state != MM_PAGE_SHARED_BORROWED)
			return FIEF_EPERM;
		here = pa_add(leaf.pa, a - ia_addr(leaf.addr));
		if (a == gpa)
			*pa = here;
		else if (pa_addr(here) != pa_addr(*pa) + (a - gpa))
			return FIEF_EPERM;
		a = ia_addr(leaf.addr) + leaf.size;
	}
	return FIEF_OK;
}

int mgmt_mem_unshare(struct vm *caller, uint64_t id, gpaddr_t gpa, uint64_t size)
{
	struct mgmt_locked l;
	struct vm *vm;
	paddr_t pa = pa_init(0);
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = mgmt_target_locked(l, id, false, true, &err);
	if (vm && !caller->host)
		err = FIEF_ENOTSUP;
	else if (vm && vm_state(vm) == VM_STATE_STOPPED)
		err = FIEF_EBUSY;
	else if (vm)
		err = target_range(vm, gpa, size, true);
	if (vm && !err)
		err = borrowed_run(vm, gpa, size, &pa);
	if (vm && !err)
		err = mm_host_unshare_guest(vm->mm, pa, gpa, size);
	mgmt_unlock(&l);
	return err;
}

/*
 * Reclaim needs the guest's stage-2 to be dying (mm_guest_reclaim()): that
 * is only right for a VM that ended for good. Taking pages back from a
 * live guest needs a transition mm does not have yet (FIEF_ENOTSUP).
 */
int mgmt_mem_reclaim(struct vm *caller, uint64_t id, gpaddr_t gpa, uint64_t size)
{
	struct mgmt_locked l;
	struct vm *vm;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	vm = mgmt_quiet_target_locked(&l, id, false, true, &err);
	if (!l.caller)
		return err; /* the caller stopped running while the target left */
	if (vm && !caller->host)
		err = FIEF_ENOTSUP;
	else if (vm && (vm_state(vm) == VM_STATE_CREATED || vm_state(vm) == VM_STATE_PAUSED))
		err = FIEF_ENOTSUP;
	else if (vm && vm_state(vm) != VM_STATE_STOPPED)
		err = FIEF_EBUSY;
	else if (vm)
		err = target_range(vm, gpa, size, true);
	if (vm && !err) {
		mm_guest_destroy(vm->mm);
		err = mm_guest_reclaim(vm->mm, gpa, size);
	}
	mgmt_unlock(&l);
	return err;
}

/*
 * Copy @size bytes between the caller's @cgpa and the target's @tgpa, a
 * piece at a time (neither side need be contiguous beyond a page). With
 * @commit false only checks every piece. Both sides are checked and
 * copied under the management lock, which every ownership transition
 * takes. Return: 0, FIEF_ERANGE (target not the VM's own memory),
 * FIEF_EFAULT (caller's buffer).
 */
static int copy_pieces(struct mgmt_locked l, struct vm *vm, gpaddr_t cgpa, gpaddr_t tgpa,
		       uint64_t size, bool to_target, bool commit)
{
	uint64_t done = 0;

	while (done < size) {
		gpaddr_t c = gpa_add(cgpa, done), t = gpa_add(tgpa, done);
		uint64_t n = PAGE_SIZE - (gpa_addr(c) & PAGE_MASK);
		uint8_t *cp, *tp;

		if (PAGE_SIZE - (gpa_addr(t) & PAGE_MASK) < n)
			n = PAGE_SIZE - (gpa_addr(t) & PAGE_MASK);
		if (size - done < n)
			n = size - done;
		tp = vm_gpa_ptr(vm, t, n);
		if (!tp)
			return FIEF_ERANGE;
		cp = mgmt_buf_locked(l, c, n);
		if (!cp)
			return FIEF_EFAULT;
		if (commit && to_target)
			memmove(tp, cp, n); /* a shared page may be both */
		else if (commit)
			memmove(cp, tp, n);
		done += n;
	}
	return FIEF_OK;
}

static int copy_call(struct vm *caller, uint64_t id, gpaddr_t cgpa, gpaddr_t tgpa, uint64_t size,
		     bool to_target)
{
	struct mgmt_locked l;
	struct vm *vm;
	int err;

	if ((err = mgmt_lock(caller, &l)) != 0)
		return err;
	/* The target's vCPUs must be off their CPUs: a paused or stopped VM
	 * may still be in its last exit (the lock is dropped while it ends). */
	vm = mgmt_quiet_target_locked(&l, id, false, true, &err);
	if (!l.caller)
		return err;
	/* Copy-out needs the target to be inspectable, before any other
	 * check but its existence. */
	if (vm && !to_target)
		err = mgmt_may_inspect_locked(l, vm, false);
	if (err)
		vm = NULL;
	else if (vm && to_target && vm_state(vm) != VM_STATE_CREATED && vm_state(vm) != VM_STATE_PAUSED)
		err = FIEF_EBUSY;
	else if (vm && !to_target && vm_state(vm) != VM_STATE_PAUSED && vm_state(vm) != VM_STATE_STOPPED)
		err = FIEF_EBUSY;
	else if (vm && !range_ok(gpa_addr(cgpa), size))
		err = FIEF_EINVAL;
	else if (vm)
		err = target_range(vm, tgpa, size, false);
	/* Check every piece first, so that a failure copies nothing. */
	if (vm && !err)
		err = copy_pieces(l, vm, cgpa, tgpa, size, to_target, false);
	if (vm && !err)
		err = copy_pieces(l, vm, cgpa, tgpa, size, to_target, true);
	mgmt_unlock(&l);
	return err;
}

int mgmt_mem_copy_in(struct vm *caller, uint64_t id, gpaddr_t gpa, gpaddr_t src, uint64_t size)
{
	return copy_call(caller, id, src, gpa, size, true);
}

int mgmt_mem_copy_out(struct vm *caller, uint64_t id, gpaddr_t dst, gpaddr_t gpa, uint64_t size)
{
	return copy_call(caller, id, dst, gpa, size, false);
}
