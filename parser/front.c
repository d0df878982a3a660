/* parser/front.c -- placeholder, being written */
