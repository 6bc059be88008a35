/*===- seqrt.h - The seqc runtime C API ---------------------------*- C -*-===*\
|*                                                                            *|
|* The seqc runtime loads a `.seqpkg` artifact (docs/design/Artifact.md),     *|
|* binds its parameters from safetensors or GGUF files and calls its entry    *|
|* points. It also tokenizes text and detokenizes generated token ids.        *|
|*                                                                            *|
|* Errors: every function returning seqrt_status sets a thread-local message  *|
|* on failure, read with seqrt_last_error(). Successful calls leave it alone. *|
|*                                                                            *|
|* Threads: an artifact may be called from several threads at once; loading, *|
|* binding and freeing it must not overlap with calls on it. Run-time errors  *|
|* the code reports (see seqrt_code_status) are per call: each call passes   *|
|* its own status slot to the code, so overlapping calls each get their own. *|
|* Sessions also check what the code would report (token ids, cache          *|
|* capacity) before they call.                                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef SEQRT_SEQRT_H
#define SEQRT_SEQRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest tensor rank the runtime handles. */
#define SEQRT_MAX_RANK 8

/* Enums a caller passes in (dtypes, GPU APIs) are int32_t in C++: every
 * int32_t value is then a valid value of the type, so the runtime can
 * reject an unknown one with SEQRT_ERROR_ARGUMENT; without a fixed
 * underlying type, C++ makes reading a value outside the enumerators'
 * range undefined (UBSan: "not a valid value for type"). In C an enum
 * holds any int; the size is the same. */
#ifdef __cplusplus
#define SEQRT_ENUM_INT32 : int32_t
#else
#define SEQRT_ENUM_INT32
#endif

typedef enum seqrt_status {
  SEQRT_OK = 0,
  SEQRT_ERROR_IO,       /* a file could not be opened, read or mapped */
  SEQRT_ERROR_FORMAT,   /* malformed artifact, metadata, npy or safetensors */
  SEQRT_ERROR_VERSION,  /* unsupported artifact format version */
  SEQRT_ERROR_CHECKSUM, /* artifact contents do not match their checksum */
  SEQRT_ERROR_TARGET,   /* artifact built for another target or host */
  SEQRT_ERROR_BINDING,  /* missing symbol, parameter mismatch or unbound */
  SEQRT_ERROR_ARGUMENT, /* bad argument: unknown entry, wrong input, ... */
  SEQRT_ERROR_MEMORY,   /* out of memory */
  SEQRT_ERROR_EXECUTION /* the code reported an error while running */
} seqrt_status;

/* What generated code stores in the call's status slot (the `int32_t *`
 * its packed entry takes, docs/design/Artifact.md) when an entry fails
 * while running. seqrt_call passes a slot holding 0 and turns a non-zero
 * value into SEQRT_ERROR_EXECUTION (the outputs of that call are freed);
 * messages name it "__seq_status N". */
typedef enum seqrt_code_status {
  SEQRT_CODE_OK = 0,
  SEQRT_CODE_INDEX_OUT_OF_RANGE = 1, /* e.g. a token id outside the vocab */
  SEQRT_CODE_CACHE_OVERFLOW = 2,     /* a KV cache write past its capacity */
  SEQRT_CODE_INVALID_LOGITS = 3,     /* sampling from NaN logits or V = 0 */
  SEQRT_CODE_SHAPE_MISMATCH = 4,     /* dynamic extents that do not agree */
  SEQRT_CODE_OUT_OF_MEMORY = 5,      /* a heap allocation of the code failed */
  SEQRT_CODE_CHECK_FAILED = 6, /* a check of `seqc --bounds-checks` failed */
  SEQRT_CODE_NON_FINITE = 7    /* `seqc --check-numerics`: a NaN or Inf */
} seqrt_code_status;

typedef enum seqrt_dtype SEQRT_ENUM_INT32 {
  SEQRT_DTYPE_F32 = 0,
  SEQRT_DTYPE_F16,
  SEQRT_DTYPE_BF16,
  SEQRT_DTYPE_F64,
  SEQRT_DTYPE_I1, /* one byte per element, 0 or 1 */
  SEQRT_DTYPE_I8,
  SEQRT_DTYPE_I32,
  SEQRT_DTYPE_I64
} seqrt_dtype;

