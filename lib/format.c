/* SPDX-License-Identifier: MIT */
/*
 * fief_vsnprintf(): formatting with no dependencies at all, so the same
 * code serves fief, the host tests and the test guests' library.
 */
#include <stdbool.h>
#include <stdint.h>

#include "lib/format.h"

/* Output cursor: writes what fits, counts everything. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

struct spec {
	bool left;
	bool zero;
	int width;
	int prec; /* -1: none */
};

static void out_str(struct out *o, const char *s, const struct spec *sp)
{
	size_t n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (sp->prec < 0 || n < (size_t)sp->prec))
		n++;
	if (!sp->left)
		out_pad(o, ' ', sp->width - (int)n);
	for (size_t i = 0; i < n; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_pad(o, ' ', sp->width - (int)n);
}

static void out_num(struct out *o, uint64_t v, bool neg, unsigned base, bool upper,
		    const struct spec *sp, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	int plen = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		plen++;
	while (prefix[plen - (neg ? 1 : 0)])
		plen++;

	int pad = sp->width - n - plen;

	if (!sp->left && !sp->zero)
		out_pad(o, ' ', pad);
	if (neg)
		out_char(o, '-');
	for (const char *p = prefix; *p; p++)
		out_char(o, *p);
	if (!sp->left && sp->zero)
		out_pad(o, '0', pad);
	while (n)
		out_char(o, tmp[--n]);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	sp->left = sp->zero = false;
	sp->width = 0;
	sp->prec = -1;
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + (*f++ - '0');
	}
	return f;
}

/* Length modifier: 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t. */
static const char *parse_len(const char *f, int *len)
{
	*len = 0;
	if (f[0] == 'h' && f[1] == 'h')
		return *len = -2, f + 2;
	if (f[0] == 'h')
		return *len = -1, f + 1;
	if (f[0] == 'l' && f[1] == 'l')
		return *len = 2, f + 2;
	if (f[0] == 'l')
		return *len = 1, f + 1;
	if (f[0] == 'z')
		return *len = 3, f + 1;
	return f;
}

static int64_t arg_signed(int len, va_list *ap)
{
	switch (len) {
	case -2: return (signed char)va_arg(*ap, int);
	case -1: return (short)va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (int64_t)va_arg(*ap, size_t);
	default: return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(int len, va_list *ap)
{
	switch (len) {
	case -2: return (unsigned char)va_arg(*ap, unsigned int);
	case -1: return (unsigned short)va_arg(*ap, unsigned int);
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static void out_conv(struct out *o, char c, int len, const struct spec *sp, va_list *ap)
{
	switch (c) {
	case 'c': {
		char s[2] = { (char)va_arg(*ap, int), 0 };
		out_str(o, s, sp);
		break;
	}
	case 's':
		out_str(o, va_arg(*ap, const char *), sp);
		break;
	case 'd':
	case 'i': {
		int64_t v = arg_signed(len, ap);
		uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		out_num(o, mag, v < 0, 10, false, sp, "");
		break;
	}
	case 'u':
		out_num(o, arg_unsigned(len, ap), false, 10, false, sp, "");
		break;
	case 'x':
	case 'X':
		out_num(o, arg_unsigned(len, ap), false, 16, c == 'X', sp, "");
		break;
	case 'p':
		out_num(o, (uintptr_t)va_arg(*ap, void *), false, 16, false, sp, "0x");
		break;
	default:
		out_char(o, '%');
		out_char(o, c);
		break;
	}
}

int fief_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list cp;

	va_copy(cp, ap);
	for (const char *f = fmt; *f; f++) {
		struct spec sp;
		int len;

		if (*f != '%') {
			out_char(&o, *f);
			continue;
		}
		f++;
		if (*f == '%') {
			out_char(&o, '%');
			continue;
		}
		f = parse_spec(f, &sp, &cp);
		f = parse_len(f, &len);
		if (!*f)
			break;
		out_conv(&o, *f, len, &sp, &cp);
	}
	va_end(cp);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int fief_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fief_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
