/* runtime/tensor.c -- placeholder, being written */
