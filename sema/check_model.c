/* sema/check_model.c -- placeholder, being written */
