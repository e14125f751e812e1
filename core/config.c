/* SPDX-License-Identifier: MIT */
/*
 * fief.cfg parser. The text is untrusted: every byte is checked, nothing is
 * read past the length given, and every problem becomes a message naming the
 * file and line. The format is documented in docs/config.md.
 *
 * The parser goes line by line. A line is checked (length, control bytes),
 * stripped of its comment and surrounding blanks, copied into a bounded
 * buffer, then read as a [section] header or a "key = value" pair. Errors are
 * charged to the current section: a VM section with an error is refused, an
 * error anywhere else (or in the host VM) is fatal.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/config.h"
#include "lib/err.h"
#include "lib/print.h"
#include "lib/string.h"

enum scope {
	SCOPE_NONE, /* before the first section */
	SCOPE_FIEF, /* [fief] */
	SCOPE_VM,   /* [vm NAME] */
	SCOPE_SKIP, /* an unknown section: its lines are ignored */
};

enum fief_key { FKEY_EXIT, FKEY_BANNER, FKEY_COUNT };

enum vm_key {
	VKEY_ROLE,
	VKEY_MEMORY,
	VKEY_VCPUS,
	VKEY_CPUS,
	VKEY_IMAGE,
	VKEY_MANAGE,
	VKEY_INSPECTABLE,
	VKEY_COUNT
};

struct parser {
	struct fief_config *cfg;
	struct config_diag *diag;
	enum scope scope;
	uint32_t line;                  /* line being read, from 1 */
	bool fatal;                     /* fief must stop before takeover */
	uint32_t fief_line;             /* line of [fief], 0 if none yet */
	uint32_t fief_keys[FKEY_COUNT]; /* line each [fief] key was set on */
	uint32_t host_line;             /* header line of the first host VM */
	/* The VM section being read. */
	struct config_vm *vm;           /* in cfg->vm[], or &scratch */
	struct config_vm scratch;       /* a section beyond FIEF_MAX_VMS */
	uint32_t vm_errors;
	bool role_bad;                  /* a role that is neither host nor guest */
	uint32_t vm_keys[VKEY_COUNT];   /* line each key was set on, 0: unset */
	uint32_t cpus_listed;           /* entries in the cpus list */
};

/* ---- diagnostics ---- */

static void diag_vadd(struct config_diag *d, uint32_t line, const char *fmt,
		      va_list ap)
{
	struct config_diag_msg *m;
	int n;

	if (d->count >= CONFIG_DIAG_MAX) {
		if (d->dropped < UINT32_MAX)
			d->dropped++;
		return;
	}
	m = &d->msg[d->count++];
	m->line = line;
	if (line)
		n = fief_snprintf(m->text, sizeof(m->text), "%s:%u: ", d->file, line);
	else
		n = fief_snprintf(m->text, sizeof(m->text), "%s: ", d->file);
	if (n < 0 || (size_t)n >= sizeof(m->text))
		return;
	fief_vsnprintf(m->text + n, sizeof(m->text) - (size_t)n, fmt, ap);
}

static __attribute__((format(printf, 3, 4)))
void diag_add(struct config_diag *d, uint32_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, line, fmt, ap);
	va_end(ap);
}

/*
 * fail() - report an error on the current line and charge it to the current
 * section. Always returns FIEF_EFORMAT, so setters can "return fail(...)".
 */
static __attribute__((format(printf, 2, 3)))
int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(p->diag, p->line, fmt, ap);
	va_end(ap);
	if (p->scope == SCOPE_VM)
		p->vm_errors++;
	else
		p->fatal = true;
	return FIEF_EFORMAT;
}

/* ---- small lexical helpers ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Cut blanks off both ends of a NUL-terminated string, in place. */
static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Decimal digits s[0..n) into *out. */
static int parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return FIEF_EFORMAT;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (!is_digit(s[i]))
			return FIEF_EFORMAT;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return FIEF_ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Digits with an optional K, M or G suffix (binary multiples). */
static int parse_size(const char *s, uint64_t *out)
{
	size_t n = strlen(s);
	uint64_t mul = 1, v;
	int err;

	if (n == 0)
		return FIEF_EFORMAT;
	switch (s[n - 1]) {
	case 'K': case 'k': mul = (uint64_t)1 << 10; break;
	case 'M': case 'm': mul = (uint64_t)1 << 20; break;
	case 'G': case 'g': mul = (uint64_t)1 << 30; break;
	default: break;
	}
	if (mul != 1)
		n--;
	err = parse_u64(s, n, &v);
	if (err)
		return err;
	if (v > UINT64_MAX / mul)
		return FIEF_ERANGE;
	*out = v * mul;
	return 0;
}

