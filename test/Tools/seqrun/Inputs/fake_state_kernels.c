/*===- fake_state_kernels.c - State kernels for the fake GPU -----*- C -*-===*\
|*                                                                            *|
|* Host versions of the GPU kernels of seq.embedding and seq.cache_write      *|
|* (lib/Target/GPU/StateKernels.cpp) for gpu-host-state.test, included by     *|
|* fake_model_kernels.c: the compiled kernels' names and descriptor ABI, the  *|
|* row (or (step, head, batch row)) its block owns under the manifest's grid, *|
|* and the status codes (1: an id outside the vocabulary, 2: a write past the *|
|* cache's capacity) in the status word. Written from the ops' definitions.   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

/* table [V, D], ids [N] (i32), out [N, D], status [1] (i32); block x = id. */
static int embedding(const fake_gpu_block *b, void **params, int size) {
  int next = 0;
  ViewN table = viewN(params, &next, 2, size), ids = viewN(params, &next, 1, 4),
        out = viewN(params, &next, 2, size),
        status = viewN(params, &next, 1, 4);
  int64_t n = b->index[0], D = out.sizes[1];
  if (n >= out.sizes[0] || ids.sizes[0] != out.sizes[0] ||
      table.sizes[1] != D || status.sizes[0] != 1)
    return 1;
  int32_t id;
  memcpy(&id, ids.data + n * ids.strides[0] * 4, 4);
  int valid = id >= 0 && id < table.sizes[0];
  for (int64_t c = 0; c < D; ++c) {
    int64_t oi[2] = {n, c}, ti[2] = {valid ? id : 0, c};
    if (valid)
      memcpy(at(&out, oi, size), at(&table, ti, size), size);
    else
      memset(at(&out, oi, size), 0, size);
  }
  if (!valid) {
    int32_t code = 1;
    memcpy(status.data, &code, 4);
  }
  return 0;
}

/* update [B, H, S, D], positions [B] (i32), cache [B, H, Cap, D] (in
 * place), status [1]; block (s, h, b). */
static int cacheWrite(const fake_gpu_block *b, void **params, int size) {
  int next = 0;
  ViewN update = viewN(params, &next, 4, size),
        positions = viewN(params, &next, 1, 4),
        cache = viewN(params, &next, 4, size),
        status = viewN(params, &next, 1, 4);
  int64_t s = b->index[0], h = b->index[1], bb = b->index[2];
  int64_t S = update.sizes[2], Cap = cache.sizes[2], D = update.sizes[3];
  if (s >= S || h >= update.sizes[1] || bb >= update.sizes[0] ||
      positions.sizes[0] != update.sizes[0] || cache.sizes[3] != D ||
      status.sizes[0] != 1)
    return 1;
  int32_t pos;
  memcpy(&pos, positions.data + bb * positions.strides[0] * 4, 4);
  if (pos < 0 || (int64_t)pos + S > Cap) {
    int32_t code = 2;
    memcpy(status.data, &code, 4);
    return 0;
  }
  for (int64_t c = 0; c < D; ++c) {
    int64_t ui[4] = {bb, h, s, c}, ci[4] = {bb, h, pos + s, c};
    memcpy(at(&cache, ci, size), at(&update, ui, size), size);
  }
  return 0;
}

EXPORT int embedding_f32(const fake_gpu_block *b, void **params) {
  return embedding(b, params, 4);
}
EXPORT int embedding_bf16(const fake_gpu_block *b, void **params) {
  return embedding(b, params, 2);
}
EXPORT int cache_write_f32(const fake_gpu_block *b, void **params) {
  return cacheWrite(b, params, 4);
}
EXPORT int cache_write_bf16(const fake_gpu_block *b, void **params) {
  return cacheWrite(b, params, 2);
}
