/* sema.h -- semantic checks of parsed modules: name resolution, index
 * binding and ranges, ranks, symbolic dimensions, element types, attributes,
 * call signatures and model well-formedness.  Every violation is a located
 * error through the Front's Diag. */
#ifndef XG_SEMA_H
#define XG_SEMA_H

#include "parser/parser.h"

/* Checks `root` and every module it imports (each module once).  Returns the
 * number of errors it reported (0: clean). */
int sema_check(Front *f, Module *root);

#endif
