//===- fake_model.c - A hand-written stand-in for seqc's CPU code ---------===//
//
// The code part of the artifacts the runtime unit tests build: entry points
// following the ABI of docs/design/Artifact.md, written by hand so that the
// runtime can be tested without the compiler. Each entry exercises one
// corner of the ABI (see its comment).
//
//===----------------------------------------------------------------------===//

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[1];
  int64_t strides[1];
} Memref1;

typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[2];
  int64_t strides[2];
} Memref2;

/// Parameters: w is f32[4], b is f32[2]; the GGUF tests add q (raw bytes of
/// quantized blocks, i8) and h (f16[3]).
EXPORT void *__seq_param_w;
EXPORT void *__seq_param_b;
EXPORT void *__seq_param_q;
EXPORT void *__seq_param_h;
/// The ABI record (seqrt/Abi.h). The tests build artifacts with different
/// metadata around this one object, so they write the record for their
/// metadata over this placeholder (RuntimeTestUtils, seqpkg.py pack).
EXPORT const char __seq_abi[4096] = "@SEQ_ABI_RECORD@";

static float at1(const Memref1 *m, int64_t i) {
  return ((const float *)m->aligned)[m->offset + i * m->strides[0]];
}

static void *allocate(int64_t bytes) { return malloc(bytes ? bytes : 1); }

static void setResult1(Memref1 *result, void *buffer, int64_t n) {
  result->allocated = buffer;
  result->aligned = buffer;
  result->offset = 0;
  result->sizes[0] = n;
  result->strides[0] = 1;
}

EXPORT void __seq_free(void *allocated) { free(allocated); }

/* Named like libomp's API, which the loader calls in the code's libomp
 * (runtime/lib/Threads.h): loading must never run a function the artifact
 * itself defines, so every test that loads this model fails if it does. */
EXPORT void kmp_set_defaults(const char *settings) {
  (void)settings;
  abort();
}

/// add(f32[?], f32[?]) -> f32[?]: a + b.
EXPORT void __seq_packed_add(void **args, int32_t *status) {
  Memref1 *result = args[0];
  const Memref1 *a = args[1], *b = args[2];
  int64_t n = a->sizes[0];
  float *out = allocate(n * sizeof(float));
  for (int64_t i = 0; i < n; ++i)
    out[i] = at1(a, i) + at1(b, i);
  setResult1(result, out, n);
}

/// scale(f32[4]) -> f32[4]: x * w + b[i % 2], reading both parameters.
EXPORT void __seq_packed_scale(void **args, int32_t *status) {
  Memref1 *result = args[0];
  const Memref1 *x = args[1];
  const float *w = __seq_param_w, *b = __seq_param_b;
  float *out = allocate(4 * sizeof(float));
  for (int64_t i = 0; i < 4; ++i)
    out[i] = at1(x, i) * w[i] + b[i % 2];
  setResult1(result, out, 4);
}

/// transpose(f32[2, ?]) -> f32[?, 2]: returns a transposed (non-contiguous)
/// view of a contiguous copy of x.
EXPORT void __seq_packed_transpose(void **args, int32_t *status) {
  Memref2 *result = args[0];
  const Memref2 *x = args[1];
  int64_t n = x->sizes[1];
  float *copy = allocate(2 * n * sizeof(float));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < n; ++j)
      copy[i * n + j] = ((const float *)x->aligned)[x->offset +
                                                    i * x->strides[0] +
                                                    j * x->strides[1]];
  result->allocated = copy;
  result->aligned = copy;
  result->offset = 0;
  result->sizes[0] = n;
  result->sizes[1] = 2;
  result->strides[0] = 1;
  result->strides[1] = n;
}

/// iota(i64 scalar n) -> i32[?]: 0..n-1, returned with offset 3.
EXPORT void __seq_packed_iota(void **args, int32_t *status) {
  Memref1 *result = args[0];
  int64_t n = *(const int64_t *)args[1];
  int32_t *buffer = allocate((n + 3) * sizeof(int32_t));
  for (int64_t i = 0; i < n; ++i)
    buffer[3 + i] = (int32_t)i;
  setResult1(result, buffer, n);
  result->offset = 3;
}

/// dup(f32[2]) -> (f32[2], f32[2]): two results sharing one allocation.
EXPORT void __seq_packed_dup(void **args, int32_t *status) {
  Memref1 *results = args[0];
  const Memref1 *x = args[1];
  float *out = allocate(2 * sizeof(float));
  out[0] = at1(x, 0) * 2;
  out[1] = at1(x, 1) * 2;
  setResult1(&results[0], out, 2);
  setResult1(&results[1], out, 2);
}

/// fill(f32[3]) -> (): no results, so the input is args[0]; writes 7s.
EXPORT void __seq_packed_fill(void **args, int32_t *status) {
  const Memref1 *x = args[0];
  for (int64_t i = 0; i < 3; ++i)
    ((float *)x->aligned)[x->offset + i * x->strides[0]] = 7.0f;
}

/// The status slot the runtime passes (seqrt/Abi.h StatusRecord): the
/// code, then the message of a failed check.
typedef struct {
  int32_t code;
  int32_t reserved;
  char message[256];
} StatusRecord;

