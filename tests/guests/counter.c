/* SPDX-License-Identifier: MIT */
/*
 * counter: a busy loop that prints "counter vcpu V: tick N" every
 * COUNTER_SPINS iterations, COUNTER_TICKS times, on vCPU 0 and (through
 * secondary_main) on every other vCPU; then reports 0.
 *
 * Two VMs running it on one physical CPU prove preemption: their ticks
 * interleave in the log. Each also counts "pauses", gaps between two loop
 * iterations far longer than the shortest one (1000 times, at least
 * COUNTER_MIN_PAUSE cycles), and its "share", the part of the elapsed
 * cycles spent in its own loop. The last line is "counter vcpu V: done,
 * N ticks, P pauses, longest L cycles, share S%". Both figures are
 * informational: under an emulator the host's hiccups cause pauses too (a
 * lone counter on bare QEMU shows about 50%).
 */
#include "guest.h"

#ifndef COUNTER_TICKS
#define COUNTER_TICKS 12u
#endif
#ifndef COUNTER_SPINS
#define COUNTER_SPINS (1u << 18)
#endif
#define COUNTER_CALIBRATE 4096u
#define COUNTER_MIN_PAUSE 20000u
/* How long vCPU 0 waits for vCPU 1 to show up, in loop iterations. */
#define COUNTER_WAIT_SPINS (COUNTER_SPINS * 4u)

struct count_result {
	uint32_t pauses;
	uint64_t longest;
	uint64_t busy;    /* cycles in gaps below the threshold */
	uint64_t elapsed; /* cycles of the measured loops */
};

static volatile uint32_t secondaries_started;
static volatile uint32_t secondaries_done;

/* The shortest gap between two cycle-counter reads in a tight loop. */
static uint64_t calibrate(void)
{
	uint64_t prev = guest_cycles(), now, d, min = ~0ull;

	for (uint32_t i = 0; i < COUNTER_CALIBRATE; i++) {
		now = guest_cycles();
		d = now - prev;
		prev = now;
		if (d != 0 && d < min)
			min = d;
	}
	return min == ~0ull ? 1 : min;
}

static struct count_result count(unsigned vcpu)
{
	struct count_result r = { 0, 0, 0, 0 };
	uint64_t threshold = calibrate() * 1000u;
	uint64_t prev, now, d;

	if (threshold < COUNTER_MIN_PAUSE)
		threshold = COUNTER_MIN_PAUSE;
	for (uint32_t tick = 1; tick <= COUNTER_TICKS; tick++) {
		uint64_t start = prev = guest_cycles();

		for (uint32_t i = 0; i < COUNTER_SPINS; i++) {
			now = guest_cycles();
			d = now - prev;
			prev = now;
			if (d > threshold)
				r.pauses++;
			else
				r.busy += d;
			if (d > r.longest)
				r.longest = d;
		}
		r.elapsed += prev - start;
		/* Printing exits to fief; it is outside the measured loop. */
		guest_printf("counter vcpu %u: tick %u\n", vcpu, tick);
	}
	guest_printf("counter vcpu %u: done, %u ticks, %u pauses, longest %lu cycles, share %u%%\n",
		     vcpu, COUNTER_TICKS, r.pauses, (unsigned long)r.longest,
		     r.elapsed ? (unsigned)(r.busy * 100 / r.elapsed) : 100u);
	return r;
}

int secondary_main(unsigned vcpu, uint64_t mem_size)
{
	(void)mem_size;
	__atomic_fetch_add(&secondaries_started, 1u, __ATOMIC_SEQ_CST);
	count(vcpu);
	__atomic_fetch_add(&secondaries_done, 1u, __ATOMIC_SEQ_CST);
	return 0;
}

int main(unsigned vcpu, uint64_t mem_size)
{
	uint32_t waited = 0;

	guest_printf("counter vcpu %u: %u ticks of %u spins, memory %lu KiB\n", vcpu,
		     COUNTER_TICKS, COUNTER_SPINS, (unsigned long)(mem_size >> 10));
	count(vcpu);
	/*
	 * The VM stops when vCPU 0 reports, so wait for the other vCPUs that
	 * started. The guest cannot know how many vCPUs it has: one that has
	 * not started after a while is taken not to exist.
	 */
	while (secondaries_started == 0 && waited++ < COUNTER_WAIT_SPINS)
		guest_relax();
	while (secondaries_done != secondaries_started)
		guest_relax();
	guest_printf("counter: all done, %u other vcpus\n", secondaries_done);
	return 0;
}