/* A loaded artifact. */
typedef struct seqrt_artifact seqrt_artifact;

/* The type of an entry input or output or of a parameter. A shape extent of
 * -1 is dynamic; rank 0 is a scalar. */
typedef struct seqrt_tensor_type {
  seqrt_dtype dtype;
  int32_t rank;
  int64_t shape[SEQRT_MAX_RANK];
} seqrt_tensor_type;

/* A dense row-major tensor. `owner_` is private to the runtime: NULL for a
 * view of caller memory (seqrt_tensor_wrap), otherwise what
 * seqrt_tensor_free releases. A rank-0 tensor holds one element at `data`. */
typedef struct seqrt_tensor {
  seqrt_dtype dtype;
  int32_t rank;
  int64_t shape[SEQRT_MAX_RANK];
  void *data;
  void *owner_;
} seqrt_tensor;

/*===-- Errors ------------------------------------------------------------===*/

/* The message of the last failed call on this thread ("" if none). */
const char *seqrt_last_error(void);
/* "SEQRT_OK", "SEQRT_ERROR_IO", ... */
const char *seqrt_status_name(seqrt_status status);

/*===-- Dtypes and tensors ------------------------------------------------===*/

/* "f32", "f16", "bf16", "f64", "i1", "i8", "i32", "i64" (metadata names). */
const char *seqrt_dtype_name(seqrt_dtype dtype);
/* Bytes per element (i1 takes one byte); 0 for an invalid dtype. */
size_t seqrt_dtype_size(seqrt_dtype dtype);
/* Parses a metadata dtype name. */
seqrt_status seqrt_dtype_parse(const char *name, seqrt_dtype *out);

/* Product of the extents (1 for rank 0). */
int64_t seqrt_tensor_num_elements(const seqrt_tensor *tensor);
/* Number of elements times the dtype size. */
size_t seqrt_tensor_byte_size(const seqrt_tensor *tensor);
/* Allocates a zero-filled, 64-byte aligned tensor; free it with
 * seqrt_tensor_free. */
seqrt_status seqrt_tensor_alloc(seqrt_dtype dtype, int32_t rank,
                                const int64_t *shape, seqrt_tensor *out);
/* Describes caller memory as a tensor; the runtime never frees it. */
seqrt_status seqrt_tensor_wrap(seqrt_dtype dtype, int32_t rank,
                               const int64_t *shape, void *data,
                               seqrt_tensor *out);
/* Releases what the tensor owns (a seqrt_tensor_alloc buffer or an entry
 * result, through the artifact's __seq_free) and clears `data` and
 * `owner_`. `artifact` may be NULL: results keep the code they came from
 * loaded until they are freed. Safe on a zeroed or already freed tensor. */
void seqrt_tensor_free(seqrt_artifact *artifact, seqrt_tensor *tensor);

/*===-- Artifacts ---------------------------------------------------------===*/

/* Loads and validates an artifact (magic, version, size, checksum, metadata,
 * target against this host), loads its code and resolves every entry
 * function, parameter global and __seq_free. An artifact with GPU targets
 * is loaded for the device "auto" picks (seqrt_artifact_load_device). */
seqrt_status seqrt_artifact_load(const char *path, seqrt_artifact **out);
/* As seqrt_artifact_load, for `device`: "auto" (or NULL: a GPU with a
 * binary for its architecture, else a CUDA GPU that JIT-compiles the
 * artifact's PTX, else the CPU code), "cpu", "cuda", "cuda:N", "hip" or
 * "hip:N". For a GPU, the chosen binary is loaded and every kernel of its
 * launch manifest resolved. A requested device that is absent, or for
 * which the artifact has no binary, is SEQRT_ERROR_TARGET saying why. */
seqrt_status seqrt_artifact_load_device(const char *path, const char *device,
                                        seqrt_artifact **out);
/* What the artifact was loaded to run on: "cpu", or the GPU, its
 * architecture and the image chosen, e.g. "cuda:0 (NVIDIA H100, sm_90, 132
 * SMs): cubin for cuda:sm_90a"; "auto" choices say so and why. */
const char *seqrt_artifact_device(const seqrt_artifact *artifact);
/* The targets the artifact carries, as seqc was given them, joined by ", "
 * ("cuda:sm_90a, cuda:sm_80, hip:gfx942, cpu"; "cpu" for format version 1). */
