/* runtime/random.c -- placeholder, being written */
