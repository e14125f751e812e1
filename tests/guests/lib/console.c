/* SPDX-License-Identifier: MIT */
/*
 * Console output for test guests: putc, puts and a small printf.
 *
 * guest_vsnprintf() knows %d %i %u %x %X %c %s %p %%, the flags '-' and '0',
 * a width (digits or *), and the length modifiers hh h l ll z. That is all
 * the guests need; anything else is printed as is.
 */
#include "arch.h"
#include "guest.h"

#define GUEST_LINE_MAX 256

static struct guest_lock console_lock;

void guest_putc(char c)
{
	guest_arch_putc(c);
}

void guest_puts(const char *s)
{
	while (*s)
		guest_arch_putc(*s++);
}

int guest_printf(const char *fmt, ...)
{
	char buf[GUEST_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = guest_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	guest_lock(&console_lock);
	guest_puts(buf);
	guest_unlock(&console_lock);
	return n;
}

struct out {
	char *buf;
	size_t size;
	size_t len; /* bytes produced, also past the end */
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

struct spec {
	int left;   /* '-' */
	int zero;   /* '0' */
	int width;
	int length; /* 0 int, 1 long, 2 long long, -1 short, -2 char */
};

static void out_pad(struct out *o, int n, char c)
{
	while (n-- > 0)
		out_c(o, c);
}

/* A number, already split into sign and magnitude. */
static void out_num(struct out *o, const struct spec *sp, uint64_t v, int neg,
		    unsigned base, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len, pad;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	len = n + (neg ? 1 : 0);
	pad = sp->width > len ? sp->width - len : 0;
	if (!sp->left && !sp->zero)
		out_pad(o, pad, ' ');
	if (neg)
		out_c(o, '-');
	if (!sp->left && sp->zero)
		out_pad(o, pad, '0');
	while (n > 0)
		out_c(o, tmp[--n]);
	if (sp->left)
		out_pad(o, pad, ' ');
}

static void out_str(struct out *o, const struct spec *sp, const char *s)
{
	int len = 0, pad;

	if (!s)
		s = "(null)";
	while (s[len])
		len++;
	pad = sp->width > len ? sp->width - len : 0;
	if (!sp->left)
		out_pad(o, pad, ' ');
	while (*s)
		out_c(o, *s++);
	if (sp->left)
		out_pad(o, pad, ' ');
}

static uint64_t arg_unsigned(va_list *ap, int length)
{
	switch (length) {
	case 2: return va_arg(*ap, unsigned long long);
	case 1: return va_arg(*ap, unsigned long);
	case -1: return (unsigned short)va_arg(*ap, unsigned int);
	case -2: return (unsigned char)va_arg(*ap, unsigned int);
	default: return va_arg(*ap, unsigned int);
	}
}

static int64_t arg_signed(va_list *ap, int length)
{
	switch (length) {
	case 2: return va_arg(*ap, long long);
	case 1: return va_arg(*ap, long);
	case -1: return (short)va_arg(*ap, int);
	case -2: return (signed char)va_arg(*ap, int);
	default: return va_arg(*ap, int);
	}
}

/* Parses flags, width and length at *fmt; returns the conversion char. */
static char parse_spec(const char **fmt, struct spec *sp, va_list *ap)
{
	const char *f = *fmt;

	*sp = (struct spec){ 0, 0, 0, 0 };
	for (;; f++) {
		if (*f == '-')
			sp->left = 1;
		else if (*f == '0')
			sp->zero = 1;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	for (;; f++) {
		if (*f == 'l')
			sp->length = sp->length == 1 ? 2 : 1;
		else if (*f == 'h')
			sp->length = sp->length == -1 ? -2 : -1;
		else if (*f == 'z')
			sp->length = 1;
		else
			break;
	}
	*fmt = f + (*f ? 1 : 0);
	return *f;
}

static void out_conv(struct out *o, char conv, const struct spec *sp, va_list *ap)
{
	int64_t s;

	switch (conv) {
	case 'd':
	case 'i':
		s = arg_signed(ap, sp->length);
		out_num(o, sp, s < 0 ? 0 - (uint64_t)s : (uint64_t)s, s < 0, 10, 0);
		break;
	case 'u': out_num(o, sp, arg_unsigned(ap, sp->length), 0, 10, 0); break;
	case 'x': out_num(o, sp, arg_unsigned(ap, sp->length), 0, 16, 0); break;
	case 'X': out_num(o, sp, arg_unsigned(ap, sp->length), 0, 16, 1); break;
	case 'p':
		out_c(o, '0');
		out_c(o, 'x');
		out_num(o, sp, (uint64_t)(uintptr_t)va_arg(*ap, void *), 0, 16, 0);
		break;
	case 'c': out_c(o, (char)va_arg(*ap, int)); break;
	case 's': out_str(o, sp, va_arg(*ap, const char *)); break;
	case '%': out_c(o, '%'); break;
	case '\0': break;
	default:
		out_c(o, '%');
		out_c(o, conv);
		break;
	}
}

int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_c(&o, *fmt++);
			continue;
		}
		fmt++;
		out_conv(&o, parse_spec(&fmt, &sp, &aq), &sp, &aq);
	}
	va_end(aq);
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}