/* 1..CONFIG_NAME_MAX characters of [A-Za-z0-9_-]. */
static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONFIG_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* 1..CONFIG_IMAGE_MAX characters of [A-Za-z0-9._+-], without "..". */
static bool image_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONFIG_IMAGE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!is_alnum(c) && c != '.' && c != '_' && c != '-' && c != '+')
			return false;
		if (c == '.' && s[i + 1] == '.')
			return false;
	}
	return true;
}

static int parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "yes") == 0)
		*out = true;
	else if (strcmp(s, "no") == 0)
		*out = false;
	else
		return FIEF_EFORMAT;
	return 0;
}

/* ---- [fief] keys ---- */

static int set_exit(struct parser *p, const char *v)
{
	if (strcmp(v, "halt") == 0)
		p->cfg->exit = CONFIG_EXIT_HALT;
	else if (strcmp(v, "debug") == 0)
		p->cfg->exit = CONFIG_EXIT_DEBUG;
	else
		return fail(p, "exit: '%.40s' is not halt or debug", v);
	return 0;
}

static int set_banner(struct parser *p, const char *v)
{
	if (strcmp(v, "full") == 0)
		p->cfg->banner = CONFIG_BANNER_FULL;
	else if (strcmp(v, "short") == 0)
		p->cfg->banner = CONFIG_BANNER_SHORT;
	else
		return fail(p, "banner: '%.40s' is not full or short", v);
	return 0;
}

/* ---- [vm NAME] keys ---- */

static int set_role(struct parser *p, const char *v)
{
	if (strcmp(v, "guest") == 0) {
		p->vm->role = CONFIG_ROLE_GUEST;
		return 0;
	}
	if (strcmp(v, "host") != 0) {
		p->role_bad = true;
		return fail(p, "role: '%.40s' is not host or guest", v);
	}
	p->vm->role = CONFIG_ROLE_HOST;
	if (p->host_line)
		return fail(p, "a second host VM (the first is on line %u)",
			    p->host_line);
	p->host_line = p->vm->line;
	return 0;
}

static int set_memory(struct parser *p, const char *v)
{
	uint64_t size;
	int err = parse_size(v, &size);

	if (err == FIEF_ERANGE)
		return fail(p, "memory: '%.40s' is too large", v);
	if (err)
		return fail(p, "memory: '%.40s' is not a size (digits, then K, M or G)", v);
	if (size == 0)
		return fail(p, "memory: must be more than 0");
	if (size % 4096)
		return fail(p, "memory: '%.40s' is not a multiple of 4K", v);
	p->vm->memory = size;
	return 0;
}

static int set_vcpus(struct parser *p, const char *v)
{
	uint64_t n;

	if (parse_u64(v, strlen(v), &n) || n < 1 || n > FIEF_MAX_VCPUS)
		return fail(p, "vcpus: '%.40s' is not a number from 1 to %d", v,
			    FIEF_MAX_VCPUS);
	p->vm->vcpu_count = (uint32_t)n;
	return 0;
}

static int set_cpus(struct parser *p, const char *v)
{
	const char *s = v;
	uint32_t n = 0;

	for (;;) {
		const char *e = s, *a, *b;
		uint64_t cpu;

		while (*e && *e != ',')
			e++;
		for (a = s; a < e && is_blank(*a); a++)
			;
		for (b = e; b > a && is_blank(b[-1]); b--)
			;
		if (a == b)
			return fail(p, "cpus: empty entry in the list");
		if (n == FIEF_MAX_VCPUS)
			return fail(p, "cpus: more than %d entries", FIEF_MAX_VCPUS);
		if (parse_u64(a, (size_t)(b - a), &cpu) || cpu >= CONFIG_CPU_LIMIT)
			return fail(p, "cpus: '%.*s' is not a CPU number below %d",
				    (int)(b - a > 40 ? 40 : b - a), a, CONFIG_CPU_LIMIT);
		p->vm->cpu[n++] = (uint32_t)cpu;
		if (!*e)
			break;
		s = e + 1;
	}
	p->cpus_listed = n;
	return 0;
}

static int set_image(struct parser *p, const char *v)
{
	if (!image_name_ok(v))
		return fail(p, "image: '%.40s' is not a file name (1-%d characters "
			    "of A-Z a-z 0-9 . _ + -, no '..')", v, CONFIG_IMAGE_MAX);
	memcpy(p->vm->image, v, strlen(v) + 1);
	return 0;
}