const char *seqrt_artifact_targets(const seqrt_artifact *artifact);
/* Unloads the artifact and unmaps its bound weights. NULL is a no-op. */
void seqrt_artifact_free(seqrt_artifact *artifact);

/* The metadata JSON, verbatim. */
const char *seqrt_artifact_metadata(const seqrt_artifact *artifact);
/* metadata "producer", "target.kind", "target.triple", "target.cpu" ("" if
 * absent). */
const char *seqrt_artifact_producer(const seqrt_artifact *artifact);
const char *seqrt_artifact_target_kind(const seqrt_artifact *artifact);
const char *seqrt_artifact_target_triple(const seqrt_artifact *artifact);
const char *seqrt_artifact_target_cpu(const seqrt_artifact *artifact);

/*===-- Entries -----------------------------------------------------------===*/

size_t seqrt_artifact_num_entries(const seqrt_artifact *artifact);
/* NULL when `entry` is out of range. */
const char *seqrt_entry_name(const seqrt_artifact *artifact, size_t entry);
/* Index of the entry called `name`. */
seqrt_status seqrt_entry_find(const seqrt_artifact *artifact, const char *name,
                              size_t *entry);
/* 0 when `entry` is out of range. */
size_t seqrt_entry_num_inputs(const seqrt_artifact *artifact, size_t entry);
size_t seqrt_entry_num_outputs(const seqrt_artifact *artifact, size_t entry);

/// For a generating entry (one returning a seq.decode_loop's count of
/// generated tokens), the index of that i32 [B] output; -1 otherwise.
int64_t seqrt_entry_generated_count_output(const seqrt_artifact *artifact,
                                           size_t entry);
/* For an entry returning a seq.speculative_decode_loop's num_verify_steps
 * (num_accepted), the index of that i32 [B] output; -1 otherwise. */
int64_t seqrt_entry_verify_steps_output(const seqrt_artifact *artifact,
                                        size_t entry);
int64_t seqrt_entry_accepted_drafts_output(const seqrt_artifact *artifact,
                                           size_t entry);
/* With adaptive K (seq.speculative_decode_loop's adaptive_k), the index of
 * its num_drafted output (each row's draft length k, summed over its
 * verify steps: i32 [B]); -1 otherwise. */
int64_t seqrt_entry_drafted_tokens_output(const seqrt_artifact *artifact,
                                          size_t entry);
/* For an output that is state updated in place (KV caches, SSM states:
 * the metadata's "inplace" pairs), the index of the input it updates; -1
 * otherwise. seqrt_call writes the new state into that input's buffer
 * (which must not be shared with another input) and returns the output as
 * a view of it (owner_ NULL: freeing it does nothing). */
int64_t seqrt_entry_inplace_input(const seqrt_artifact *artifact, size_t entry,
                                  size_t output);
seqrt_status seqrt_entry_input_type(const seqrt_artifact *artifact,
                                    size_t entry, size_t input,
                                    seqrt_tensor_type *out);
seqrt_status seqrt_entry_output_type(const seqrt_artifact *artifact,
                                     size_t entry, size_t output,
                                     seqrt_tensor_type *out);

/*===-- Parameters --------------------------------------------------------===*/

size_t seqrt_artifact_num_parameters(const seqrt_artifact *artifact);
/* The checkpoint key and the IR symbol; NULL when out of range. */
const char *seqrt_parameter_key(const seqrt_artifact *artifact, size_t param);
const char *seqrt_parameter_symbol(const seqrt_artifact *artifact,
                                   size_t param);
seqrt_status seqrt_parameter_type(const seqrt_artifact *artifact, size_t param,
                                  seqrt_tensor_type *out);
/* "" for a parameter of plain elements; for an i8 parameter holding ggml
 * quantized blocks, their type ("q4_1", "q8_0", "q4_k", ...: row-major
 * rows of blocks, [N, K] as i8[N, K / block_elements * block_bytes]).
 * NULL when out of range. */
const char *seqrt_parameter_encoding(const seqrt_artifact *artifact,
                                     size_t param);
/* 1 if bound, 0 if not or out of range. */
int seqrt_parameter_is_bound(const seqrt_artifact *artifact, size_t param);

