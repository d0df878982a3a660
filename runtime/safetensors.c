/* runtime/safetensors.c -- placeholder, being written */
