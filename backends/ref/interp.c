/* backends/ref/interp.c -- placeholder, being written */
