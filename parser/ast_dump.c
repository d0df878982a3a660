/* parser/ast_dump.c -- placeholder, being written */
