// SPDX-License-Identifier: GPL-2.0
/* vhost_blk's tracepoints are created here, and only here (see trace.h). */
#include "blk.h"

#define CREATE_TRACE_POINTS
#include "trace.h"
