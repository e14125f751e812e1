/* SPDX-License-Identifier: MIT */
#include "lib/err.h"

const char *err_name(int err)
{
	switch (err) {
	case FIEF_OK: return "OK";
	case FIEF_EINVAL: return "EINVAL";
	case FIEF_ENOMEM: return "ENOMEM";
	case FIEF_EPERM: return "EPERM";
	case FIEF_ERANGE: return "ERANGE";
	case FIEF_ENOENT: return "ENOENT";
	case FIEF_EEXIST: return "EEXIST";
	case FIEF_EBUSY: return "EBUSY";
	case FIEF_ENOSPC: return "ENOSPC";
	case FIEF_ENOTSUP: return "ENOTSUP";
	case FIEF_EFAULT: return "EFAULT";
	case FIEF_EFORMAT: return "EFORMAT";
	case FIEF_EACCES: return "EACCES";
	}
	return "E?";
}
