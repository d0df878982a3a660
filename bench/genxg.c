/* genxg.c -- writes a large, valid .xg file for the front-end speed
 * benchmark: many op definitions (matmul, conv, softmax, layernorm,
 * element-wise) and models that call them.  Usage: genxg MEGABYTES */
#include <stdio.h>
#include <stdlib.h>

static const char *const ops[] = {
    "# matrix product\n"
    "op matmul_$(a: f32[M, K], b: f32[K, N]) -> (c: f32[M, N]) {\n"
    "  c[m, n] = sum(k) a[m, k] * b[k, n];\n"
    "}\n\n",
    "op conv_$(x: f32[N, C, H, W], w: f32[F, C, KH, KW], stride: int = 1, pad: int = 0)\n"
    "    -> (y: f32[N, F, (H + 2*pad - KH)/stride + 1, (W + 2*pad - KW)/stride + 1]) {\n"
    "  y[n, f, i, j] = sum(c, u, v) (x[n, c, i*stride + u - pad, j*stride + v - pad] ?? 0.0)\n"
    "                             * w[f, c, u, v];\n"
    "}\n\n",
    "op softmax_$(x: f32[L..., D]) -> (y: f32[L..., D]) {\n"
    "  mx[l...] = max(d) x[l..., d];\n"
    "  e[l..., d] = exp(x[l..., d] - mx[l...]);\n"
    "  s[l...] = sum(d) e[l..., d];\n"
    "  y[l..., d] = e[l..., d] / s[l...];\n"
    "}\n\n",
    "op layernorm_$(x: f32[L..., D], g: f32[D], b: f32[D], eps: float = 1e-5)\n"
    "    -> (y: f32[L..., D]) {\n"
    "  mu[l...] = mean(d) x[l..., d];\n"
    "  var[l...] = mean(d) (x[l..., d] - mu[l...]) * (x[l..., d] - mu[l...]);\n"
    "  y[l..., d] = (x[l..., d] - mu[l...]) * rsqrt(var[l...] + eps) * g[d] + b[d];\n"
    "}\n\n",
    "op act_$(x: f32[S...], alpha: float = 0.1) -> (y: f32[S...]) {\n"
    "  y[i...] = x[i...] > 0.0 ? x[i...] : alpha * x[i...];\n"
    "}\n\n",
};

static const char model[] =
    "model net_$(x: f32[8, 3, 32, 32]) -> (y: f32[8, 10]) {\n"
    "  param w: f32[16, 3, 3, 3];\n"
    "  param fc: f32[16384, 10];\n"
    "  h = act_$(conv_$(x, w, pad=1));\n"
    "  f = h;\n"
    "  y = softmax_$(matmul_$(flat_$(f), fc));\n"
    "}\n\n"
    "op flat_$(x: f32[N, C, H, W]) -> (y: f32[N, C*H*W]) {\n"
    "  y[n, j] = x.flat[n*C*H*W + j];\n"
    "}\n\n";

/* Prints template t with every '$' replaced by n; returns the bytes written. */
static long emit(const char *t, int n) {
  long w = 0;
  for (; *t; t++) {
    if (*t == '$') w += printf("%d", n);
    else {
      putchar(*t);
      w++;
    }
  }
  return w;
}

int main(int argc, char **argv) {
  double mb = argc > 1 ? atof(argv[1]) : 10.0;
  long target = (long)(mb * 1e6), written = 0;
  int group = 0;
  while (written < target) {
    for (int i = 0; i < 5; i++) written += emit(ops[i], group);
    written += emit(model, group);
    group++;
  }
  return 0;
}
