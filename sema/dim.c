/* sema/dim.c -- placeholder, being written */
