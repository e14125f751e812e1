/* SPDX-License-Identifier: MIT */
/* fief.cfg parser and checks: good files, and every error with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/fake/fake.h"
#include "core/config.h"
#include "lib/err.h"

static struct fief_config cfg;
static struct config_diag diag;
static int current_case = -1; /* table row under test, for failure output */

static int parse_n(const char *text, size_t len)
{
	return config_parse(text, len, "t.cfg", &cfg, &diag);
}

static int parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void dump_diag(void)
{
	for (uint32_t i = 0; i < diag.count; i++)
		print_message("  diag[%u] %s\n", i, diag.msg[i].text);
}

/* Assert that one of the messages is exactly @text. */
static void expect_msg(const char *text)
{
	for (uint32_t i = 0; i < diag.count; i++)
		if (strcmp(diag.msg[i].text, text) == 0)
			return;
	print_message("case %d: expected message: %s\n", current_case, text);
	dump_diag();
	fail();
}

static void test_good_full(void **state)
{
	static const char text[] =
		"# fief test config\n"
		"[fief]\n"
		"exit = debug\n"
		"banner = short\n"
		"\n"
		"[vm agent]\n"
		"role = host\n"
		"memory = 64M\n"
		"vcpus = 2\n"
		"cpus = 0,1\n"
		"image = agent.elf\n"
		"[vm guest-1]  # a guest\n"
		"role = guest\n"
		"memory = 2G\n"
		"vcpus = 3\n"
		"cpus = 1\n"
		"image = hello_v2.elf\n"
		"manage = yes\n"
		"inspectable = yes\n";

	(void)state;
	assert_int_equal(parse(text), 0);
	assert_int_equal(diag.count, 0);
	assert_int_equal(cfg.exit, CONFIG_EXIT_DEBUG);
	assert_int_equal(cfg.banner, CONFIG_BANNER_SHORT);
	assert_int_equal(cfg.vm_count, 2);
	assert_int_equal(cfg.host, 0);
	assert_true(cfg.vm[0].valid);
	assert_int_equal(cfg.vm[0].line, 6);
	assert_string_equal(cfg.vm[0].name, "agent");
	assert_int_equal(cfg.vm[0].role, CONFIG_ROLE_HOST);
	assert_int_equal(cfg.vm[0].memory, 64ull << 20);
	assert_int_equal(cfg.vm[0].vcpu_count, 2);
	assert_int_equal(cfg.vm[0].cpu[0], 0);
	assert_int_equal(cfg.vm[0].cpu[1], 1);
	assert_string_equal(cfg.vm[0].image, "agent.elf");
	assert_true(cfg.vm[0].manage);
	assert_false(cfg.vm[0].inspectable);
	assert_true(cfg.vm[1].valid);
	assert_int_equal(cfg.vm[1].line, 12);
	assert_string_equal(cfg.vm[1].name, "guest-1");
	assert_int_equal(cfg.vm[1].role, CONFIG_ROLE_GUEST);
	assert_int_equal(cfg.vm[1].memory, 2ull << 30);
	assert_int_equal(cfg.vm[1].vcpu_count, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(cfg.vm[1].cpu[i], 1);
	assert_true(cfg.vm[1].manage);
	assert_true(cfg.vm[1].inspectable);
	assert_int_equal(config_valid_count(&cfg), 2);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("[vm a]\nmemory=4k\nvcpus=3\nimage=a\n"), 0);
	assert_int_equal(diag.count, 0);
	assert_int_equal(cfg.exit, CONFIG_EXIT_HALT);
	assert_int_equal(cfg.banner, CONFIG_BANNER_FULL);
	assert_int_equal(cfg.host, -1);
	assert_true(cfg.vm[0].valid);
	assert_int_equal(cfg.vm[0].role, CONFIG_ROLE_GUEST);
	assert_int_equal(cfg.vm[0].memory, 4096);
	assert_false(cfg.vm[0].manage);
	assert_false(cfg.vm[0].inspectable);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(cfg.vm[0].cpu[i], i);
	assert_int_equal(parse("[fief]\nexit = halt\nbanner = full\n"), 0);
	assert_int_equal(cfg.exit, CONFIG_EXIT_HALT);
	assert_int_equal(cfg.banner, CONFIG_BANNER_FULL);
	assert_int_equal(diag.count, 0);
	/* an empty file is not an error here: the caller decides */
	assert_int_equal(parse(""), 0);
	assert_int_equal(cfg.vm_count, 0);
	assert_int_equal(diag.count, 0);
	/* a host without 'manage' may manage, and may turn it off */
	assert_int_equal(parse("[vm h]\nrole=host\nmemory=4K\nvcpus=1\nimage=h\nmanage=no\n"), 0);
	assert_false(cfg.vm[0].manage);
	assert_int_equal(cfg.host, 0);
}

