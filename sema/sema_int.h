/* sema/sema_int.h -- placeholder, being written */
