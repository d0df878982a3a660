/* sema/sema.c -- placeholder, being written */
