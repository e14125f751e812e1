/* SPDX-License-Identifier: MIT */
/*
 * fief.cfg: the boot configuration, parsed from untrusted text.
 *
 * The format is described in docs/config.md. Parsing happens in two steps:
 *
 *   config_parse()  syntax and per-field ranges; needs nothing but the text.
 *   config_check()  what the machine can give: CPUs, memory, image files.
 *
 * Each step refuses (marks !valid) a VM section it finds wrong and goes on;
 * it returns a negative code only when fief must stop before takeover: an
 * error in [fief], outside any section, in an unknown section, or in the
 * host VM. Every problem is recorded in a struct config_diag as a line
 * "FILE:LINE: message" that config_diag_print() puts on the console.
 */
#ifndef FIEF_CORE_CONFIG_H
#define FIEF_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/boot_info.h"

/*
 * System-wide limits. Another header may define them too, with the same
 * tokens (an identical redefinition is valid C; a different one fails).
 */
#define FIEF_MAX_VMS 16   /* VM sections a config may hold */
#define FIEF_MAX_VCPUS 16 /* vCPUs per VM */

#define CONFIG_NAME_MAX 31   /* characters of a VM name */
#define CONFIG_IMAGE_MAX 63  /* characters of an image file name */
#define CONFIG_LINE_MAX 255  /* characters of a line, without its end */
#define CONFIG_CPU_LIMIT 1024 /* physical CPU indices are below this */
#define CONFIG_DIAG_MAX 32   /* messages kept; later ones are counted */
#define CONFIG_DIAG_TEXT 160 /* bytes of one message, with its NUL */

enum config_exit {
	CONFIG_EXIT_HALT = 0,  /* stop the machine (default) */
	CONFIG_EXIT_DEBUG = 1, /* end the emulator through its status device */
};

enum config_banner {
	CONFIG_BANNER_FULL = 0,
	CONFIG_BANNER_SHORT = 1,
};

enum config_role {
	CONFIG_ROLE_GUEST = 0,
	CONFIG_ROLE_HOST = 1, /* VM 0: at most one */
};

/** One [vm NAME] section. Fields other than @valid and @line are meaningful
 *  only while @valid is true. */
struct config_vm {
	bool valid;            /* parsed and checked; false: refused */
	uint32_t line;         /* line of the [vm NAME] header */
	char name[CONFIG_NAME_MAX + 1];
	enum config_role role;
	uint64_t memory;       /* bytes, > 0, multiple of 4 KiB */
	uint32_t vcpu_count;   /* 1..FIEF_MAX_VCPUS */
	uint32_t cpu[FIEF_MAX_VCPUS]; /* physical CPU of vCPU i, i < vcpu_count */
	char image[CONFIG_IMAGE_MAX + 1];
	bool manage;           /* may use management hypercalls */
	bool inspectable;
};

/** The whole file. vm[0..vm_count) are the sections in file order. */
struct fief_config {
	enum config_exit exit;
	enum config_banner banner;
	uint32_t vm_count;
	int host;              /* index of the host VM in vm[], -1 if none */
	struct config_vm vm[FIEF_MAX_VMS];
};

/** One diagnostic: @text is the whole line, "FILE:LINE: message". */
struct config_diag_msg {
	uint32_t line; /* 0 when the message concerns no line */
	char text[CONFIG_DIAG_TEXT];
};

/** What went wrong, in order. Filled by config_parse() and config_check(). */
struct config_diag {
	char file[CONFIG_IMAGE_MAX + 1]; /* file name used in messages */
	uint32_t count;                  /* messages in msg[] */
	uint32_t dropped;                /* messages that did not fit */
	struct config_diag_msg msg[CONFIG_DIAG_MAX];
};

/** What the machine offers, for config_check(). */
struct config_limits {
	uint64_t memory;                /* bytes the VMs may share in total */
	uint32_t cpu_count;             /* physical CPUs 0..cpu_count-1 */
	const struct boot_file *files;  /* files read from the boot volume */
	uint32_t file_count;
};

/**
 * config_parse() - parse a configuration file.
 * @text:     the file's bytes; need not be NUL-terminated, may hold NULs.
 * @len:      number of bytes in @text; nothing past it is read.
 * @filename: name used in messages (truncated to CONFIG_IMAGE_MAX).
 * @cfg:      filled; VMs with an error have valid == false.
 * @diag:     reset, then receives every message.
 *
 * Return: 0 if fief may go on (some guests may have been refused), or
 * FIEF_EFORMAT if a fatal error was found (see the file comment).
 */
int config_parse(const char *text, size_t len, const char *filename,
		 struct fief_config *cfg, struct config_diag *diag);

/**
 * config_check() - refuse the VMs that the machine cannot run.
 * @cfg:  a result of config_parse(); refused VMs get valid = false.
 * @lim:  the machine's CPUs, memory and boot files.
 * @diag: messages are appended, naming the line of the VM's section.
 *
 * The host VM is checked first, so it has the first claim on memory; the
 * guests follow in file order.
 *
 * Return: 0, or a negative code (FIEF_ERANGE, FIEF_ENOENT) if the host VM
 * was refused.
 */
int config_check(struct fief_config *cfg, const struct config_limits *lim,
		 struct config_diag *diag);

/** config_valid_count() - how many VMs are still valid. */
uint32_t config_valid_count(const struct fief_config *cfg);

/** config_diag_print() - every message of @diag, one console line each. */
void config_diag_print(const struct config_diag *diag);

#endif