/* Blank handling, CRLF, tabs, no final newline, comments. */
static void test_layout(void **state)
{
	static const char crlf[] =
		"\r\n  # comment\r\n\t[ vm \tx ]\t\r\nmemory\t=\t8M # eight\r\n"
		"vcpus=1\r\nimage = x.elf";

	(void)state;
	assert_int_equal(parse(crlf), 0);
	assert_int_equal(diag.count, 0);
	assert_true(cfg.vm[0].valid);
	assert_int_equal(cfg.vm[0].line, 3);
	assert_string_equal(cfg.vm[0].name, "x");
	assert_int_equal(cfg.vm[0].memory, 8u << 20);
	assert_string_equal(cfg.vm[0].image, "x.elf");
	/* the length bounds the parse: the text past it is never seen */
	assert_int_equal(parse_n("[vm x]\nmemory=4K\nvcpus=1\nimage=x\nbogus", 33), 0);
	assert_true(cfg.vm[0].valid);
}

struct err_case {
	const char *line; /* appended as line 5 of a good guest section */
	const char *msg;  /* expected message, after "t.cfg:5: " */
	int ret;
};

/* One bad line in a guest: the guest is refused, fief goes on. */
static void test_vm_line_errors(void **state)
{
	static const char base[] = "[vm g]\nmemory = 4M\nvcpus = 1\nimage = g.elf\n";
	static const struct err_case cases[] = {
		{ "memory = 8M", "duplicate key 'memory' (first set on line 2)", 0 },
		{ "colour = red", "unknown key 'colour' in [vm]", 0 },
		{ "manage = maybe", "manage: 'maybe' is not yes or no", 0 },
		{ "inspectable = 1", "inspectable: '1' is not yes or no", 0 },
		{ "cpus = 0,,1", "cpus: empty entry in the list", 0 },
		{ "cpus = ", "key 'cpus' has no value", 0 },
		{ "cpus = 0, x", "cpus: 'x' is not a CPU number below 1024", 0 },
		{ "cpus = 1024", "cpus: '1024' is not a CPU number below 1024", 0 },
		{ "cpus = 0,1", "cpus: 2 entries for 1 vCPUs (give one per vCPU, or one for all)", 0 },
		{ "cpus = 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", "cpus: more than 16 entries", 0 },
		{ "just words", "expected 'key = value' or a [section]", 0 },
		{ "= 5", "no key before '='", 0 },
		{ "role = boss", "role: 'boss' is not host or guest", FIEF_EFORMAT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512], want[256];

		snprintf(text, sizeof(text), "%s%s\n", base, cases[i].line);
		snprintf(want, sizeof(want), "t.cfg:5: %s", cases[i].msg);
		current_case = (int)i;
		assert_int_equal(parse(text), cases[i].ret);
		expect_msg(want);
		assert_false(cfg.vm[0].valid);
		assert_int_equal(config_valid_count(&cfg), 0);
		if (cases[i].ret == 0)
			expect_msg("t.cfg:1: VM 'g' refused");
		else
			expect_msg("t.cfg:1: host VM 'g' refused: fief stops before takeover");
	}
}

