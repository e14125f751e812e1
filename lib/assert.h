/* SPDX-License-Identifier: MIT */
/*
 * Assertions, for fief's own invariants only: never for anything a guest,
 * a config file or an image controls (those get an error code).
 */
#ifndef FIEF_LIB_ASSERT_H
#define FIEF_LIB_ASSERT_H

#include "lib/arch_lib.h"

#define FIEF_ASSERT(cond)                                                   \
	do {                                                                \
		if (!(cond))                                                \
			arch_panic(__FILE__, __LINE__, #cond);              \
	} while (0)

#define FIEF_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

#endif
