/* backends/ref/ref.h -- placeholder, being written */
