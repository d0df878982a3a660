/* runtime/npy.c -- placeholder, being written */
