/* parser/ast.c -- placeholder, being written */
