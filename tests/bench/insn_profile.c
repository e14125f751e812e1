/* SPDX-License-Identifier: MIT */
/*
 * insn_profile: a QEMU TCG plugin that counts executed instructions per
 * guest virtual address between two trigger addresses, for `make
 * bench-profile` (tests/bench/profile.sh, docs/bench.md).
 *
 *   -plugin insn_profile.so,start=ADDR,stop=ADDR,out=FILE
 *
 * Counting starts when the instruction at @start executes, stops at @stop
 * (both virtual addresses, e.g. two functions of the bench guest); on
 * exit every counted address is written to FILE as "0xADDR COUNT". Only
 * QEMU's CPU 0 is counted (the bench is pinned there), at every privilege
 * level, so fief's own instructions between the triggers are there as
 * well as the guest's.
 *
 * Debian's QEMU 7.2 ships no plugin header: the few functions of plugin
 * API version 1 used here are declared below from QEMU's documented API.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS = 0,
};

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb,
				    void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;
__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
							       const struct qemu_info_t *info,
							       int argc, char **argv);

/* One counter per distinct address, in an open-addressing table that
 * never moves (retranslated code finds its counter again). */
#define SLOTS (1u << 20)

struct slot {
	uint64_t addr;
	uint64_t count;
	bool used;
};

static struct slot *table;
static uint64_t on_addr, off_addr;
static const char *out_path = "insn_profile.txt";
static volatile bool counting;

static struct slot *slot_of(uint64_t addr)
{
	uint64_t h = (addr * 0x9e3779b97f4a7c15ull) >> 44;

	for (uint32_t i = 0; i < SLOTS; i++) {
		struct slot *s = &table[(h + i) & (SLOTS - 1)];

		if (!s->used) {
			s->used = true;
			s->addr = addr;
			return s;
		}
		if (s->addr == addr)
			return s;
	}
	return NULL;
}

static void exec_insn(unsigned int vcpu, void *udata)
{
	struct slot *s = udata;

	if (vcpu != 0) /* the bench runs on CPU 0; the other only idles */
		return;
	if (s->addr == on_addr)
		counting = true;
	else if (s->addr == off_addr)
		counting = false;
	if (counting)
		s->count++;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	for (size_t i = 0; i < qemu_plugin_tb_n_insns(tb); i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		struct slot *s = slot_of(qemu_plugin_insn_vaddr(insn));

		if (s)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, exec_insn, QEMU_PLUGIN_CB_NO_REGS,
							       s);
	}
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	FILE *f = fopen(out_path, "w");

	(void)id;
	(void)udata;
	if (!f)
		return;
	for (uint32_t i = 0; i < SLOTS; i++)
		if (table[i].used && table[i].count)
			fprintf(f, "0x%" PRIx64 " %" PRIu64 "\n", table[i].addr, table[i].count);
	fclose(f);
}

int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "start=", 6))
			on_addr = strtoull(argv[i] + 6, NULL, 0);
		else if (!strncmp(argv[i], "stop=", 5))
			off_addr = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			out_path = argv[i] + 4;
	}
	table = calloc(SLOTS, sizeof(*table));
	if (!table || !on_addr || !off_addr)
		return -1;
	fprintf(stderr, "insn_profile: counting from 0x%" PRIx64 " to 0x%" PRIx64 " into %s\n",
		on_addr, off_addr, out_path);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