/* Maps a safetensors file and binds every parameter whose key it holds,
 * after checking dtype and shape exactly; all or nothing per file. Call it
 * once per shard; a later file rebinds a key it also holds. The mapping
 * lives until the artifact is freed. A tensor of the file that no
 * parameter takes (not a key, not a part, not in the metadata's
 * "ignored_weights") fails the call with SEQRT_ERROR_BINDING naming it,
 * unless seqrt_allow_extra_weights (the same for every bind function). */
seqrt_status seqrt_bind_safetensors(seqrt_artifact *artifact, const char *path);
/* Maps a GGUF file (llama.cpp's format, version 2 or 3) and binds every
 * parameter whose key is a tensor name in it; all or nothing per file, the
 * mapping lives until the artifact is freed. GGUF extents are innermost
 * first: a tensor with ne = [K, N] binds to a row-major [N, K] parameter.
 * f32, f16, bf16 (and f64, i8, i32, i64) tensors bind to a parameter of
 * that dtype and shape without an encoding; a quantized tensor binds to an
 * i8 parameter whose encoding is the tensor's type and whose shape is the
 * packed rows (see seqrt_parameter_encoding). */
seqrt_status seqrt_bind_gguf(seqrt_artifact *artifact, const char *path);
/* seqrt_bind_gguf if the file starts with the GGUF magic, otherwise
 * seqrt_bind_safetensors. */
seqrt_status seqrt_bind_weights(seqrt_artifact *artifact, const char *path);
/* seqrt_bind_weights for the parameters whose key is `prefix` followed by a
 * tensor name of the file (stacked parts likewise); others are left alone.
 * A speculative-decoding artifact (seqc --draft-model) keys the draft
 * model's parameters "draft/<name>": bind its weights with prefix "draft/".
 * The empty prefix is seqrt_bind_weights. */
seqrt_status seqrt_bind_weights_prefixed(seqrt_artifact *artifact,
                                         const char *path, const char *prefix);
/* Binds every parameter with this key to caller memory, which must stay
 * valid (and unchanged) while the artifact is called. */
seqrt_status seqrt_bind_parameter(seqrt_artifact *artifact, const char *key,
                                  const seqrt_tensor *value);
/* With allow != 0, later binds accept files holding tensors no parameter
 * takes and list their names (seqrt_extra_weight, in bind order) instead
 * of failing. Default: they fail. */
void seqrt_allow_extra_weights(seqrt_artifact *artifact, int allow);
size_t seqrt_num_extra_weights(const seqrt_artifact *artifact);
/* The index-th tensor name so accepted, or null when out of range; valid
 * until the artifact is freed. */
const char *seqrt_extra_weight(const seqrt_artifact *artifact, size_t index);
/* SEQRT_ERROR_BINDING naming the first unbound key, if any. */
seqrt_status seqrt_check_bound(const seqrt_artifact *artifact);

/*===-- Calls -------------------------------------------------------------===*/

/* Calls `entry`. Each input is checked against the metadata (dtype, rank,
 * static extents); every parameter must be bound. Inputs must be
 * contiguous row-major; a rank-0 input holds its one element at `data`.
 * On success each output is filled with a fresh contiguous row-major
 * tensor owned by the caller (free it with seqrt_tensor_free), except an
 * in-place state output (seqrt_entry_inplace_input), which is a view of
 * its input's buffer, updated by the call; on failure the outputs are
 * zeroed (and in-place inputs may be partly updated). SEQRT_ERROR_EXECUTION reports an error the code
 * raised while running (see seqrt_code_status). */
seqrt_status seqrt_call(seqrt_artifact *artifact, const char *entry,
                        const seqrt_tensor *inputs, size_t numInputs,
                        seqrt_tensor *outputs, size_t numOutputs);

/*===-- Sessions ----------------------------------------------------------===*/

