/* ir/classify.c -- placeholder, being written */
#include "ir/ir_int.h"
IrMapType ir_classify_node(const IrNode *n) { (void)n; return MAP_ONE_TO_ONE; }
void ir_classify(IrCtx *c, IrGraph *g) { (void)c; for (int i = 0; i < g->nnodes; i++) g->nodes[i]->map = ir_classify_node(g->nodes[i]); g->classified = 1; }
