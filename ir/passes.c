/* ir/passes.c -- placeholder, being written */