/// lookup(i64 scalar i) -> f32[1]: w[i]; i outside 0..3 sets the call's
/// status to 1 (index out of range) with a message naming i, as seqc's
/// run-time checks do. It yields the processor once per call, so that the
/// calls of the concurrency tests (BindTest) interleave.
EXPORT void __seq_packed_lookup(void **args, int32_t *status) {
  Memref1 *result = args[0];
  int64_t i = *(const int64_t *)args[1];
  float *out = allocate(sizeof(float));
  sched_yield();
  if (i < 0 || i > 3) {
    StatusRecord *record = (StatusRecord *)status;
    record->code = 1;
    snprintf(record->message, sizeof record->message,
             "lookup: index %lld outside [0, 4)", (long long)i);
    out[0] = 0;
  } else {
    out[0] = ((const float *)__seq_param_w)[i];
  }
  setResult1(result, out, 1);
}

static const float kConstant[2] = {1.5f, -2.5f};

/// constant() -> f32[2]: a constant global, marked the way MLIR marks
/// memref.get_global (allocated = 0xdeadbeef); it must not be freed.
EXPORT void __seq_packed_constant(void **args, int32_t *status) {
  Memref1 *result = args[0];
  setResult1(result, (void *)(uintptr_t)kConstant, 2);
  result->allocated = (void *)(uintptr_t)0xdeadbeef;
}

/// echo(f32[3]) -> f32[3]: returns the input's own buffer.
EXPORT void __seq_packed_echo(void **args, int32_t *status) {
  Memref1 *result = args[0];
  const Memref1 *x = args[1];
  *result = *x;
}

/// scalar_out(f32 0-d tensor) -> f32 0-d tensor: x + 1, as a rank-0
/// descriptor {allocated, aligned, offset}.
EXPORT void __seq_packed_scalar_out(void **args, int32_t *status) {
  void **result = args[0];
  void **x = args[1]; // a rank-0 descriptor
  const float *in = x[1];
  float *out = allocate(sizeof(float));
  out[0] = in[((int64_t *)x)[2]] + 1.0f;
  result[0] = out;
  result[1] = out;
  ((int64_t *)result)[2] = 0;
}

/// qbytes(i64 scalar n) -> i32[?]: the first n bytes of q, sign-extended.
EXPORT void __seq_packed_qbytes(void **args, int32_t *status) {
  Memref1 *result = args[0];
  int64_t n = *(const int64_t *)args[1];
  int32_t *out = allocate(n * sizeof(int32_t));
  for (int64_t i = 0; i < n; ++i)
    out[i] = ((const int8_t *)__seq_param_q)[i];
  setResult1(result, out, n);
}

/// hbits() -> i32[3]: the bit patterns of the f16 elements of h.
EXPORT void __seq_packed_hbits(void **args, int32_t *status) {
  Memref1 *result = args[0];
  int32_t *out = allocate(3 * sizeof(int32_t));
  for (int64_t i = 0; i < 3; ++i)
    out[i] = ((const uint16_t *)__seq_param_h)[i];
  setResult1(result, out, 3);
}

/// A stand-in for a decoder's prefill/decode entries over in-place KV
/// caches k and v of f32[1, 1, 4, 2] (capacity 4), vocabulary 5:
///   tokens i32[1, S] (S = 1 for decode), start i32[1], k, v
///     -> logits f32[1, 5], k, v
/// It writes token t at position p as k[p] = {t, p}, v[p] = {10 t, 1}, and
/// logits[u] = sum over cached positions p <= the last of (p + 1) * [k[p][0]
/// == u] + v[p][1], so both the cache contents and the positions show.
typedef struct {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[4];
  int64_t strides[4];
} Memref4;

static void kvStep(void **args, int32_t *status) {
  // The in-place k and v are not in the result struct (the ABI's
  // "inplace" outputs): their new values are left in the inputs' buffers.
  Memref2 *logits = args[0];
  const Memref2 *tokens = args[1];
  const Memref1 *start = args[2];
  const Memref4 *k = args[3], *v = args[4];
  float *kd = (float *)k->aligned + k->offset;
  float *vd = (float *)v->aligned + v->offset;
  int32_t first = ((const int32_t *)start->aligned)[start->offset];
  int64_t n = tokens->sizes[1];
  for (int64_t i = 0; i < n; ++i) {
    int32_t t = ((const int32_t *)tokens->aligned)[tokens->offset +
                                                    i * tokens->strides[1]];
    int64_t p = first + i;
    if (p < 0 || p >= 4) {
      *status = 2;
      continue;
    }
    kd[2 * p] = (float)t;
    kd[2 * p + 1] = (float)p;
    vd[2 * p] = 10.0f * (float)t;
    vd[2 * p + 1] = 1.0f;
  }
  float *out = allocate(5 * sizeof(float));
  for (int u = 0; u < 5; ++u) {
    out[u] = 0;
    for (int64_t p = 0; p < first + n && p < 4; ++p)
      out[u] += (kd[2 * p] == (float)u ? (float)(p + 1) : 0.0f) +
                vd[2 * p + 1];
  }
  logits->allocated = out;
  logits->aligned = out;
  logits->offset = 0;
  logits->sizes[0] = 1;
  logits->sizes[1] = 5;
  logits->strides[0] = 5;
  logits->strides[1] = 1;
}

/// prefill(i32[1, ?], i32[1], f32[1,1,4,2], f32[1,1,4,2]) -> (f32[1,5], ...)
EXPORT void __seq_packed_kv_prefill(void **args, int32_t *status) {
  kvStep(args, status);
}
/// decode(i32[1, 1], i32[1], f32[1,1,4,2], f32[1,1,4,2]) -> (f32[1,5], ...)
EXPORT void __seq_packed_kv_decode(void **args, int32_t *status) {
  kvStep(args, status);
}