/* A generation session: the state (KV caches) of one sequence and its
 * position, for an artifact with the entries seqc's importers emit:
 *
 *   prefill(tokens i32[1,S], start i32[1], state...) -> (logits f32[1,V],
 *                                                        state...)
 *   decode(token i32[1,1], position i32[1], state...) -> (logits f32[1,V],
 *                                                        state...)
 *
 * (bf16 or f16 logits are widened to f32 for the caller), where every
 * state input is updated in place (the metadata's "inplace"
 * pairs: seqrt_entry_inplace_input) and returned as the matching output.
 * The session owns one zeroed buffer per state input; calls pass them in
 * and the code updates them where they lie: no copy of the state is made
 * and its addresses never change (seqrt_session_state): the ABI leaves
 * in-place outputs out of the code's results, and seqrt_call returns them
 * as views of the inputs (docs/design/Artifact.md).
 *
 * Threads: one artifact serves any number of sessions, and different
 * sessions may run on different threads at once (their state is their
 * own; the artifact is only read). One session must not be used by two
 * threads at once. Sessions must be freed before their artifact. Errors the
 * code itself would report through the call's status (a token id outside
 * the vocabulary, a write past the cache) are also checked by the session
 * before it calls, with a message that names the token or position. */
typedef struct seqrt_session seqrt_session;

/* Checks the artifact's prefill and decode entries (shapes above; their
 * state inputs must match in count, order, dtype and shape, and must be
 * static) and that every parameter is bound, then allocates the state,
 * zeroed, at position 0. */
seqrt_status seqrt_session_create(seqrt_artifact *artifact,
                                  seqrt_session **out);
/* NULL is a no-op. */
void seqrt_session_free(seqrt_session *session);

/* Runs prefill of `n` >= 1 tokens at the current position (so a later call
 * continues the sequence: multi-turn chat) and advances the position by n.
 * `logits`, if not NULL, receives the vocab_size logits of the last token.
 * Fails before running (nothing changed) if an id is outside
 * 0 .. vocab_size - 1 or if position + n exceeds the capacity. If the code
 * fails while running, the position is unchanged; cache slots at and past
 * it may have been written, which is harmless (they are overwritten before
 * they are attended to). */
seqrt_status seqrt_session_prefill(seqrt_session *session, const int32_t *ids,
                                   size_t n, float *logits);
/* One decode step: `token` at the current position; as prefill of one
 * token, through the decode entry. */
seqrt_status seqrt_session_decode(seqrt_session *session, int32_t token,
                                  float *logits);
/* Back to position 0 with zeroed state. */
void seqrt_session_reset(seqrt_session *session);

/* Tokens processed so far (the next token's position). */
size_t seqrt_session_position(const seqrt_session *session);
/* The most tokens a sequence may hold: the static cache extent Cap of the
 * state [1, Hkv, Cap, D] (the layout seqc's KV caches have). States the
 * metadata lists as "recurrent" (conv and SSM states) have no capacity; a
 * session with only those holds up to INT32_MAX tokens. */
size_t seqrt_session_capacity(const seqrt_session *session);
/* V, the number of logits (and of valid token ids). */
size_t seqrt_session_vocab_size(const seqrt_session *session);
/* The state buffers, in the order of the prefill entry's inputs. *out is a
 * view (owner_ NULL) valid while the session lives. On a GPU (below) the
 * host buffer is first refreshed from the device (an error if that copy
 * fails). */
size_t seqrt_session_num_states(const seqrt_session *session);
seqrt_status seqrt_session_state(const seqrt_session *session, size_t index,
                                 seqrt_tensor *out);
/* On an artifact loaded for a GPU (seqrt_artifact_load_device) the session
 * also owns a device copy of each state buffer, allocated and zeroed at
 * create: prefill and decode run the entries' launch plans over those
 * copies, which the kernels update in place, so the state is never copied
 * per call (only the tokens and the position go to the device, the logits
 * come back). The host buffers are stale until the caller asks: this call
 * copies every state buffer back from the device if a call changed it
 * (seqrt_session_state does the same). A no-op on the CPU. reset zeroes
 * both copies. */
seqrt_status seqrt_session_sync(seqrt_session *session);

/*===-- Sampling ----------------------------------------------------------===*/

/* How seqrt_sample draws a token, as seqc's --temperature, --top-k and
 * --top-p (and #seq.sampling) define it. */
typedef struct seqrt_sampling {
  float temperature; /* 0: greedy (argmax, lowest index on ties) */
  int32_t top_k;     /* keep the k most likely tokens; 0: no limit */
  float top_p;       /* then the fewest whose mass reaches top_p; 1: all */
} seqrt_sampling;

