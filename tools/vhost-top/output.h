/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printing a table: the terminal's text columns, or one JSON document with
 * every raw counter of every queue beside the computed values.
 */
#ifndef VTOP_OUTPUT_H
#define VTOP_OUTPUT_H

#include <stdio.h>

#include "table.h"

void vtop_print_text(FILE *f, const struct vtop_snapshot *cur,
		     const struct vtop_table *t, enum vtop_col sort,
		     bool reverse);
void vtop_print_json(FILE *f, const struct vtop_snapshot *cur,
		     const struct vtop_table *t);

#endif
