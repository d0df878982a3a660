/* parser/parse_ctx.h -- placeholder, being written */