/* Draws a token from `vocab` logits. With `params` NULL or temperature 0
 * (or top_k 1) it is the argmax; otherwise a draw from
 * softmax(logits / temperature) restricted by top_k and top_p, made with
 * the counter-based Philox-4x32-10 generator keyed by `seed` and counted by
 * `counter`, exactly as the compiled seq.sample draws (row 0): a compiled
 * `generate` entry and a session loop give the same tokens for the same
 * seed when the loop draws token t with counter max(t - 1, 0) (`generate`
 * draws its first token with counter 0, then runs a decode loop whose step
 * s draws with counter s). A NaN logit is an error (SEQRT_ERROR_ARGUMENT),
 * as are a +inf logit or all -inf when sampling; temperature must be
 * finite and >= 0, top_k in 0 .. vocab, top_p in (0, 1]. */
seqrt_status seqrt_sample(const float *logits, size_t vocab,
                          const seqrt_sampling *params, uint64_t seed,
                          uint64_t counter, int32_t *token);

/*===-- Tokenizers --------------------------------------------------------===*/

/* A byte-level BPE tokenizer (GPT-2 style, as Hugging Face `tokenizers`
 * implements it). Immutable once loaded: it may be used from several
 * threads at once. */
typedef struct seqrt_tokenizer seqrt_tokenizer;

/* Loads a Hugging Face tokenizer.json (BPE model, ByteLevel pre-tokenizer
 * alone or after Digits or a Llama-3/Qwen2 Split, ByteLevel decoder, no
 * normalizer); other configurations fail with SEQRT_ERROR_FORMAT. If a
 * tokenizer_config.json lies next to it, its bos_token and eos_token name
 * the BOS and EOS tokens. */
seqrt_status seqrt_tokenizer_load_json(const char *path,
                                       seqrt_tokenizer **out);
/* Builds the tokenizer a GGUF file describes in its `tokenizer.ggml.*`
 * metadata (llama.cpp's keys): model "gpt2" (byte-level BPE with merges
 * and the `pre` pre-tokenizer) or "llama" (SentencePiece BPE with scores),
 * its BOS/EOS ids and add_bos_token/add_eos_token. Other models fail with
 * SEQRT_ERROR_FORMAT. */
seqrt_status seqrt_tokenizer_load_gguf(const char *path,
                                       seqrt_tokenizer **out);
/* NULL is a no-op. */
void seqrt_tokenizer_free(seqrt_tokenizer *tokenizer);

/* Encodes `len` bytes of UTF-8 `text` (NUL bytes are text like any other).
 * Added and special tokens in the text (such as "<|im_start|>") are always
 * recognized; `add_special` also adds what the tokenizer puts around a
 * sequence (its post-processor's BOS/EOS; nothing for SmolLM2).
 * Ill-formed UTF-8 is rejected (SEQRT_ERROR_ARGUMENT naming the offset),
 * never replaced.
 * Buffer: *num_ids is set to the number of ids. With ids == NULL and
 * capacity == 0 only the count is computed; otherwise, if it exceeds
 * `capacity`, nothing is written and SEQRT_ERROR_ARGUMENT is returned. */
seqrt_status seqrt_tokenizer_encode(const seqrt_tokenizer *tokenizer,
                                    const char *text, size_t len,
                                    int add_special, int32_t *ids,
                                    size_t capacity, size_t *num_ids);

/* Decodes `num_ids` ids to UTF-8 text as the HF ByteLevel decoder does:
 * bytes that do not form UTF-8 become U+FFFD; special tokens become their
 * text, or nothing if `skip_special`. An id out of range is an error
 * (SEQRT_ERROR_ARGUMENT).
 * Buffer: *text_len is set to the byte length (without the terminating
 * NUL; the text may hold NUL bytes). With text == NULL and capacity == 0
 * only the length is computed; otherwise `capacity` must be at least
 * *text_len + 1 (else nothing is written and SEQRT_ERROR_ARGUMENT is
 * returned) and the text is written NUL-terminated. */
seqrt_status seqrt_tokenizer_decode(const seqrt_tokenizer *tokenizer,
                                    const int32_t *ids, size_t num_ids,
                                    int skip_special, char *text,
                                    size_t capacity, size_t *text_len);

/* The number of token ids (ids are 0 .. size - 1). */
size_t seqrt_tokenizer_vocab_size(const seqrt_tokenizer *tokenizer);
/* The vocabulary string of `id` in the byte-level alphabet ("Ġthe" for
 * " the"; special tokens verbatim); NULL when out of range. Valid while
 * the tokenizer lives. */