static int set_manage(struct parser *p, const char *v)
{
	if (parse_bool(v, &p->vm->manage))
		return fail(p, "manage: '%.40s' is not yes or no", v);
	return 0;
}

static int set_inspectable(struct parser *p, const char *v)
{
	if (parse_bool(v, &p->vm->inspectable))
		return fail(p, "inspectable: '%.40s' is not yes or no", v);
	return 0;
}

struct key_def {
	const char *name;
	int (*set)(struct parser *p, const char *value);
};

static const struct key_def fief_key_defs[FKEY_COUNT] = {
	[FKEY_EXIT] = { "exit", set_exit },
	[FKEY_BANNER] = { "banner", set_banner },
};

static const struct key_def vm_key_defs[VKEY_COUNT] = {
	[VKEY_ROLE] = { "role", set_role },
	[VKEY_MEMORY] = { "memory", set_memory },
	[VKEY_VCPUS] = { "vcpus", set_vcpus },
	[VKEY_CPUS] = { "cpus", set_cpus },
	[VKEY_IMAGE] = { "image", set_image },
	[VKEY_MANAGE] = { "manage", set_manage },
	[VKEY_INSPECTABLE] = { "inspectable", set_inspectable },
};

/*
 * Look @key up in @defs, refuse a key already set in this section (@seen
 * holds the line each was set on), then let its setter read @value.
 */
static int set_key(struct parser *p, const struct key_def *defs, size_t count,
		   uint32_t *seen, const char *key, const char *value)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(defs[i].name, key) != 0)
			continue;
		if (seen[i])
			return fail(p, "duplicate key '%s' (first set on line %u)",
				    key, seen[i]);
		seen[i] = p->line;
		return defs[i].set(p, value);
	}
	return fail(p, "unknown key '%.40s' in [%s]", key,
		    p->scope == SCOPE_VM ? "vm" : "fief");
}

/* ---- sections ---- */

static const char *vm_label(const struct config_vm *vm)
{
	return vm->name[0] ? vm->name : "?";
}

/* Check that the keys of the finished VM section agree; fill defaults. */
static void vm_complete(struct parser *p)
{
	struct config_vm *vm = p->vm;
	static const enum vm_key required[] = { VKEY_MEMORY, VKEY_VCPUS, VKEY_IMAGE };

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!p->vm_keys[required[i]])
			fail(p, "VM '%s' has no '%s'", vm_label(vm),
			     vm_key_defs[required[i]].name);
	if (!p->vm_keys[VKEY_MANAGE])
		vm->manage = vm->role == CONFIG_ROLE_HOST;
	if (!p->vm_keys[VKEY_CPUS]) {
		for (uint32_t i = 0; i < FIEF_MAX_VCPUS; i++)
			vm->cpu[i] = i < vm->vcpu_count ? i : 0;
	} else if (p->cpus_listed == 1) {
		for (uint32_t i = 1; i < FIEF_MAX_VCPUS; i++)
			vm->cpu[i] = i < vm->vcpu_count ? vm->cpu[0] : 0;
	} else if (p->cpus_listed && vm->vcpu_count &&
		   p->cpus_listed != vm->vcpu_count) {
		p->line = p->vm_keys[VKEY_CPUS];
		fail(p, "cpus: %u entries for %u vCPUs (give one per vCPU, or one for all)",
		     p->cpus_listed, vm->vcpu_count);
	}
}

/* The end of a VM section: decide whether the VM is valid. */
static void vm_finish(struct parser *p)
{
	struct config_vm *vm = p->vm;
	uint32_t here = p->line;
	bool host;

	p->line = vm->line;
	vm_complete(p);
	host = vm->role == CONFIG_ROLE_HOST || p->role_bad;
	p->line = vm->line;
	if (p->vm_errors == 0) {
		vm->valid = true;
		if (host)
			p->cfg->host = (int)(vm - p->cfg->vm);
	} else if (host) {
		p->fatal = true;
		diag_add(p->diag, vm->line,
			 "host VM '%s' refused: fief stops before takeover",
			 vm_label(vm));
	} else {
		diag_add(p->diag, vm->line, "VM '%s' refused", vm_label(vm));
	}
	p->line = here;
}

static void section_end(struct parser *p)
{
	if (p->scope == SCOPE_VM)
		vm_finish(p);
	p->scope = SCOPE_NONE;
}

