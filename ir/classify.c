/* ir/classify.c -- placeholder, being written */
