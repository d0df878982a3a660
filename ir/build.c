/* ir/build.c -- placeholder, being written */
