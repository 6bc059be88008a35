//===- GpuHost.h - The GPU launch plan shared by seqc and seqrt -*- C++ -*-===//
//
// The names and rules that the compiler (which writes an entry's GPU launch
// plan, lib/Target/GPU/HostPlan.cpp) and the runtime (which runs it,
// runtime/lib/GpuPlan.cpp) must agree on, defined once: the plan's format,
// and the split-KV rule of decode attention, which the runtime evaluates on
// the device's SM count (docs/design/GPU.md, "The host side"). Plain C++:
// no MLIR/LLVM dependency.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_GPUHOST_H
#define SEQRT_GPUHOST_H

#include <algorithm>
#include <cstdint>

namespace seqrt {
namespace gpuhost {
/// The metadata member of a GPU target (`gpu_targets[i].host`) holding the
/// launch plan of every entry for that target's kernels.
inline constexpr char kPlanMember[] = "host";
/// Its "format" and "version" (2: a launch step may write several
/// arguments, its "results" last ones; 3: state buffers and checked
/// launches, written only by plans that use them; 4: attention over ragged
/// KV, Q, K, V, kv_lengths [B] i32, O and an i32 status word [1], written
/// only by plans that have one; 5: position buffers and argument views at
/// an element offset, written only by plans that use them; 6: a scan
/// writing its final state in place over a state buffer, an entry's
/// dynamic extent and the CPU-only entries (below), written only by plans
/// that use them; the runtime also reads versions 1 to 5).
inline constexpr char kPlanFormat[] = "seqc-gpu-host";
inline constexpr int kPlanVersion = 6;
/// An entry's "dims" ([{"input": i, "axis": d}], one element) names its
/// dynamic extent S (a prompt of any length), read from the shape of
/// input i at the call; every extent of a buffer or argument, an
/// argument's "offset" and a position buffer's "start" may then be an
/// integer or {"sym": 0, "mul": a, "add": b}, the value a x S + b. The
/// runtime instantiates the entry for S at each call and checks it as a
/// static plan (version 6).
inline constexpr char kEntryDims[] = "dims";
inline constexpr char kExtentSymbol[] = "sym";
inline constexpr char kExtentMul[] = "mul";
inline constexpr char kExtentAdd[] = "add";
/// The entries with no launch plan (control flow such as decode loops, or
/// state the entry allocates itself), which run on the CPU only; calling
/// one on the GPU is an error naming it (version 6).
inline constexpr char kPlanCpuOnly[] = "cpu_only";
/// Buffer kinds: an entry input (copied to the device at the call), a
/// bound parameter (uploaded once, kept on the device), a buffer the
/// entry's kernels write (allocated per call).
inline constexpr char kBufferInput[] = "input";
inline constexpr char kBufferParam[] = "param";
inline constexpr char kBufferTemp[] = "temp";
/// An entry input updated in place (`seq.inplace`: a KV cache, an SSM
/// state): on the device for the call, written in place by the kernels
/// (seq.cache_write), and the entry's in-place output.
inline constexpr char kBufferState[] = "state";
/// Version 5: i32 values derived from an entry's position input (i32 [1],
/// "index"), element i = position + "start" + i: a decode step's RoPE
/// positions (start 0) or its attention's valid key count (start S).
/// The runtime computes them from the caller's host value at the call and
/// uploads them (a few bytes; the KV cache is not touched).
inline constexpr char kBufferPosition[] = "position";
/// Version 5: an argument's optional "offset" (in elements) views a
/// contiguous range of its buffer that a read argument may start past the
/// buffer's first element (tensor.extract_slice of a prefill's last row).
inline constexpr char kArgOffset[] = "offset";
/// Step kinds: one manifest kernel; attention (the prefill kernel, or the
/// split-KV kernel and its merge, chosen at the call); greedy argmax
/// (a kernel whose token -1 is the CPU's invalid-logits error).
inline constexpr char kStepLaunch[] = "launch";
inline constexpr char kStepAttention[] = "attention";
inline constexpr char kStepArgmax[] = "argmax";
/// A launch whose last argument is an i32 status word [1] (a temp): the
/// runtime zeroes it before the launch and reads it after the
/// synchronization; non-zero is the CPU's status code (seqrt_code: 1 an
/// index out of range, 2 a KV cache overflow).
inline constexpr char kStepChecked[] = "checked";
/// Version 6: a launch step's `"in_place": true` says that its last
/// argument (a scan's final state) is the same state buffer as its init
/// argument (the third from last), written in place: a scan kernel's lane
/// reads its own state element before the walk and writes it after, and
/// no lane reads another's, so the two views may alias. Only scan kernels
/// (kScanKernelPrefix) and the convolution's in-place form (a name ending
/// in kConvInPlaceTag: every old value read before a barrier, then
/// written) may; a session's recurrent state then stays on the device
/// across calls, as its KV caches do.
inline constexpr char kStepInPlace[] = "in_place";

/// The kernels of seq.quantized_linear, `qlinear_<format>_<form>[_bias]`
/// (form `decode` or `prefill`), and of seq.quantized_embedding,
/// `qembedding_<format>`, over the packed i8 rows of a parameter with that
/// encoding (a ggml block type, "q4_1"): the runtime takes the format from
/// the kernel's name and checks the packed operand's shape against it and
/// against the parameter's encoding before uploading it.
inline constexpr char kQuantLinearKernelPrefix[] = "qlinear_";
inline constexpr char kQuantEmbeddingKernelPrefix[] = "qembedding_";
inline constexpr char kQuantDecodeForm[] = "_decode";
inline constexpr char kQuantPrefillForm[] = "_prefill";
inline constexpr char kQuantBiasSuffix[] = "_bias";

/// The kernel families whose kernels take their extents from one argument
/// and index the others with them (seqc's kernel passes name them with
/// these prefixes): the runtime checks a step's arguments against each
/// other at load by the family of its kernel's name (runtime/lib/GpuPlan.cpp,
/// docs/design/GPU.md "The host side"), so that no plan makes a kernel
/// read or write past a buffer. `rope_<type>_<style>_d<head dim>_...` and
/// `causal_conv1d_..._k<taps>...` carry the extent they were compiled for.
inline constexpr char kLinearKernelPrefix[] = "linear_";
inline constexpr char kRmsNormKernelPrefix[] = "rms_norm_";
inline constexpr char kLayerNormKernelPrefix[] = "layer_norm_";
inline constexpr char kSwigluKernelPrefix[] = "swiglu_";
inline constexpr char kAddKernelPrefix[] = "add_";
inline constexpr char kRopeKernelPrefix[] = "rope_";
inline constexpr char kArgmaxKernelPrefix[] = "argmax_";
inline constexpr char kEmbeddingKernelPrefix[] = "embedding_";
inline constexpr char kCacheWriteKernelPrefix[] = "cache_write_";
inline constexpr char kConvKernelPrefix[] = "causal_conv1d_";
inline constexpr char kScanKernelPrefix[] = "scan_";
inline constexpr char kScanStepKernelPrefix[] = "scan_step_";
/// A kernel's manifest entry may carry "extents": rules {"param", "dim",
/// "of", "of_dim", "times"} (dimension `dim` of argument `param` times
/// `times` is dimension `of_dim` of argument `of`), checked at load; a
/// scan kernel's inputs, read through the op's indexing maps, are checked
/// by them (a scan kernel with inputs must have them).
inline constexpr char kKernelExtents[] = "extents";
/// The MoE kernels (seq-gpu-moe-kernels): routing
/// `moe_route_<type>_<scoring>_k<K>...`, dispatch `moe_dispatch_e<E>...`,
/// the grouped GEMMs of the routed experts (`moe_gate_up_<activation>_...`
/// for gated activations, `moe_up_gelu_...`, `moe_down_...`) and of the
/// shared experts (`moe_shared_gate_up_...`, `moe_shared_up_...`,
/// `moe_shared_down_...`), the combine `moe_combine_<type>[_shared]`, and
/// seq.grouped_matmul's `grouped_matmul_<type>`. The routed experts' GEMMs
/// walk a tile list the first kernel of their sequence writes,
/// `moe_tiles_m<rows per tile>`: perm [S], offsets [E + 1] -> tiles
/// [ceil(S / rows) + E, 2] (expert, first row; -1 past the last), status.
inline constexpr char kMoeRouteKernelPrefix[] = "moe_route_";
inline constexpr char kMoeTilesKernelPrefix[] = "moe_tiles_";
inline constexpr char kMoeDispatchKernelPrefix[] = "moe_dispatch_";
inline constexpr char kMoeGateUpKernelPrefix[] = "moe_gate_up_";
inline constexpr char kMoeUpKernelPrefix[] = "moe_up_";
inline constexpr char kMoeDownKernelPrefix[] = "moe_down_";
inline constexpr char kMoeSharedGateUpKernelPrefix[] = "moe_shared_gate_up_";
inline constexpr char kMoeSharedUpKernelPrefix[] = "moe_shared_up_";
inline constexpr char kMoeSharedDownKernelPrefix[] = "moe_shared_down_";
inline constexpr char kMoeCombineKernelPrefix[] = "moe_combine_";
inline constexpr char kGroupedMatmulKernelPrefix[] = "grouped_matmul_";
/// The top-k of a routing kernel (`_k2`), the experts of a dispatch (`_e8`).
inline constexpr char kMoeTopKTag[] = "_k";
inline constexpr char kMoeExpertsTag[] = "_e";
/// The rows per tile of a tile-list kernel (`_m32`).
inline constexpr char kMoeRowTileTag[] = "_m";
/// Data movement and fused elementwise maps of the importers' entries:
/// `slice_<type>_o<offset>`, y [R, W] = x [R, Ws] columns [offset, offset +
/// W); `generic_<type>_r<rank>(_i<dims>)*_<hash>`, an elementwise
/// linalg.generic whose input i reads the output's dimensions <dims> (a
/// digit each; `_i` alone: a scalar); `fill_<type>_<bits>`, a splat
/// constant [N].
inline constexpr char kSliceKernelPrefix[] = "slice_";
inline constexpr char kGenericKernelPrefix[] = "generic_";
inline constexpr char kFillKernelPrefix[] = "fill_";
inline constexpr char kSliceOffsetTag[] = "_o";
inline constexpr char kGenericRankTag[] = "_r";
inline constexpr char kGenericInputTag[] = "_i";
/// The extents and operands in those names: RoPE's head dim (`_d64`), the
/// convolution's taps (`_k4`) and its optional bias and state operands.
inline constexpr char kRopeHeadDimTag[] = "_d";
inline constexpr char kConvTapsTag[] = "_k";
inline constexpr char kConvBiasTag[] = "_bias";
inline constexpr char kConvStateTag[] = "_state";
inline constexpr char kConvInPlaceTag[] = "_inplace";

/// Key splits per (batch, KV head) of a decode attention (Flash-Decoding):
/// enough blocks to give each of `multiprocessors` SMs/CUs two, never a
/// split of fewer than two K/V tiles of `blockKV` keys, and 1 when the
/// prefill grid (ceil(queries / positionsPerBlock) x kvHeads x batch)
/// already fills the chip. KernelDispatch's selectGPUAttentionSplits
/// (compile time, the target's table) and the runtime (the device's own
/// count) both call this.
///
/// With `decodeKeysPerStep` > 0, the rule of the decode form (a block
/// loops over its few query rows; grid (splits, KV heads, batch)): enough
/// blocks to give each SM/CU three (ptxas gives the one-query kernel ~166
/// registers: 3 blocks of 128 threads per 64K registers, 12 warps' 128-bit
/// loads in flight in one wave), at least 2 splits (the decode form always
/// runs split + merge), never a split of fewer than four block steps, and
/// 1 (no decode form: the caller takes the tiled rule) when the keys are
/// too few for two such splits.
inline int64_t attentionSplits(int64_t multiprocessors,
                               int64_t positionsPerBlock, int64_t blockKV,
                               int64_t batch, int64_t kvHeads, int64_t queries,
                               int64_t keys, int64_t decodeKeysPerStep = 0) {
  // Overflow-safe: a grid of more than 2^31 blocks is no decode shape.
  constexpr int64_t kLarge = int64_t(1) << 31;
  if (batch <= 0 || kvHeads <= 0 || queries <= 0 || keys <= 0 ||
      batch > kLarge || kvHeads > kLarge || queries > kLarge ||
      positionsPerBlock <= 0 || blockKV <= 0 || multiprocessors <= 0 ||
      multiprocessors > kLarge)
    return 1;
  int64_t queryBlocks = (queries + positionsPerBlock - 1) / positionsPerBlock;
  int64_t blocks = batch * kvHeads;
  if (blocks > kLarge || blocks * queryBlocks > kLarge)
    return 1;
  if (decodeKeysPerStep > 0) {
    if (decodeKeysPerStep > kLarge)
      return 1;
    int64_t wanted = 3 * multiprocessors;
    int64_t splits = std::max<int64_t>(2, (wanted + blocks - 1) / blocks);
    int64_t maxSplits = keys / (4 * decodeKeysPerStep);
    return maxSplits < 2 ? 1 : std::min(splits, maxSplits);
  }
  blocks *= queryBlocks;
  // Two blocks per SM/CU hide the latency of the K/V loads.
  int64_t wanted = 2 * multiprocessors;
  if (blocks >= wanted)
    return 1;
  int64_t splits = (wanted + blocks - 1) / blocks;
  // Each split reads at least two K/V tiles, or the merge costs more than
  // the parallelism gains.
  int64_t minKeys = 2 * blockKV;
  int64_t maxSplits = std::max<int64_t>(1, keys / minKeys);
  return std::min(splits, maxSplits);
}
} // namespace gpuhost
} // namespace seqrt

#endif // SEQRT_GPUHOST_H