/* Values of memory, vcpus and image, on line 4 after the other keys. */
static void test_value_errors(void **state)
{
	static const struct err_case cases[] = {
		{ "memory = 0", "memory: must be more than 0", 0 },
		{ "memory = 0K", "memory: must be more than 0", 0 },
		{ "memory = 4097", "memory: '4097' is not a multiple of 4K", 0 },
		{ "memory = 99999999999G", "memory: '99999999999G' is too large", 0 },
		{ "memory = 18446744073709551616", "memory: '18446744073709551616' is too large", 0 },
		{ "memory = 64MB", "memory: '64MB' is not a size (digits, then K, M or G)", 0 },
		{ "memory = M", "memory: 'M' is not a size (digits, then K, M or G)", 0 },
		{ "memory = -4K", "memory: '-4K' is not a size (digits, then K, M or G)", 0 },
		{ "memory = 4 M", "memory: '4 M' is not a size (digits, then K, M or G)", 0 },
		{ "vcpus = 0", "vcpus: '0' is not a number from 1 to 16", 0 },
		{ "vcpus = 17", "vcpus: '17' is not a number from 1 to 16", 0 },
		{ "vcpus = two", "vcpus: 'two' is not a number from 1 to 16", 0 },
		{ "image = ../x.elf", "image: '../x.elf' is not a file name (1-63 characters of A-Z a-z 0-9 . _ + -, no '..')", 0 },
		{ "image = a/b", "image: 'a/b' is not a file name (1-63 characters of A-Z a-z 0-9 . _ + -, no '..')", 0 },
		{ "image = a\\b", "image: 'a\\b' is not a file name (1-63 characters of A-Z a-z 0-9 . _ + -, no '..')", 0 },
		{ "image = a b", "image: 'a b' is not a file name (1-63 characters of A-Z a-z 0-9 . _ + -, no '..')", 0 },
		{ "image = 0123456789012345678901234567890123456789012345678901234567890123",
		  "image: '0123456789012345678901234567890123456789' is not a file name (1-63 characters of A-Z a-z 0-9 . _ + -, no '..')", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[512], want[256];
		const char *key = cases[i].line;
		const char *mem = strncmp(key, "memory", 6) ? "memory = 4M\n" : "";
		const char *vcpus = strncmp(key, "vcpus", 5) ? "vcpus = 1\n" : "";
		const char *image = strncmp(key, "image", 5) ? "image = g\n" : "";

		/* pad so the tested key is always on line 4 */
		snprintf(text, sizeof(text), "[vm g]\n%s%s%s%s\n", mem, vcpus, image, key);
		snprintf(want, sizeof(want), "t.cfg:4: %s", cases[i].msg);
		current_case = (int)i;
		assert_int_equal(parse(text), 0);
		expect_msg(want);
		assert_false(cfg.vm[0].valid);
	}
	/* the largest exact value is fine */
	assert_int_equal(parse("[vm g]\nmemory = 17179869183G\nvcpus = 16\nimage = g\n"), 0);
	assert_true(cfg.vm[0].valid);
	assert_int_equal(cfg.vm[0].memory, 17179869183ull << 30);
	assert_int_equal(cfg.vm[0].vcpu_count, 16);
}

static void test_missing_keys(void **state)
{
	(void)state;
	assert_int_equal(parse("\n[vm g]\nvcpus = 1\n"), 0);
	expect_msg("t.cfg:2: VM 'g' has no 'memory'");
	expect_msg("t.cfg:2: VM 'g' has no 'image'");
	expect_msg("t.cfg:2: VM 'g' refused");
	assert_int_equal(diag.count, 3);
	assert_int_equal(parse("[vm g]\n[vm h]\nmemory=4K\nvcpus=1\nimage=h\n"), 0);
	expect_msg("t.cfg:1: VM 'g' has no 'vcpus'");
	assert_false(cfg.vm[0].valid);
	assert_true(cfg.vm[1].valid);
}

static void test_names(void **state)
{
	static const char good[] = "memory=4K\nvcpus=1\nimage=i\n";
	char text[512];

	(void)state;
	snprintf(text, sizeof(text), "[vm bad name!]\n%s", good);
	assert_int_equal(parse(text), 0);
	expect_msg("t.cfg:1: VM name 'bad name!' is not 1-31 characters of A-Z a-z 0-9 _ -");
	expect_msg("t.cfg:1: VM '?' refused");
	snprintf(text, sizeof(text), "[vm]\n%s", good);
	assert_int_equal(parse(text), 0);
	expect_msg("t.cfg:1: VM name '' is not 1-31 characters of A-Z a-z 0-9 _ -");
	snprintf(text, sizeof(text), "[vm abcdefghijabcdefghijabcdefghijkl]\n%s", good);
	assert_int_equal(parse(text), 0);
	assert_false(cfg.vm[0].valid);
	snprintf(text, sizeof(text), "[vm abcdefghijabcdefghijabcdefghij1]\n%s", good);
	assert_int_equal(parse(text), 0);
	assert_true(cfg.vm[0].valid);
	snprintf(text, sizeof(text), "[vm a]\n%s[vm a]\n%s", good, good);
	assert_int_equal(parse(text), 0);
	expect_msg("t.cfg:5: VM name 'a' is already used on line 1");
	assert_true(cfg.vm[0].valid);
	assert_false(cfg.vm[1].valid);
}

/* Errors outside a VM section stop fief. */
static void test_fatal(void **state)
{
	static const struct err_case cases[] = {
		{ "[fief]\nexit = reboot", "t.cfg:2: exit: 'reboot' is not halt or debug", FIEF_EFORMAT },
		{ "[fief]\nbanner = tiny", "t.cfg:2: banner: 'tiny' is not full or short", FIEF_EFORMAT },
		{ "[fief]\ncolour = red", "t.cfg:2: unknown key 'colour' in [fief]", FIEF_EFORMAT },
		{ "[fief]\nexit = halt\nexit = halt", "t.cfg:3: duplicate key 'exit' (first set on line 2)", FIEF_EFORMAT },
		{ "[fief]\n[fief]", "t.cfg:2: a second [fief] section (the first is on line 1)", FIEF_EFORMAT },
		{ "exit = halt", "t.cfg:1: key 'exit' is outside any section", FIEF_EFORMAT },
		{ "\n\n[bogus]\nx = 1", "t.cfg:3: unknown section '[bogus]'", FIEF_EFORMAT },
		{ "[vmx]", "t.cfg:1: unknown section '[vmx]'", FIEF_EFORMAT },
		{ "[vm g", "t.cfg:1: section header does not end with ']'", FIEF_EFORMAT },
		{ "[", "t.cfg:1: section header does not end with ']'", FIEF_EFORMAT },
		{ "[fief]\nexit\n", "t.cfg:2: expected 'key = value' or a [section]", FIEF_EFORMAT },
		{ "[fief]\nexit =\n", "t.cfg:2: key 'exit' has no value", FIEF_EFORMAT },
		{ "nonsense", "t.cfg:1: expected 'key = value' or a [section]", FIEF_EFORMAT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		current_case = (int)i;
		assert_int_equal(parse(cases[i].line), cases[i].ret);
		expect_msg(cases[i].msg);
	}
	/* keys of an unknown section are not reported one by one */
	assert_int_equal(parse("[bogus]\nx = 1\ny\n"), FIEF_EFORMAT);
	assert_int_equal(diag.count, 1);
}

static void test_host_errors(void **state)
{
	(void)state;
	/* an error in the host section is fatal even when role comes last */
	assert_int_equal(parse("[vm h]\nmemory=1\nvcpus=1\nimage=h\nrole=host\n"), FIEF_EFORMAT);
	expect_msg("t.cfg:2: memory: '1' is not a multiple of 4K");
	expect_msg("t.cfg:1: host VM 'h' refused: fief stops before takeover");
	assert_int_equal(cfg.host, -1);
	/* a second host VM */
	assert_int_equal(parse("[vm a]\nrole=host\nmemory=4K\nvcpus=1\nimage=a\n"
			       "[vm b]\nrole=host\nmemory=4K\nvcpus=1\nimage=b\n"),
			 FIEF_EFORMAT);
	expect_msg("t.cfg:7: a second host VM (the first is on line 1)");
	assert_true(cfg.vm[0].valid);
	assert_false(cfg.vm[1].valid);
	assert_int_equal(cfg.host, -1);
	/* a bad guest next to a good host is only refused */
	assert_int_equal(parse("[vm a]\nrole=host\nmemory=4K\nvcpus=1\nimage=a\n"
			       "[vm b]\nmemory=4K\nvcpus=1\nimage=b\ncpus=99999\n"), 0);
	expect_msg("t.cfg:10: cpus: '99999' is not a CPU number below 1024");
	assert_int_equal(cfg.host, 0);
	assert_true(cfg.vm[0].valid);
	assert_false(cfg.vm[1].valid);
}

static void test_bytes(void **state)
{
	static const char nul[] = "[vm g]\nmemory=4K\nvcpus=1\nimage=g\n# a\0b\n";
	char text[1024];

	(void)state;
	assert_int_equal(parse_n(nul, sizeof(nul) - 1), 0);
	expect_msg("t.cfg:5: control character 0x00 in line");
	assert_false(cfg.vm[0].valid);
	assert_int_equal(parse("[vm g]\nmemory=4K\r\r\nvcpus=1\nimage=g\n"), 0);
	expect_msg("t.cfg:2: control character 0x0d in line");
	assert_int_equal(parse("[fief]\nexit=halt\x7f\n"), FIEF_EFORMAT);
	expect_msg("t.cfg:2: control character 0x7f in line");
	/* 255 characters are fine, 256 are not, comments included */
	memset(text, 0, sizeof(text));
	strcpy(text, "[vm g]\nmemory=4K\nvcpus=1\nimage=g\n#");
	memset(text + strlen(text), 'x', 254);
	assert_int_equal(parse(text), 0);
	assert_true(cfg.vm[0].valid);
	strcat(text, "y\n");
	assert_int_equal(parse(text), 0);
	expect_msg("t.cfg:5: line is longer than 255 characters");
	assert_false(cfg.vm[0].valid);
	/* before any section, a long line is fatal */
	memset(text, 'z', 600);
	text[600] = '\0';
	assert_int_equal(parse(text), FIEF_EFORMAT);
	expect_msg("t.cfg:1: line is longer than 255 characters");
}

static void test_too_many(void **state)
{
	static char text[8192];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < FIEF_MAX_VMS + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[vm v%d]\nmemory=4K\nvcpus=1\nimage=i\n", i);
	assert_int_equal(parse(text), 0);
	assert_int_equal(cfg.vm_count, FIEF_MAX_VMS);
	assert_int_equal(config_valid_count(&cfg), FIEF_MAX_VMS);
	expect_msg("t.cfg:65: more than 16 VM sections");
	expect_msg("t.cfg:65: VM 'v16' refused");
	/* the 17th is the host: fatal */
	strcat(text, "role=host\n");
	assert_int_equal(parse(text), FIEF_EFORMAT);
	expect_msg("t.cfg:65: host VM 'v16' refused: fief stops before takeover");
}

static void test_diag_overflow(void **state)
{
	static char text[4096];
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(text, sizeof(text), "[fief]\n");
	for (int i = 0; i < 40; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "bad line %d\n", i);
	assert_int_equal(parse(text), FIEF_EFORMAT);
	assert_int_equal(diag.count, CONFIG_DIAG_MAX);
	assert_int_equal(diag.dropped, 40 - CONFIG_DIAG_MAX);
	fake_console_reset();
	config_diag_print(&diag);
	assert_non_null(strstr(fake_console,
			       "t.cfg:2: expected 'key = value' or a [section]\n"));
	assert_non_null(strstr(fake_console, "t.cfg: 8 more messages not shown\n"));
	/* a long file name is cut, messages stay NUL-terminated */
	assert_int_equal(config_parse("x", 1, "a-very-long-file-name-that-goes-on-"
				      "and-on-and-on-and-on-past-the-limit.cfg",
				      &cfg, &diag), FIEF_EFORMAT);
	assert_int_equal(strlen(diag.file), CONFIG_IMAGE_MAX);
	assert_true(strlen(diag.msg[0].text) < CONFIG_DIAG_TEXT);
}

static const struct boot_file files[] = {
	{ "host.elf", 0x1000, 100 },
	{ "g1.elf", 0x2000, 100 },
	{ "g2.elf", 0x3000, 100 },
};

static const char check_text[] =
	"[vm g1]\nmemory=32M\nvcpus=2\ncpus=2,3\nimage=g1.elf\n"   /* 1 */
	"[vm h]\nrole=host\nmemory=64M\nvcpus=1\nimage=host.elf\n" /* 6 */
	"[vm g2]\nmemory=64M\nvcpus=1\nimage=g2.elf\n"             /* 11 */
	"[vm g3]\nmemory=4K\nvcpus=1\nimage=nope.elf\n";           /* 15 */

static void test_check(void **state)
{
	struct config_limits lim = { 128ull << 20, 4, files, 3 };

	(void)state;
	assert_int_equal(parse(check_text), 0);
	assert_int_equal(config_valid_count(&cfg), 4);
	assert_int_equal(config_check(&cfg, &lim, &diag), 0);
	/* the host takes its 64M first, g1 its 32M, g2 finds 32M left */
	assert_true(cfg.vm[0].valid);
	assert_true(cfg.vm[1].valid);
	assert_false(cfg.vm[2].valid);
	assert_false(cfg.vm[3].valid);
	assert_int_equal(cfg.host, 1);
	expect_msg("t.cfg:11: VM 'g2': memory 64M is more than the 32M left");
	expect_msg("t.cfg:11: VM 'g2' refused");
	expect_msg("t.cfg:15: VM 'g3': image 'nope.elf' is not on the boot volume");
	assert_int_equal(diag.count, 4);

	/* too few CPUs for g1 */
	lim.cpu_count = 3;
	assert_int_equal(parse(check_text), 0);
	assert_int_equal(config_check(&cfg, &lim, &diag), 0);
	expect_msg("t.cfg:1: VM 'g1': vCPU 1 is pinned to CPU 3, but the machine has 3 CPUs");
	assert_false(cfg.vm[0].valid);
	assert_true(cfg.vm[2].valid);
}

static void test_check_host(void **state)
{
	struct config_limits lim = { 128ull << 20, 4, files, 1 };

	(void)state;
	lim.memory = (64ull << 20) - 4096;
	assert_int_equal(parse(check_text), 0);
	assert_int_equal(config_check(&cfg, &lim, &diag), FIEF_ERANGE);
	expect_msg("t.cfg:6: VM 'h': memory 64M is more than the 65532K left");
	expect_msg("t.cfg:6: host VM 'h' refused: fief stops before takeover");
	assert_int_equal(cfg.host, -1);
	lim.memory = 5000; /* not a whole number of K: printed in bytes */
	assert_int_equal(parse(check_text), 0);
	assert_int_equal(config_check(&cfg, &lim, &diag), FIEF_ERANGE);
	expect_msg("t.cfg:6: VM 'h': memory 64M is more than the 5000 left");
	lim.memory = 1ull << 30;
	lim.file_count = 0;
	assert_int_equal(parse(check_text), 0);
	assert_int_equal(config_check(&cfg, &lim, &diag), FIEF_ENOENT);
	expect_msg("t.cfg:6: VM 'h': image 'host.elf' is not on the boot volume");
	lim.file_count = 3;
	lim.cpu_count = 0;
	assert_int_equal(parse(check_text), 0);
	assert_int_equal(config_check(&cfg, &lim, &diag), FIEF_ERANGE);
	assert_int_equal(config_valid_count(&cfg), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_vm_line_errors),
		cmocka_unit_test(test_value_errors),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fatal),
		cmocka_unit_test(test_host_errors),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_diag_overflow),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_check_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
