// SPDX-License-Identifier: GPL-2.0
/* The core's tracepoints are created here, and only here (see trace.h). */
#include "dev.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* Devices report their SET_BACKEND through the core's event. */
EXPORT_TRACEPOINT_SYMBOL_GPL(vha_backend);
