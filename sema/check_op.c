/* sema/check_op.c -- placeholder, being written */
