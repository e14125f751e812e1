/* SPDX-License-Identifier: MIT */
/*
 * Internal error codes.
 *
 * Every internal function that can fail returns 0 on success or one of these
 * negative codes. They are fief's own and never reach a guest directly: the
 * hypercall dispatcher is the one place that turns them into guest-abi codes.
 */
#ifndef FIEF_LIB_ERR_H
#define FIEF_LIB_ERR_H

enum fief_err {
	FIEF_OK = 0,
	FIEF_EINVAL = -1,   /* malformed argument: misaligned, zero, wrapping */
	FIEF_ENOMEM = -2,   /* an allocation failed; nothing was changed */
	FIEF_EPERM = -3,    /* caller lacks the right, or a page is in the wrong state */
	FIEF_ERANGE = -4,   /* argument outside what exists (RAM, id space) */
	FIEF_ENOENT = -5,   /* no such object (file, VM, key) */
	FIEF_EEXIST = -6,   /* object already exists */
	FIEF_EBUSY = -7,    /* object is in a state that forbids the request now */
	FIEF_ENOSPC = -8,   /* a fixed-size table or buffer is full */
	FIEF_ENOTSUP = -9,  /* the hardware or build does not support it */
	FIEF_EFAULT = -10,  /* an address given could not be accessed */
	FIEF_EFORMAT = -11, /* a parsed input (config, image, blob) is malformed */
	FIEF_EACCES = -12,  /* the caller lacks the capability or right for the call */
};

/** err_name() - a short constant name for an internal error code. */
const char *err_name(int err);

#endif