static void vm_begin(struct parser *p, const char *name)
{
	struct fief_config *cfg = p->cfg;

	p->scope = SCOPE_VM;
	p->vm_errors = 0;
	p->role_bad = false;
	p->cpus_listed = 0;
	memset(p->vm_keys, 0, sizeof(p->vm_keys));
	p->vm = cfg->vm_count < FIEF_MAX_VMS ? &cfg->vm[cfg->vm_count++] : &p->scratch;
	memset(p->vm, 0, sizeof(*p->vm));
	p->vm->line = p->line;
	if (p->vm == &p->scratch)
		fail(p, "more than %d VM sections", FIEF_MAX_VMS);
	if (!name_ok(name)) {
		fail(p, "VM name '%.40s' is not 1-%d characters of A-Z a-z 0-9 _ -",
		     name, CONFIG_NAME_MAX);
		return;
	}
	for (uint32_t i = 0; i < cfg->vm_count; i++) {
		if (&cfg->vm[i] != p->vm && strcmp(cfg->vm[i].name, name) == 0) {
			fail(p, "VM name '%s' is already used on line %u", name,
			     cfg->vm[i].line);
			return;
		}
	}
	memcpy(p->vm->name, name, strlen(name) + 1);
}

/* A line starting with '['; @s is trimmed and non-empty. */
static void parse_section(struct parser *p, char *s)
{
	size_t n = strlen(s);
	char *inner;

	section_end(p);
	if (n < 2 || s[n - 1] != ']') {
		fail(p, "section header does not end with ']'");
		p->scope = SCOPE_SKIP;
		return;
	}
	s[n - 1] = '\0';
	inner = trim(s + 1);
	if (strcmp(inner, "fief") == 0) {
		if (p->fief_line)
			fail(p, "a second [fief] section (the first is on line %u)",
			     p->fief_line);
		else
			p->fief_line = p->line;
		p->scope = SCOPE_FIEF;
	} else if (strncmp(inner, "vm", 2) == 0 &&
		   (inner[2] == '\0' || is_blank(inner[2]))) {
		vm_begin(p, trim(inner + 2));
	} else {
		fail(p, "unknown section '[%.40s]'", inner);
		p->scope = SCOPE_SKIP;
	}
}

/* A "key = value" line; @s is trimmed and non-empty. */
static void parse_pair(struct parser *p, char *s)
{
	char *eq = s, *key, *value;

	if (p->scope == SCOPE_SKIP)
		return;
	while (*eq && *eq != '=')
		eq++;
	if (!*eq) {
		fail(p, "expected 'key = value' or a [section]");
		return;
	}
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	if (!*key) {
		fail(p, "no key before '='");
		return;
	}
	if (p->scope == SCOPE_NONE) {
		fail(p, "key '%.40s' is outside any section", key);
		return;
	}
	if (!*value) {
		fail(p, "key '%.40s' has no value", key);
		return;
	}
	if (p->scope == SCOPE_FIEF)
		set_key(p, fief_key_defs, FKEY_COUNT, p->fief_keys, key, value);
	else
		set_key(p, vm_key_defs, VKEY_COUNT, p->vm_keys, key, value);
}

/*
 * Check one raw line of @n bytes (its end already cut off) and copy what is
 * before its comment into @buf, trimmed.
 * Return: true if @buf holds something to parse.
 */
static bool line_take(struct parser *p, const char *raw, size_t n,
		      char buf[CONFIG_LINE_MAX + 1], char **out)
{
	size_t keep = n;

	if (n > CONFIG_LINE_MAX) {
		if (p->scope != SCOPE_SKIP)
			fail(p, "line is longer than %d characters", CONFIG_LINE_MAX);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)raw[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			if (p->scope != SCOPE_SKIP)
				fail(p, "control character 0x%02x in line", c);
			return false;
		}
		if (c == '#' && keep == n)
			keep = i;
	}
	memcpy(buf, raw, keep);
	buf[keep] = '\0';
	*out = trim(buf);
	return **out != '\0';
}

static void parser_init(struct parser *p, struct fief_config *cfg,
			struct config_diag *diag, const char *filename)
{
	size_t n = filename ? strnlen(filename, CONFIG_IMAGE_MAX) : 0;

	memset(p, 0, sizeof(*p));
	memset(cfg, 0, sizeof(*cfg));
	memset(diag, 0, sizeof(*diag));
	if (n)
		memcpy(diag->file, filename, n);
	else
		memcpy(diag->file, "fief.cfg", sizeof("fief.cfg"));
	diag->file[n ? n : sizeof("fief.cfg") - 1] = '\0';
	cfg->exit = CONFIG_EXIT_HALT;
	cfg->banner = CONFIG_BANNER_FULL;
	cfg->host = -1;
	p->cfg = cfg;
	p->diag = diag;
	p->scope = SCOPE_NONE;
}

