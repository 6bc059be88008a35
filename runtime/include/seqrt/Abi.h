//===- Abi.h - names shared by generated code and the runtime ---*- C++ -*-===//
//
// The artifact ABI's symbol and attribute names (docs/design/Artifact.md),
// defined once for the compiler (which emits them) and the runtime (which
// looks them up). Plain C++: no MLIR/LLVM dependency.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_ABI_H
#define SEQRT_ABI_H

namespace seqrt {
namespace abi {
/// `void *__seq_param_<symbol>`: the data pointer of a bound parameter.
inline constexpr char kParamPrefix[] = "__seq_param_";
/// The global the lowerings store a run-time error to (a seqrt_code_status)
/// while compiling; seq-cpu-entry-points turns every store into one through
/// the call's status slot, so no artifact since seqabi2 has this symbol.
inline constexpr char kStatusGlobal[] = "__seq_status";
/// SEQRT_CODE_OUT_OF_MEMORY (seqrt.h): a heap allocation in generated code
/// failed.
inline constexpr int kCodeOutOfMemory = 5;
/// SEQRT_CODE_CHECK_FAILED: a check compiled in by `seqc --bounds-checks`
/// (an access out of bounds, a view outside its buffer) failed; the code
/// jumped back to its wrapper, as after a failed allocation.
inline constexpr int kCodeCheckFailed = 6;
/// SEQRT_CODE_NON_FINITE: `seqc --check-numerics` found a NaN or Inf in
/// the result of an op; the call ran to its end.
inline constexpr int kCodeNonFinite = 7;
/// The status slot of an artifact whose ABI record has the item
/// `m:<kStatusMessageBytes>` (compiled with --bounds-checks or
/// --check-numerics): a StatusRecord. The code stores a NUL-terminated
/// message naming the failed check (op, location, values) in `message`
/// when it stores a non-zero code. The runtime always passes a zeroed
/// StatusRecord, so artifacts without the item (which store only `code`)
/// work unchanged; a runtime that does not know the item rejects the
/// record instead of passing a slot too small for the message.
inline constexpr int kStatusMessageBytes = 256;
inline constexpr char kStatusMessageItem[] = "m";
/// The ABI record item `g:<16 hex digits>` of an artifact with GPU targets
/// (format version 2): the FNV-1a-64 of its metadata text continued over
/// its GPU image section. The launch manifests and plans live in the
/// metadata, so a plan or manifest edited after compilation (block sizes,
/// grid rules, views, buffers), or swapped GPU images, disagree with the
/// code that recorded them and the artifact does not load.
inline constexpr char kGpuDigestItem[] = "g";
struct StatusRecord {
  int code;
  int reserved;
  char message[kStatusMessageBytes];
};
/// `void __seq_packed_<entry>(void **args, int32_t *status)`: an entry's
/// packed wrapper; `*status` is the caller's, 0 before the call, and holds
/// the call's seqrt_code_status after it (per call: overlapping calls from
/// several threads each get their own).
inline constexpr char kPackedPrefix[] = "__seq_packed_";
/// `void *__seq_parallel_for`: in code with parallel loops
/// (`seqc --parallel-runtime=seqrt`), a pointer the loader sets to seqrt's
/// `void parallel_for(void (*body)(void *ctx, int64_t lo, int64_t hi,
/// void *slot), void *ctx, int64_t lo, int64_t hi, int64_t grain, void
/// *slot)`, which runs body over chunks covering [lo, hi) on its thread
/// pool; `slot` is the calling function's status slot, passed through.
inline constexpr char kParallelFor[] = "__seq_parallel_for";
/// `void __seq_free(void *allocated)`: frees a result buffer.
inline constexpr char kFree[] = "__seq_free";
/// `const char __seq_abi[]`: the ABI the code was compiled with, a
/// NUL-terminated record the loader compares with the metadata:
///
///   seqabi2;e:FUNCTION:INPUTS:OUTPUTS:INPLACE;...;p:GLOBAL:TYPE:ENCODING;...
///
/// one `e:` item per entry (FUNCTION its `__seq_packed_` wrapper), one `p:`
/// item per parameter global. INPUTS and OUTPUTS are TYPEs joined by `,`;
/// a TYPE is the metadata dtype and the extents joined by `x` in brackets,
/// `?` for a dynamic extent (`f32[1x?x64]`, `i64[]` for a scalar). INPLACE
/// lists `input=output` pairs joined by `,`; ENCODING is the parameter's
/// quantized encoding or empty. Names keep [A-Za-z0-9_.$-] and escape any
/// other byte as `%XX`.
inline constexpr char kAbiRecord[] = "__seq_abi";
/// The first item of the record. seqabi2: the packed wrappers take the
/// status slot (seqabi1 had one `__seq_status` global per artifact).
inline constexpr char kAbiRecordVersion[] = "seqabi2";
/// The entry-argument attribute `seq.inplace = <output index>`: the
/// caller's buffer for this input is updated in place and returned as that
/// output (KV caches, SSM states).
inline constexpr char kInPlaceAttr[] = "seq.inplace";
/// The unit attribute `seq.recurrent` on an in-place argument: state that
/// summarises the whole past in a fixed size (conv and SSM states), with no
/// sequence capacity, unlike a KV cache [1, H, Cap, D]. Listed in the
/// metadata's "recurrent" inputs.
inline constexpr char kRecurrentAttr[] = "seq.recurrent";
/// The unit attribute `seq.nonempty` on an entry argument: a tensor that
/// must hold at least one element (the prompt of an imported model's
/// generating entries). Listed in the metadata's "nonempty" inputs;
/// seqrt_call rejects an empty one before running any code.
inline constexpr char kNonEmptyAttr[] = "seq.nonempty";
/// The module attribute `seq.ignored_weights = ["name", ...]`: checkpoint
/// tensors an importer left out on purpose (a tied head saved anyway,
/// DeepSeek's multi-token-prediction layers). Listed in the metadata's
/// "ignored_weights"; binding a file that holds them is not an error.
inline constexpr char kIgnoredWeightsAttr[] = "seq.ignored_weights";
} // namespace abi
} // namespace seqrt

#endif // SEQRT_ABI_H
