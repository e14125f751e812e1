/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: config_parse() and config_check() on arbitrary bytes.
 *
 * Beyond "no crash, no sanitizer report", every result is checked against
 * what the parser promises: valid VMs hold only values the format allows,
 * at most one host, messages are NUL-terminated "FILE:LINE: ..." lines on
 * existing lines, and config_check() leaves only VMs that fit the machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/fake/fake.h"
#include "core/config.h"
#include "lib/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "fuzz_config: invariant broken: %s (%s:%d)\n", \
				#cond, __FILE__, __LINE__);                 \
			abort();                                            \
		}                                                           \
	} while (0)

static bool chars_ok(const char *s, size_t max, const char *extra)
{
	size_t n = strnlen(s, max + 1);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || strchr(extra, c)))
			return false;
	}
	return true;
}

static void check_vm(const struct config_vm *vm, uint32_t lines)
{
	CHECK(vm->line >= 1 && vm->line <= lines);
	if (!vm->valid)
		return;
	CHECK(chars_ok(vm->name, CONFIG_NAME_MAX, "_-"));
	CHECK(vm->role == CONFIG_ROLE_HOST || vm->role == CONFIG_ROLE_GUEST);
	CHECK(vm->memory > 0 && vm->memory % 4096 == 0);
	CHECK(vm->vcpu_count >= 1 && vm->vcpu_count <= FIEF_MAX_VCPUS);
	for (uint32_t i = 0; i < vm->vcpu_count; i++)
		CHECK(vm->cpu[i] < CONFIG_CPU_LIMIT);
	CHECK(chars_ok(vm->image, CONFIG_IMAGE_MAX, "._+-"));
	CHECK(strstr(vm->image, "..") == NULL);
}

static void check_diag(const struct config_diag *diag, uint32_t lines)
{
	CHECK(diag->count <= CONFIG_DIAG_MAX);
	for (uint32_t i = 0; i < diag->count; i++) {
		const struct config_diag_msg *m = &diag->msg[i];

		CHECK(strnlen(m->text, CONFIG_DIAG_TEXT) < CONFIG_DIAG_TEXT);
		CHECK(strncmp(m->text, "fuzz.cfg:", 9) == 0);
		CHECK(m->line <= lines);
	}
}

static void check_parse(const struct fief_config *cfg,
			const struct config_diag *diag, int ret, uint32_t lines)
{
	uint32_t hosts = 0, valid = 0;

	CHECK(ret == 0 || ret == FIEF_EFORMAT);
	CHECK(cfg->vm_count <= FIEF_MAX_VMS);
	CHECK(cfg->exit == CONFIG_EXIT_HALT || cfg->exit == CONFIG_EXIT_DEBUG);
	CHECK(cfg->banner == CONFIG_BANNER_FULL || cfg->banner == CONFIG_BANNER_SHORT);
	check_diag(diag, lines);
	for (uint32_t i = 0; i < cfg->vm_count; i++) {
		const struct config_vm *vm = &cfg->vm[i];

		check_vm(vm, lines);
		valid += vm->valid;
		if (vm->valid && vm->role == CONFIG_ROLE_HOST) {
			hosts++;
			if (ret == 0)
				CHECK(cfg->host == (int)i);
		}
		/* names of valid VMs are unique */
		for (uint32_t j = 0; j < i && vm->valid; j++)
			CHECK(!cfg->vm[j].valid || strcmp(cfg->vm[j].name, vm->name) != 0);
	}
	CHECK(hosts <= 1);
	CHECK(valid == config_valid_count(cfg));
	if (ret != 0)
		CHECK(cfg->host == -1 && diag->count > 0);
	if (ret == 0 && hosts == 0)
		CHECK(cfg->host == -1);
	/* a refusal is never silent */
	if (valid < cfg->vm_count)
		CHECK(diag->count > 0);
}

static const struct boot_file files[] = {
	{ "hello.elf", 0x100000, 4096 },
	{ "g.elf", 0x200000, 4096 },
	{ "a", 0x300000, 1 },
};

static void check_machine(struct fief_config *cfg, struct config_diag *diag,
			  uint32_t lines)
{
	struct config_limits lim = { 256ull << 20, 4, files, 3 };
	bool was_valid[FIEF_MAX_VMS];
	uint64_t used = 0;
	int ret;

	for (uint32_t i = 0; i < cfg->vm_count; i++)
		was_valid[i] = cfg->vm[i].valid;
	ret = config_check(cfg, &lim, diag);
	CHECK(ret == 0 || ret == FIEF_ERANGE || ret == FIEF_ENOENT);
	check_diag(diag, lines);
	if (ret != 0)
		CHECK(cfg->host == -1);
	for (uint32_t i = 0; i < cfg->vm_count; i++) {
		const struct config_vm *vm = &cfg->vm[i];
		bool found = false;

		CHECK(!vm->valid || was_valid[i]);
		if (!vm->valid)
			continue;
		used += vm->memory;
		for (uint32_t c = 0; c < vm->vcpu_count; c++)
			CHECK(vm->cpu[c] < lim.cpu_count);
		for (uint32_t f = 0; f < lim.file_count; f++)
			found |= strcmp(files[f].name, vm->image) == 0;
		CHECK(found);
	}
	CHECK(used <= lim.memory);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fief_config cfg;
	static struct config_diag diag;
	uint32_t lines = 1;
	int ret;

	/* memchr, not a byte loop: the harness's own compares are not traced */
	for (const uint8_t *p = data, *end = data + size;
	     (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
		lines++;
	ret = config_parse((const char *)data, size, "fuzz.cfg", &cfg, &diag);
	check_parse(&cfg, &diag, ret, lines);
	check_machine(&cfg, &diag, lines);
	fake_console_reset();
	config_diag_print(&diag);
	return 0;
}
