/* SPDX-License-Identifier: MIT */
/*
 * The few C string functions fief uses. On targets they come from
 * lib/libc/string.c (fief links no libc); host unit tests use the host's.
 */
#ifndef FIEF_LIB_STRING_H
#define FIEF_LIB_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