const char *seqrt_tokenizer_token_text(const seqrt_tokenizer *tokenizer,
                                       int32_t id);
/* The id of the vocabulary string `text` (NUL-terminated; in the
 * byte-level alphabet, e.g. "<|im_end|>"), or -1. */
int32_t seqrt_tokenizer_token_id(const seqrt_tokenizer *tokenizer,
                                 const char *text);
/* 1 if `id` is a special token (skipped by skip_special), else 0. */
int seqrt_tokenizer_is_special(const seqrt_tokenizer *tokenizer, int32_t id);
/* The BOS and EOS ids, or -1 if the tokenizer names none. */
int32_t seqrt_tokenizer_bos_id(const seqrt_tokenizer *tokenizer);
int32_t seqrt_tokenizer_eos_id(const seqrt_tokenizer *tokenizer);

/* Streaming decode: fed token ids one at a time, returns text in complete
 * UTF-8 characters only (the bytes of a character split across tokens are
 * held back until it completes). The concatenation of every chunk and the
 * final flush equals seqrt_tokenizer_decode of all the ids. The tokenizer
 * must outlive it. One detokenizer must not be used by two threads at
 * once. */
typedef struct seqrt_detokenizer seqrt_detokenizer;

seqrt_status seqrt_detokenizer_create(const seqrt_tokenizer *tokenizer,
                                      int skip_special,
                                      seqrt_detokenizer **out);
/* NULL is a no-op. */
void seqrt_detokenizer_free(seqrt_detokenizer *detokenizer);
/* Feeds one id. On success *text points at the NUL-terminated text it
 * completes (often "", never a partial character) and *text_len at its
 * length; both stay valid until the next call on this detokenizer. An id
 * out of range is SEQRT_ERROR_ARGUMENT and changes nothing. */
seqrt_status seqrt_detokenizer_push(seqrt_detokenizer *detokenizer,
                                    int32_t id, const char **text,
                                    size_t *text_len);
/* Ends the stream: *text is what was held back (an incomplete character
 * becomes U+FFFD), and the detokenizer is ready for a new stream. */
seqrt_status seqrt_detokenizer_flush(seqrt_detokenizer *detokenizer,
                                     const char **text, size_t *text_len);

/*===-- Chat templates ----------------------------------------------------===*/

/* One message of a conversation (UTF-8, NUL-terminated). */
typedef struct seqrt_chat_message {
  const char *role; /* "system", "user", "assistant", ... */
  const char *content;
} seqrt_chat_message;

/* Formats a conversation with a model's chat template (the Jinja text of
 * `tokenizer.chat_template` in GGUF metadata or `chat_template` in a
 * tokenizer_config.json). The result equals transformers'
 * tokenizer.apply_chat_template(messages, tokenize=False,
 * add_generation_prompt=...) for a tokenizer whose special tokens are
 * `bos_token` and `eos_token` (either may be NULL: the template then sees
 * it undefined). On success `*out` is a NUL-terminated string to release
 * with seqrt_chat_free. Errors carry "line L, column C" of the template:
 * SEQRT_ERROR_FORMAT for a malformed template (syntax, unknown tag, filter
 * or test), SEQRT_ERROR_ARGUMENT for a render error (the template's
 * raise_exception(), e.g. roles not alternating; an undefined value used; a
 * type error; a limit: 100000 range() elements, 10^6 loop iterations,
 * 64 MiB strings, nesting 200, macro calls 100) or a null argument. */
seqrt_status seqrt_chat_render(const char *chat_template,
                               const seqrt_chat_message *messages,
                               size_t num_messages, int add_generation_prompt,
                               const char *bos_token, const char *eos_token,
                               char **out);
/* The same with every template variable given as one JSON object, e.g.
 * {"messages": [{"role": "user", "content": "Hi", "tool_calls": [...]}],
 *  "tools": [...], "add_generation_prompt": true, "bos_token": "<s>"}.
 * As in transformers, null message members are dropped, `tools` and
 * `documents` default to null and add_generation_prompt to false. */
seqrt_status seqrt_chat_render_json(const char *chat_template,
                                    const char *context_json, char **out);
/* Releases a string from seqrt_chat_render*; NULL is a no-op. */
void seqrt_chat_free(char *text);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SEQRT_SEQRT_H */
