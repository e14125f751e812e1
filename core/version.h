/* SPDX-License-Identifier: MIT */
#ifndef FIEF_CORE_VERSION_H
#define FIEF_CORE_VERSION_H

#define FIEF_VERSION "0.1.0"

#endif
