/* SPDX-License-Identifier: MIT */
/*
 * Events for unmodified guests (docs/events.md): the arch-neutral half.
 *
 * What is pending for a vCPU lives in its arch's virtual interrupt
 * controller (x86: the vLAPIC's IRR, NMI and INIT/SIPI; arm64: the vGIC's
 * pending state), set by any CPU with atomics or the controller's own short
 * lock. The core only sleeps and wakes vCPUs and keeps their timers' wake-up
 * deadlines:
 *
 *  - A vCPU that executes HLT / WFI becomes HALTED (run_handle_exit()),
 *    unless arch_vcpu_wakeup_pending() says something is already there.
 *  - Whoever makes an event pending calls vcpu_wake(): a HALTED vCPU
 *    becomes RUNNABLE, and the CPU it is pinned to is kicked (an IPI) if it
 *    is not the caller's, so that a vCPU in guest mode exits and takes the
 *    event at its next entry, and an idle CPU looks again. A vCPU woken
 *    while off its CPU marks that CPU (event_resched_take()): the arch may
 *    then end the turn of the vCPU running there.
 *  - vcpu->wake_at is the counter value (arch_counter()) at which the
 *    vCPU's virtual timer needs attention. Its CPU's run loop calls
 *    arch_vcpu_timer() for the vCPUs that do not run once it has passed, and
 *    idles until the nearest one (run_cpu(), arch_cpu_idle()); while the
 *    vCPU runs its arch watches the deadline itself.
 *
 * Sleep protocol, free of lost wake-ups: the sleeper stores HALTED, then
 * looks for a pending event (both sequentially consistent); the waker makes
 * the event pending, then tries HALTED -> RUNNABLE. One of the two sees the
 * other.
 */
#ifndef FIEF_CORE_EVENT_H
#define FIEF_CORE_EVENT_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/**
 * vcpu_wake() - an event is pending for @v (already recorded by its arch):
 * wake it if it sleeps, and kick its CPU unless that is the caller's. Any
 * CPU, any context, no lock held or taken.
 */
void vcpu_wake(struct vcpu *v);

/**
 * event_resched_take() - on CPU @cpu: whether a vCPU pinned here woke up
 * while it was not on the CPU since the last call (vcpu_wake()), clearing
 * the mark. The arch asks it when a kick interrupts a guest: true means
 * the running vCPU's turn should end so that the woken one runs; false
 * means the kick only asked the running vCPU to look at its own pending
 * interrupts. The run loop clears it when it picks a vCPU.
 */
bool event_resched_take(uint32_t cpu);

/**
 * event_others_next() - the nearest timer deadline (vcpu->wake_at) among
 * the vCPUs pinned to @v's CPU other than @v (0: none). For the arch's
 * timer while @v runs: only that CPU changes those deadlines, and not
 * while @v's turn lasts.
 */
uint64_t event_others_next(const struct vcpu *v);

/**
 * vcpu_sleep() - @v executed HLT / WFI: mark it HALTED unless an event is
 * already pending for it. Called by @v's CPU on its exit path. A stop that
 * came meanwhile wins (the vCPU stays STOPPED).
 */
void vcpu_sleep(struct vcpu *v);

/**
 * event_run_timers() - on CPU @cpu, with no vCPU running: call
 * arch_vcpu_timer() for each vCPU pinned here whose deadline passed, wake
 * those that have something pending now.
 * Return: the nearest deadline still ahead among the vCPUs pinned here
 * (0: none), for arch_cpu_idle().
 */
uint64_t event_run_timers(uint32_t cpu);

/**
 * event_any_timer() - whether a vCPU of a running VM has a timer armed:
 * then the machine still has work to come even if nothing is runnable.
 */
bool event_any_timer(void);

#endif