int config_parse(const char *text, size_t len, const char *filename,
		 struct fief_config *cfg, struct config_diag *diag)
{
	struct parser p;
	char buf[CONFIG_LINE_MAX + 1];
	size_t pos = 0;

	parser_init(&p, cfg, diag, filename);
	while (pos < len) {
		size_t end = pos, n;
		char *s;

		while (end < len && text[end] != '\n')
			end++;
		n = end - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (p.line < UINT32_MAX)
			p.line++;
		if (line_take(&p, text + pos, n, buf, &s)) {
			if (s[0] == '[')
				parse_section(&p, s);
			else
				parse_pair(&p, s);
		}
		pos = end < len ? end + 1 : len;
	}
	section_end(&p);
	if (p.fatal) {
		cfg->host = -1;
		return FIEF_EFORMAT;
	}
	return 0;
}

/* ---- checks against the machine ---- */

/* A size as the config would write it: the largest exact unit. */
static void size_text(char *buf, size_t n, uint64_t v)
{
	static const char units[] = "GMK";

	for (int i = 0; i < 3; i++) {
		uint64_t unit = (uint64_t)1 << (10 * (3 - i));

		if (v >= unit && v % unit == 0) {
			fief_snprintf(buf, n, "%llu%c", (unsigned long long)(v / unit),
				      units[i]);
			return;
		}
	}
	fief_snprintf(buf, n, "%llu", (unsigned long long)v);
}

static bool file_present(const struct config_limits *lim, const char *name)
{
	for (uint32_t i = 0; i < lim->file_count; i++) {
		const char *f = lim->files[i].name;

		if (strnlen(f, sizeof(lim->files[i].name)) < sizeof(lim->files[i].name) &&
		    strcmp(f, name) == 0)
			return true;
	}
	return false;
}

/* Refuse @vm if the machine cannot run it; else take its memory from *left. */
static int check_vm(struct config_vm *vm, const struct config_limits *lim,
		    uint64_t *left, struct config_diag *diag)
{
	char want[24], have[24];
	int err = 0;

	for (uint32_t i = 0; i < vm->vcpu_count; i++) {
		if (vm->cpu[i] >= lim->cpu_count) {
			diag_add(diag, vm->line,
				 "VM '%s': vCPU %u is pinned to CPU %u, but the machine has %u CPUs",
				 vm->name, i, vm->cpu[i], lim->cpu_count);
			err = FIEF_ERANGE;
			break;
		}
	}
	if (!file_present(lim, vm->image)) {
		diag_add(diag, vm->line, "VM '%s': image '%s' is not on the boot volume",
			 vm->name, vm->image);
		err = err ? err : FIEF_ENOENT;
	}
	if (vm->memory > *left) {
		size_text(want, sizeof(want), vm->memory);
		size_text(have, sizeof(have), *left);
		diag_add(diag, vm->line, "VM '%s': memory %s is more than the %s left",
			 vm->name, want, have);
		err = err ? err : FIEF_ERANGE;
	}
	if (!err) {
		*left -= vm->memory;
		return 0;
	}
	vm->valid = false;
	diag_add(diag, vm->line, "%s '%s' refused%s",
		 vm->role == CONFIG_ROLE_HOST ? "host VM" : "VM", vm->name,
		 vm->role == CONFIG_ROLE_HOST ? ": fief stops before takeover" : "");
	return err;
}

int config_check(struct fief_config *cfg, const struct config_limits *lim,
		 struct config_diag *diag)
{
	uint64_t left = lim->memory;
	int host = cfg->host;
	int err = 0;

	if (host >= 0 && (uint32_t)host < cfg->vm_count && cfg->vm[host].valid) {
		err = check_vm(&cfg->vm[host], lim, &left, diag);
		if (err)
			cfg->host = -1;
	}
	for (uint32_t i = 0; i < cfg->vm_count && i < FIEF_MAX_VMS; i++)
		if ((int)i != host && cfg->vm[i].valid)
			check_vm(&cfg->vm[i], lim, &left, diag);
	return err;
}

uint32_t config_valid_count(const struct fief_config *cfg)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < cfg->vm_count && i < FIEF_MAX_VMS; i++)
		n += cfg->vm[i].valid;
	return n;
}

void config_diag_print(const struct config_diag *diag)
{
	for (uint32_t i = 0; i < diag->count && i < CONFIG_DIAG_MAX; i++)
		console_printf("%s\n", diag->msg[i].text);
	if (diag->dropped)
		console_printf("%s: %u more messages not shown\n", diag->file,
			       diag->dropped);
}
