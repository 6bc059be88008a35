//===- AttentionKernel.cpp - the GPU kernels of seq.attention -------------===//
//
// This file builds the attention kernels in their mapped form,
// FlashAttention-2 style: a block per (batch, KV head, query block) whose
// 16-row warps own (query position, group head) rows; K/V tiles of blockKV
// keys staged in workgroup memory between barriers; S = Q K^T and O += P V
// on the chip's matrix instruction with f32 accumulators; the softmax
// online, in registers (running max and sum per row, the output rescaled
// when the max grows), in the base-2 domain (scores times scale * log2 e,
// exp2); causal key tiles past the block's last query skipped. No S x S
// buffer exists. The decode form splits the keys over `splits` blocks
// that write normalised partial outputs and their log-sum-exp; a merge
// kernel combines them (Flash-Decoding).
//
// Ragged KV (seq.attention's kv_lengths, a run-time count per batch row:
// the decode step's pos + 1 against a cache of capacity Skv): the kernel
// reads kv_lengths[b] on the device (an argument after V), so the plan
// needs no host round trip; every key range then ends at L = min(max(
// kv_lengths[b], 0), Skv) instead of Skv: K/V tiles (and decode steps) at
// or past L are never loaded, the partial tile masks keys >= L, the query
// positions are p(i) = L - Sq + i, and the split kernels divide [0, L)
// among their splits. A count outside [0, Skv] stores the CPU's cache
// overflow code in the status word (the last argument).
//
// Paged KV (seq.attention's block_table): K and V are caches [NumBlocks,
// Hkv, BS, D]; every K/V read goes through kvIndices, key j of row b
// being slot j % BS of block block_table[b, j / BS] (an id outside
// [0, NumBlocks) read as block 0); the logical KV length is MaxBlocks x
// BS. The blocks (0, 0, b) check row b of the table and store the CPU's
// index-out-of-range code in the status word for a bad id.
//
// Sliding window and softcap (AttentionScoreMods): key j of query
// position p is kept when j > p - W as well (per score, beside the
// causal and length masks); every key range starts at the window of its
// first query position, max(begin, p0 - W + 1), so K/V tiles and decode
// steps wholly before the window are never loaded, and the split kernels
// divide [max(0, L - Sq - W + 1), L) instead of [0, L). Softcap c replaces
// the scaled score s by c tanh(s / c) (tanh from one exp2 and a division,
// no device library), before the base-2 conversion and the masks' -inf.
//
// CUDA (mma.sync m16n8k16, warp of 32, g = lane / 4, t = lane % 4): lane
// rows g and g + 8 of the warp's 16.
//   S[16 x 8 keys] += Q[16 x 16] K^T: A = Q from global memory (kept in
//     registers), A[r][j] = Q[g + 8 (r % 2)][2t + j + 8 (r / 2)];
//     B[r][j] = K^T[2t + j + 8r][g] = Ktile[key g][d 2t + j + 8r].
//   C of S: c[r][j] = S[row g + 8r][key 2t + j]; the C fragments of key
//     tiles 2kk and 2kk + 1 are exactly the A fragment of P's 16 keys kk:
//     a[r][j] = P[g + 8 (r % 2)][2t + j + 8 (r / 2)] = c_{2kk + r/2}[r%2][j].
//   O[16 x 8 dv] += P V: B[r][j] = Vtile[key 2t + j + 8r][dv g].
//   Row reductions over the four lanes of a group: shuffle xor 1, 2.
// HIP (MFMA 16x16x16, wave of 64, i = lane % 16, q = lane / 16): the
// transposed products, so that each lane owns one query row i:
//   S^T[16 keys x 16 rows] += K Q^T: A[i][4q + j] = Ktile[key i][d 4q + j],
//     B[4q + j][i] = Q[row i][d 4q + j]; D: d[j] = S^T[key 4q + j][row i].
//   O^T[16 dv x 16 rows] += V^T P^T: A[i][4q + j] = Vtile[key 4q + j][dv i],
//     B[4q + j][i] = P^T[key 4q + j][row i] = d[j] of S^T (no exchange).
//     D: o[j] = O[row i][dv 4q + j].
//   Row reductions over the four lanes of a row: shuffle xor 16, 32.
//
// cp.async (sm_80+, config.asyncCopy, the tiled forms): the K/V tiles
// have two buffers (memref<2 x blockKV x D>). Before the key loop every
// thread issues the 16-byte copies of its chunks of the first tile; each
// step waits for its own copies (cp.async.wait_group 0), passes one
// barrier (all copies of the tile have landed; every warp is done with
// the other buffer), issues the copies of the next tile into the other
// buffer and computes, so tile j + 1 is in flight while the warps compute
// tile j. Keys past the end are zero-filled by the copy's source size (0)
// from the last key's address. A barrier after the loop keeps the next
// query tile's first copies (the split kernel's loop) off the buffer the
// last step read. HIP keeps one buffer and the synchronous 128-bit fill
// with two barriers per tile: gfx942 has no cp.async.
//
// wgmma (sm_90a, config.wgmma, the prefill kernel; queryTileWgmma): one
// warpgroup of 4 warps owns the block's 64 rows. Q (64 x D), K and V^T sit
// in shared memory as 8-row x 16-byte core matrices (no swizzle, as the
// wgmma linear kernel's). S = Q K^T is wgmma m64n{Bc}k16 with both
// operands through descriptors; its D fragment (thread t, warp w, lane l,
// register i: row 16 w + l / 4 + 8 ((i / 2) % 2), key 8 (i / 4) +
// 2 (l % 4) + i % 2) is mma.sync's C layout per warp, so the softmax is
// the mma.sync form's. O += P V is the register-A wgmma m64n{Dv}k16: the A
// fragment (element i: row 16 w + l / 4 + 8 ((i / 2) % 2), column
// 2 (l % 4) + i % 2 + 8 (i / 4)) of k16 slice kk is S's registers
// 8 kk .. 8 kk + 7, rounded; B = V^T (keys contiguous) through a
// descriptor, the V tile stored transposed by the threads (a K-major B;
// V's rows are N-major).
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/GPU/KernelPassUtils.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::seq;

namespace {
/// The per-lane state of the online softmax of one query tile.
struct SoftmaxState {
  SmallVector<Value> max, sum; ///< per row slot of the lane (f32)
  SmallVector<Value> out;      ///< the output accumulators
};

/// Builds one attention kernel body; `b` inserts into the kernel.
class AttentionKernelBuilder : IndexMath {
public:
  AttentionKernelBuilder(ImplicitLocOpBuilder &b,
                         const GPUAttentionConfig &config, Type elementType,
                         bool causal, double scale, KernelMutation mutation,
                         bool ragged, RaggedMutation raggedMutation,
                         int64_t blockSize, PagedMutation pagedMutation,
                         const AttentionScoreMods &mods)
      : IndexMath(b), config(config), elementType(elementType), causal(causal),
        scale(scale), mutation(mutation),
        isMfma(StringRef(config.instruction.name) == "mfma"), ragged(ragged),
        raggedMutation(raggedMutation), blockSize(blockSize),
        pagedMutation(pagedMutation), mods(mods) {}

  void buildTiled(gpu::GPUFuncOp func, bool split);
  void buildDecode(gpu::GPUFuncOp func);
  void buildMerge(gpu::GPUFuncOp func);

private:
  Value f(double value) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
  }
  Value maxI(Value x, Value y) { return arith::MaxSIOp::create(b, x, y); }
  Value le(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::sle, x, y);
  }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, x, y); }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, x, y); }
  /// max(x, y) as a compare and select: arith.maxnumf would become a
  /// libdevice call (__nv_fmaxf) on NVVM. The operands are never NaN.
  Value fmax(Value x, Value y) {
    Value greater = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, x, y);
    return arith::SelectOp::create(b, greater, x, y);
  }
  Value exp2(Value x) { return LLVM::Exp2Op::create(b, x.getType(), x); }
  Value shuffleXor(Value x, int64_t offset) {
    return gpu::ShuffleOp::create(b, x, static_cast<int32_t>(offset),
                                  static_cast<int32_t>(config.warpSize),
                                  gpu::ShuffleMode::XOR)
        .getShuffleResult();
  }
  Value splat(Value x, int64_t n) {
    return vector::BroadcastOp::create(b, VectorType::get({n}, x.getType()), x);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, cond, x, y);
  }
  Value isNegInf(Value x) {
    return arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, x, f(-INFINITY));
  }
  /// tanh(x) = sign(x) (1 - e) / (1 + e), e = exp2(-2 log2(e) |x|): one
  /// exp2 and a division, no device library (math.tanh would be
  /// libdevice's __nv_tanhf on NVVM, ocml's on AMDGPU); e underflows to 0
  /// for large |x|, giving +-1, never NaN.
  Value tanh(Value x) {
    Value zero = f(0);
    Value negative =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OLT, x, zero);
    Value negated = arith::NegFOp::create(b, x);
    Value magnitude = select(negative, negated, x);
    Value e = exp2(fmul(magnitude, f(-2.0 * M_LOG2E)));
    Value one = f(1);
    Value numerator = fsub(one, e);
    Value denominator = fadd(one, e);
    Value t = arith::DivFOp::create(b, numerator, denominator);
    Value negT = arith::NegFOp::create(b, t);
    return select(negative, negT, t);
  }
  /// The factor a raw score (Q.K) is multiplied by before scoreOf: the
  /// scale and log2 e (the base-2 softmax), or with softcap c only
  /// scale / c (the argument of tanh).
  double scoreFactor() const {
    return mods.softcap ? scale / double(*mods.softcap) : scale * M_LOG2E;
  }
  /// The base-2 score of `scaled` (a raw score times scoreFactor()):
  /// itself, or with softcap c, c tanh(s scale / c) log2 e.
  Value scoreOf(Value scaled) {
    if (!mods.softcap)
      return scaled;
    Value capped = tanh(scaled);
    return fmul(capped, f(double(*mods.softcap) * M_LOG2E));
  }
  /// Whether key `key` is inside the window of the query at key position
  /// `position` (key > position - W); true without a window.
  Value inWindow(Value key, Value position) {
    int64_t reach = *mods.window - 1;
    if (mods.windowOffByOne)
      reach += 1;
    Value lowest = sub(position, c(reach));
    return le(lowest, key);
  }
  /// The first key any query at position >= `position` may attend:
  /// `begin`, or with a window max(begin, position - W + 1). Key tiles
  /// and decode steps before it are never loaded.
  Value windowBegin(Value begin, Value position) {
    if (!mods.window)
      return begin;
    Value reach = c(*mods.window - 1);
    Value first = sub(position, reach);
    return maxI(begin, first);
  }
  /// `then` yields one value of `type` where `cond` holds, else `otherwise`.
  Value ifElse(Value cond, Type type, function_ref<Value()> then,
               function_ref<Value()> otherwise) {
    auto ifOp = scf::IfOp::create(b, TypeRange{type}, cond, true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, then());
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, otherwise());
    return ifOp.getResult(0);
  }
  void ifThen(Value cond, function_ref<void()> then) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, cond, false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    then();
  }
  /// The sum (or max) of `value` over the lanes that share its row.
  Value reduceRow(Value value, bool isMax);
  /// The valid keys of the block's batch row: Skv, or with kv_lengths
  /// (argument 3) min(max(kv_lengths[batch], 0), Skv), a count outside
  /// [0, Skv] storing the cache-overflow code in the status word (the last
  /// argument) as the CPU reports it. Needs `batch`, `tid` and `k`.
  Value validKeys(gpu::GPUFuncOp func);
  /// The first output argument: after kv_lengths when ragged and the
  /// block table when paged.
  unsigned outputArg() const {
    return 3 + (ragged ? 1 : 0) + (blockSize ? 1 : 0);
  }
  /// Paged KV: the block table (after kv_lengths, if any).
  unsigned tableArg() const { return ragged ? 4 : 3; }
  /// The K/V indices of column `col` of logical key `key` (in [0, the
  /// valid keys)) of the block's batch row and KV head: [batch, kvHead,
  /// key, col], or with a block table [id, kvHead, key % BS, col], id =
  /// block_table[batch, key / BS] read as 0 when outside [0, NumBlocks)
  /// (checkBlockTable reports it), so no access leaves the caches.
  SmallVector<Value, 4> kvIndices(Value key, Value col);
  /// Paged KV: the blocks (0, 0, b) (`blockX` 0, KV head 0) check row b of
  /// the block table, every entry as the CPU lowering checks the whole
  /// table, and store SEQRT_CODE_INDEX_OUT_OF_RANGE in the status word for
  /// an id outside [0, NumBlocks). Needs `batch`, `kvHead` and `tid`.
  void checkBlockTable(gpu::GPUFuncOp func, Value blockX);

  /// A block row's query position and head, and whether it exists.
  struct Row {
    Value position, head, valid;
  };
  Row rowOf(Value p0, Value blockRow);
  /// Q[b, head, position, d], zero for a row that does not exist (or
  /// where `inDim`, when given, is false: d past a head dim that is not a
  /// multiple of 16).
  Value loadQ(const Row &row, Value d, Value inDim = Value());
  /// Head dims that are not multiples of 16 (D % 16 == 8): the k steps of
  /// Q.K^T (and the MFMA output tiles of P.V) round up, the fragment
  /// elements past the head dim are zeros. `ceil16(dim)` steps of 16.
  static int64_t ceil16(int64_t dim) { return (dim + 15) / 16; }
  /// Element `d` (dynamic, < 16 past the last whole step) of row `row` of
  /// a shared tile of `dim` columns, zero at and past `dim` (no access
  /// outside the tile). `partial`: whether the step can pass `dim`.
  Value tileLoadMasked(Value tile, Value row, Value d, int64_t dim,
                       bool partial) {
    if (!partial)
      return tileLoad(tile, {row, d});
    Value last = c(dim - 1);
    Value clamped = minS(d, last);
    Value loaded = tileLoad(tile, {row, clamped});
    Value inDim = slt(d, c(dim));
    return select(inDim, loaded, zeroOf(elementType));
  }
  /// Copies keys [k0, k0 + blockKV) of K and V into the tiles, zero at and
  /// past `keyEnd`.
  void fillTiles(Value k0, Value keyEnd);
  /// The same by cp.async into buffer `stage` (not waited for).
  void fillTilesAsync(Value k0, Value keyEnd);
  /// Indices of a K/V tile element: the buffer first with two buffers.
  SmallVector<Value, 3> tileIndices(ValueRange indices) {
    SmallVector<Value, 3> result;
    if (stage)
      result.push_back(stage);
    result.append(indices.begin(), indices.end());
    return result;
  }
  Value tileLoad(Value tile, ValueRange indices) {
    return memref::LoadOp::create(b, tile, tileIndices(indices));
  }
  /// cp.async.commit_group: the copies this thread issued since the last
  /// one (NVVM's op: the copies' nvgpu tokens do not reach out of the
  /// branches that issue them).
  void commitGroup() { NVVM::CpAsyncCommitGroupOp::create(b); }
  /// One K/V tile of the online softmax.
  SoftmaxState stepMmaSync(const SoftmaxState &in, ArrayRef<Value> qFrags,
                           ArrayRef<Row> rows, Value k0, Value keyEnd);
  SoftmaxState stepMfma(const SoftmaxState &in, ArrayRef<Value> qFrags,
                        ArrayRef<Row> rows, Value k0, Value keyEnd);
  /// Masks (to -inf), scales and exponentiates the scores `s` of row slot
  /// `slot` (keys `keys`), updating the running max and sum.
  void onlineSoftmax(SoftmaxState &state, SmallVectorImpl<Value> &scores,
                     ArrayRef<int64_t> slots, ArrayRef<Value> keys,
                     ArrayRef<Row> rows, Value keyEnd,
                     SmallVectorImpl<Value> &alpha);
  /// The query tile starting at position p0 over keys [keyBegin, keyEnd):
  /// the final state (sums reduced over the row's lanes).
  SoftmaxState queryTile(Value p0, Value keyBegin, Value keyEnd,
                         SmallVectorImpl<Row> &rows);
  /// The same on wgmma (sm_90a, config.wgmma; the prefill kernel): the
  /// output as mma.sync's C tiles (vector<2x2xf32> per 8 value columns),
  /// which is the wgmma D fragment's per-warp layout.
  SoftmaxState queryTileWgmma(Value p0, Value keyBegin, Value keyEnd,
                              SmallVectorImpl<Row> &rows);
  /// The 64-bit shared-memory matrix descriptor (PTX ISA, "Matrix
  /// Descriptor Format", no swizzle) of a K-major operand whose k16 slice
  /// starts at shared address `start`, with leading byte offset `leading`
  /// (next core matrix along K) and stride byte offset `stride` (next
  /// 8-row group).
  Value wgmmaDescriptor(Value start, int64_t leading, int64_t stride);
  /// wgmma.mma_async's register-A form, m64nNk16 (N = 2 acc.size()), f32
  /// += T x T: acc + P B, A = `aRegs` (4 pairs of T: the m16n8k16 A
  /// layout per warp), B through `descB`. nvvm.wgmma.mma_async has no
  /// register-A form, so this is the PTX instruction as llvm.inline_asm
  /// (what convert-nvvm-to-llvm makes of the descriptor form).
  Value wgmmaRegisterA(Type structType, ArrayRef<Value> acc,
                       ArrayRef<Value> aRegs, Value descB);
  /// The 64 x D query tile into `sq` by cp.async (zero rows past the
  /// block's rows or the queries), core matrices (row group, d group, row,
  /// d).
  void fillQueryTileAsync(Value p0);
  /// K tile [k0, k0 + blockKV) into buffer `stage` of the wgmma K tile by
  /// cp.async (key group, d group, key, d); zero at and past keyEnd.
  void fillKeyTileWgmma(Value k0, Value keyEnd, Value stage);
  /// The V tile [k0, k0 + blockKV) as 8 x 8 blocks (8 keys x 8 value
  /// columns, 128-bit loads; zero at and past keyEnd), loaded by threads
  /// below the block count: `storeValueTileWgmma` writes them transposed
  /// (V^T: value group, key group, value column, key), so that V is a
  /// K-major B operand (keys contiguous).
  SmallVector<Value> loadValueTileWgmma(Value k0, Value keyEnd);
  void storeValueTileWgmma(ArrayRef<Value> rows, Value stage);

  const GPUAttentionConfig &config;
  Type elementType;
  bool causal;
  double scale;
  KernelMutation mutation;
  bool isMfma;
  bool ragged;
  RaggedMutation raggedMutation;
  /// Paged KV: the cache block size (0: K and V are [B, Hkv, Skv, D]).
  int64_t blockSize;
  PagedMutation pagedMutation;
  AttentionScoreMods mods;

  Value q, k, v, sk, sv, table;
  /// wgmma: the Q tile and the tiles' shared-window addresses.
  Value sq, baseQ, baseK, baseV;
  /// The K/V buffer being filled or read (two-buffer tiles); null with one
  /// buffer.
  Value stage;
  Value tid, lane, warp, batch, kvHead, queries, keysTotal;
};
} // namespace

Value AttentionKernelBuilder::reduceRow(Value value, bool isMax) {
  // mma.sync: the four lanes t of a group g; MFMA: the four lanes q of a
  // row i.
  SmallVector<int32_t> offsets =
      isMfma ? SmallVector<int32_t>{16, 32} : SmallVector<int32_t>{1, 2};
  for (int32_t offset : offsets) {
    Value other = gpu::ShuffleOp::create(b, value, offset,
                                         static_cast<int32_t>(config.warpSize),
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    value = isMax ? fmax(value, other) : fadd(value, other);
  }
  return value;
}

Value AttentionKernelBuilder::validKeys(gpu::GPUFuncOp func) {
  // Paged: MaxBlocks x BS logical keys.
  Value capacity;
  if (blockSize) {
    Value maxBlocks = memref::DimOp::create(b, func.getArgument(tableArg()), 1);
    capacity = mul(maxBlocks, c(blockSize));
  } else {
    capacity = memref::DimOp::create(b, k, 2);
  }
  if (!ragged)
    return capacity;
  Value raw = memref::LoadOp::create(b, func.getArgument(3), ValueRange{batch});
  Value length = arith::IndexCastOp::create(b, b.getIndexType(), raw);
  if (raggedMutation == RaggedMutation::IgnoreKvLengths)
    length = capacity;
  if (raggedMutation == RaggedMutation::KvLengthOffByOne)
    length = add(length, c(1));
  // A count outside [0, Skv]: the status word gets the CPU's code (every
  // thread 0 of the row's blocks stores the same word); the row runs
  // clamped, as the CPU lowering clamps it.
  Value bad = arith::OrIOp::create(b, slt(length, c(0)), slt(capacity, length));
  Value first = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid, c(0));
  ifThen(andI(bad, first), [&] {
    Value code =
        arith::ConstantOp::create(b, b.getI32IntegerAttr(kStatusCacheOverflow));
    memref::StoreOp::create(b, code,
                            func.getArgument(func.getNumArguments() - 1),
                            ValueRange{c(0)});
  });
  return minS(maxI(length, c(0)), capacity);
}

AttentionKernelBuilder::Row AttentionKernelBuilder::rowOf(Value p0,
                                                          Value blockRow) {
  Row row;
  int64_t g = config.groupSize;
  row.position = add(p0, div(blockRow, g));
  row.head = add(mul(kvHead, c(g)), rem(blockRow, g));
  row.valid = andI(slt(blockRow, c(config.rows())), slt(row.position, queries));
  return row;
}

SmallVector<Value, 4> AttentionKernelBuilder::kvIndices(Value key, Value col) {
  if (!blockSize)
    return {batch, kvHead, key, col};
  Value logical = div(key, blockSize);
  if (pagedMutation == PagedMutation::BlockIndexOffByOne) {
    // Test only: the next table entry (clamped to the row: a wrong block,
    // not an access outside the table).
    Value last = memref::DimOp::create(b, table, 1);
    Value lastEntry = sub(last, c(1));
    Value next = add(logical, c(1));
    logical = minS(next, lastEntry);
  }
  Value raw = memref::LoadOp::create(b, table, ValueRange{batch, logical});
  Value id = arith::IndexCastOp::create(b, b.getIndexType(), raw);
  if (pagedMutation != PagedMutation::UncheckedBlockIds) {
    // An id outside [0, NumBlocks) reads block 0 (checkBlockTable reports
    // it), as the CPU lowering's checked copy of the table has it.
    Value blocks = memref::DimOp::create(b, k, 0);
    Value inRange = ult(id, blocks);
    Value zero = c(0);
    id = select(inRange, id, zero);
  }
  Value slot = rem(key, blockSize);
  return {id, kvHead, slot, col};
}

void AttentionKernelBuilder::checkBlockTable(gpu::GPUFuncOp func,
                                             Value blockX) {
  if (!blockSize)
    return;
  Value zero = c(0);
  Value firstX =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, blockX, zero);
  Value firstHead =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, kvHead, zero);
  Value checker = andI(firstX, firstHead);
  ifThen(checker, [&] {
    Value entries = memref::DimOp::create(b, table, 1);
    Value blocks = memref::DimOp::create(b, k, 0);
    auto loop = scf::ForOp::create(b, tid, entries, c(config.threads()));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    Value raw = memref::LoadOp::create(
        b, table, ValueRange{batch, loop.getInductionVar()});
    Value id = arith::IndexCastOp::create(b, b.getIndexType(), raw);
    // Unsigned: a negative id is a huge one.
    Value bad = arith::CmpIOp::create(b, arith::CmpIPredicate::uge, id, blocks);
    ifThen(bad, [&] {
      Value code = arith::ConstantOp::create(
          b, b.getI32IntegerAttr(kStatusIndexOutOfRange));
      Value status = func.getArgument(func.getNumArguments() - 1);
      memref::StoreOp::create(b, code, status, ValueRange{zero});
    });
  });
}

Value AttentionKernelBuilder::loadQ(const Row &row, Value d, Value inDim) {
  Value valid = inDim ? andI(row.valid, inDim) : row.valid;
  return ifElse(
      valid, elementType,
      [&] {
        return memref::LoadOp::create(
            b, q, ValueRange{batch, row.head, row.position, d});
      },
      [&] { return zeroOf(elementType); });
}

void AttentionKernelBuilder::fillTiles(Value k0, Value keyEnd) {
  // 128-bit loads of 8 consecutive elements, every load of the thread's
  // chunks of K and V issued before the first store (straight-line code,
  // no branch per load: keys past the end read the last key, in bounds,
  // and a select zeroes them), so a thread has all of them in flight.
  auto rawType = VectorType::get({8}, elementType);
  Value lastKey = sub(keyEnd, c(1));
  struct Chunk {
    Value tile, row, col, value, inRange;
  };
  SmallVector<Chunk> chunks;
  for (auto [source, tile, dim] : {std::make_tuple(k, sk, config.headDim),
                                   std::make_tuple(v, sv, config.valueDim)}) {
    int64_t perRow = dim / 8, total = config.blockKV * perRow;
    int64_t threads = config.threads();
    for (int64_t i = 0; i * threads < total; ++i) {
      Value e = add(tid, c(i * threads));
      // The last round may have fewer chunks than threads: the others
      // load a chunk of the tile (in bounds) and store nothing.
      Value inRange;
      if ((i + 1) * threads > total) {
        inRange = slt(e, c(total));
        e = minS(e, c(total - 1));
      }
      Value row = div(e, perRow), col = mul(rem(e, perRow), c(8));
      Value key = add(k0, row);
      Value clamped = minS(key, lastKey);
      Value loaded =
          vector::LoadOp::create(b, rawType, source, kvIndices(clamped, col),
                                 /*nontemporal=*/false, llvm::MaybeAlign(16));
      Value value = select(slt(key, keyEnd), loaded, zeroOf(rawType));
      chunks.push_back({tile, row, col, value, inRange});
    }
  }
  for (const Chunk &chunk : chunks) {
    auto store = [&] {
      for (int64_t j = 0; j < 8; ++j)
        memref::StoreOp::create(
            b, vector::ExtractOp::create(b, chunk.value, j), chunk.tile,
            tileIndices(ValueRange{chunk.row, add(chunk.col, c(j))}));
    };
    if (chunk.inRange)
      ifThen(chunk.inRange, store);
    else
      store();
  }
}

void AttentionKernelBuilder::fillTilesAsync(Value k0, Value keyEnd) {
  Value lastKey = sub(keyEnd, c(1));
  for (auto [source, tile, dim] : {std::make_tuple(k, sk, config.headDim),
                                   std::make_tuple(v, sv, config.valueDim)}) {
    int64_t perRow = dim / 8, total = config.blockKV * perRow;
    int64_t threads = config.threads();
    for (int64_t i = 0; i * threads < total; ++i) {
      Value e = add(tid, c(i * threads));
      auto copy = [&] {
        Value row = div(e, perRow), col = mul(rem(e, perRow), c(8));
        Value key = add(k0, row);
        // Keys at and past the end: 0 source elements (zero fill) from
        // the last key's row, in bounds.
        Value srcElements = select(slt(key, keyEnd), c(8), c(0));
        Value clamped = minS(key, lastKey);
        SmallVector<Value, 4> from = kvIndices(clamped, col);
        nvgpu::DeviceAsyncCopyOp::create(
            b, tile, tileIndices(ValueRange{row, col}), source, from,
            b.getIndexAttr(8), srcElements, b.getUnitAttr());
      };
      // The last round may have fewer chunks than threads.
      if ((i + 1) * threads > total)
        ifThen(slt(e, c(total)), copy);
      else
        copy();
    }
  }
}

void AttentionKernelBuilder::onlineSoftmax(SoftmaxState &state,
                                           SmallVectorImpl<Value> &scores,
                                           ArrayRef<int64_t> slots,
                                           ArrayRef<Value> keys,
                                           ArrayRef<Row> rows, Value keyEnd,
                                           SmallVectorImpl<Value> &alpha) {
  // Scores in the base-2 domain: s * scale * log2(e) (with softcap c:
  // c tanh(s * scale / c) log2(e)).
  Value factor = f(scoreFactor());
  Value negInf = f(-INFINITY);
  Value keyOffset = sub(keysTotal, queries); // p(i) = i + Skv - Sq
  int64_t slotCount = rows.size();
  SmallVector<Value> tileMax(slotCount, negInf);
  for (auto [i, s] : llvm::enumerate(scores)) {
    const Row &row = rows[slots[i]];
    Value keep = slt(keys[i], keyEnd);
    if (causal || mods.window) {
      Value position = add(row.position, keyOffset);
      if (causal)
        keep = andI(keep, le(keys[i], position));
      if (mods.window)
        keep = andI(keep, inWindow(keys[i], position));
    }
    Value scaled = fmul(s, factor);
    s = select(keep, scoreOf(scaled), negInf);
    tileMax[slots[i]] = fmax(tileMax[slots[i]], s);
  }
  SmallVector<Value> use(slotCount);
  for (int64_t r = 0; r < slotCount; ++r) {
    Value newMax = fmax(state.max[r], reduceRow(tileMax[r], true));
    // A row with no key so far keeps max -inf; exponentiate against 0 so
    // that exp2(-inf - m) is 0, never NaN.
    use[r] = select(isNegInf(newMax), f(0), newMax);
    alpha.push_back(exp2(fsub(state.max[r], use[r])));
    state.max[r] = newMax;
  }
  SmallVector<Value> tileSum(slotCount, f(0));
  for (auto [i, s] : llvm::enumerate(scores)) {
    s = exp2(fsub(s, use[slots[i]]));
    tileSum[slots[i]] = fadd(tileSum[slots[i]], s);
  }
  // The sums stay per lane until the end (every lane of a row rescales by
  // the same alpha).
  for (int64_t r = 0; r < slotCount; ++r)
    state.sum[r] = fadd(fmul(state.sum[r], alpha[r]), tileSum[r]);
}

SoftmaxState AttentionKernelBuilder::stepMmaSync(const SoftmaxState &in,
                                                 ArrayRef<Value> qFrags,
                                                 ArrayRef<Row> rows, Value k0,
                                                 Value keyEnd) {
  const MatrixInstruction &mma = config.instruction;
  Type f32 = b.getF32Type();
  auto accType = VectorType::get({2, 2}, f32);
  auto bType = VectorType::get({2, 2}, elementType);
  auto aType = VectorType::get({4, 2}, elementType);
  Value g = div(lane, 4), twoT = mul(rem(lane, 4), c(2));
  int64_t keyTiles = config.blockKV / 8, kSteps = ceil16(config.headDim);
  // S = Q K^T, 8 keys per tile.
  SmallVector<Value> scores, keys;
  SmallVector<int64_t> slots;
  for (int64_t nt = 0; nt < keyTiles; ++nt) {
    Value acc = zeroOf(accType);
    Value keyRow = add(c(8 * nt), g);
    if (mutation == KernelMutation::SharedOffByOne)
      keyRow = add(keyRow, c(1));
    for (int64_t ks = 0; ks < kSteps; ++ks) {
      Value frag = zeroOf(bType);
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t j = 0; j < 2; ++j) {
          // Past a head dim of 16 k + 8: the zeros already there.
          if (16 * ks + 8 * r >= config.headDim)
            continue;
          Value d = add(twoT, c(16 * ks + j + 8 * r));
          frag = vector::InsertOp::create(b, tileLoad(sk, {keyRow, d}), frag,
                                          ArrayRef<int64_t>{r, j});
        }
      acc = nvgpu::MmaSyncOp::create(b, qFrags[ks], frag, acc,
                                     ArrayRef<int64_t>{mma.m, mma.n, mma.k});
    }
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t j = 0; j < 2; ++j) {
        scores.push_back(
            vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{r, j}));
        keys.push_back(add(k0, add(twoT, c(8 * nt + j))));
        slots.push_back(r);
      }
  }
  SoftmaxState state = in;
  SmallVector<Value> alpha;
  onlineSoftmax(state, scores, slots, keys, rows, keyEnd, alpha);
  // Rescale O: element [r][j] belongs to row slot r.
  Value alphaVec = vector::FromElementsOp::create(
      b, accType, ValueRange{alpha[0], alpha[0], alpha[1], alpha[1]});
  for (Value &o : state.out)
    o = fmul(o, alphaVec);
  // O += P V, 16 keys per step; P's A fragment from the score tiles.
  for (int64_t kk = 0; kk < config.blockKV / 16; ++kk) {
    Value pFrag = zeroOf(aType);
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t j = 0; j < 2; ++j) {
        int64_t rowHalf = r % 2, keyHalf = r / 2;
        if (mutation == KernelMutation::SwapFragmentLanes)
          std::swap(rowHalf, keyHalf);
        Value p = scores[(2 * kk + keyHalf) * 4 + rowHalf * 2 + j];
        pFrag = vector::InsertOp::create(
            b, arith::TruncFOp::create(b, elementType, p), pFrag,
            ArrayRef<int64_t>{r, j});
      }
    for (int64_t dn = 0; dn < config.valueDim / 8; ++dn) {
      Value frag = zeroOf(bType);
      for (int64_t r = 0; r < 2; ++r)
        for (int64_t j = 0; j < 2; ++j) {
          Value key = add(twoT, c(16 * kk + j + 8 * r));
          frag = vector::InsertOp::create(
              b, tileLoad(sv, {key, add(g, c(8 * dn))}), frag,
              ArrayRef<int64_t>{r, j});
        }
      state.out[dn] =
          nvgpu::MmaSyncOp::create(b, pFrag, frag, state.out[dn],
                                   ArrayRef<int64_t>{mma.m, mma.n, mma.k});
    }
  }
  return state;
}

SoftmaxState AttentionKernelBuilder::stepMfma(const SoftmaxState &in,
                                              ArrayRef<Value> qFrags,
                                              ArrayRef<Row> rows, Value k0,
                                              Value keyEnd) {
  const MatrixInstruction &mfma = config.instruction;
  Type f32 = b.getF32Type();
  auto accType = VectorType::get({4}, f32);
  auto fragType = VectorType::get({4}, elementType);
  Value i = rem(lane, 16), q4 = mul(div(lane, 16), c(4));
  auto mfmaOp = [&](Value a, Value bFrag, Value acc) -> Value {
    return amdgpu::MFMAOp::create(
        b, accType, b.getI32IntegerAttr(mfma.m), b.getI32IntegerAttr(mfma.n),
        b.getI32IntegerAttr(mfma.k), b.getI32IntegerAttr(1), a, bFrag, acc,
        b.getI32IntegerAttr(0), b.getI32IntegerAttr(0),
        amdgpu::MFMAPermBAttr::get(b.getContext(), amdgpu::MFMAPermB::none));
  };
  int64_t keyTiles = config.blockKV / 16, kSteps = ceil16(config.headDim);
  // S^T = K Q^T, 16 keys per tile.
  SmallVector<Value> tiles, scores, keys;
  SmallVector<int64_t> slots;
  for (int64_t mt = 0; mt < keyTiles; ++mt) {
    Value acc = zeroOf(accType);
    Value keyRow = add(c(16 * mt), i);
    if (mutation == KernelMutation::SharedOffByOne)
      keyRow = add(keyRow, c(1));
    for (int64_t ks = 0; ks < kSteps; ++ks) {
      Value frag = zeroOf(fragType);
      bool partial = 16 * (ks + 1) > config.headDim;
      for (int64_t j = 0; j < 4; ++j) {
        Value d = add(q4, c(16 * ks + j));
        Value element = tileLoadMasked(sk, keyRow, d, config.headDim, partial);
        frag = vector::InsertOp::create(b, element, frag, ArrayRef<int64_t>{j});
      }
      acc = mfmaOp(frag, qFrags[ks], acc);
    }
    for (int64_t j = 0; j < 4; ++j) {
      scores.push_back(vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{j}));
      keys.push_back(add(k0, add(q4, c(16 * mt + j))));
      slots.push_back(0);
    }
  }
  SoftmaxState state = in;
  SmallVector<Value> alpha;
  onlineSoftmax(state, scores, slots, keys, rows, keyEnd, alpha);
  Value alphaVec = vector::BroadcastOp::create(b, accType, alpha[0]);
  for (Value &o : state.out)
    o = fmul(o, alphaVec);
  // O^T += V^T P^T: P^T's B fragment is the lane's own scores.
  for (int64_t kk = 0; kk < keyTiles; ++kk) {
    Value pFrag = zeroOf(fragType);
    for (int64_t j = 0; j < 4; ++j) {
      int64_t source =
          mutation == KernelMutation::SwapFragmentLanes ? 3 - j : j;
      pFrag = vector::InsertOp::create(
          b, arith::TruncFOp::create(b, elementType, scores[4 * kk + source]),
          pFrag, ArrayRef<int64_t>{j});
    }
    for (int64_t dn = 0; dn < ceil16(config.valueDim); ++dn) {
      Value frag = zeroOf(fragType);
      bool partial = 16 * (dn + 1) > config.valueDim;
      Value dv = add(i, c(16 * dn));
      for (int64_t j = 0; j < 4; ++j) {
        Value key = add(q4, c(16 * kk + j));
        Value element = tileLoadMasked(sv, key, dv, config.valueDim, partial);
        frag = vector::InsertOp::create(b, element, frag, ArrayRef<int64_t>{j});
      }
      state.out[dn] = mfmaOp(frag, pFrag, state.out[dn]);
    }
  }
  return state;
}

SoftmaxState AttentionKernelBuilder::queryTile(Value p0, Value keyBegin,
                                               Value keyEnd,
                                               SmallVectorImpl<Row> &rows) {
  Type f32 = b.getF32Type();
  Value warpRow = mul(warp, c(config.rowsPerWarp));
  // The lane's rows and its Q fragments (in registers for the whole tile).
  SmallVector<Value> qFrags;
  int64_t kSteps = ceil16(config.headDim);
  if (isMfma) {
    Value i = rem(lane, 16), q4 = mul(div(lane, 16), c(4));
    rows.push_back(rowOf(p0, add(warpRow, i)));
    auto fragType = VectorType::get({4}, elementType);
    for (int64_t ks = 0; ks < kSteps; ++ks) {
      Value frag = zeroOf(fragType);
      bool partial = 16 * (ks + 1) > config.headDim;
      for (int64_t j = 0; j < 4; ++j) {
        Value d = add(q4, c(16 * ks + j));
        Value inDim = partial ? slt(d, c(config.headDim)) : Value();
        Value element = loadQ(rows[0], d, inDim);
        frag = vector::InsertOp::create(b, element, frag, ArrayRef<int64_t>{j});
      }
      qFrags.push_back(frag);
    }
  } else {
    Value g = div(lane, 4), twoT = mul(rem(lane, 4), c(2));
    for (int64_t r = 0; r < 2; ++r)
      rows.push_back(rowOf(p0, add(warpRow, add(g, c(8 * r)))));
    auto aType = VectorType::get({4, 2}, elementType);
    for (int64_t ks = 0; ks < kSteps; ++ks) {
      Value frag = zeroOf(aType);
      for (int64_t r = 0; r < 4; ++r)
        for (int64_t j = 0; j < 2; ++j) {
          // Past a head dim of 16 k + 8: zeros.
          if (16 * ks + 8 * (r / 2) >= config.headDim)
            continue;
          frag = vector::InsertOp::create(
              b, loadQ(rows[r % 2], add(twoT, c(16 * ks + j + 8 * (r / 2)))),
              frag, ArrayRef<int64_t>{r, j});
        }
      qFrags.push_back(frag);
    }
  }

  // Window block skipping: no key before the block's first query
  // position's window; causal: no key past its last query position.
  if (mods.window) {
    Value keyOffset = sub(keysTotal, queries);
    Value firstPosition = add(p0, keyOffset);
    keyBegin = windowBegin(keyBegin, firstPosition);
  }
  if (causal) {
    Value lastPosition =
        minS(add(p0, c(config.positionsPerBlock - 1)), sub(queries, c(1)));
    Value limit = add(lastPosition, add(sub(keysTotal, queries), c(1)));
    keyEnd = maxI(keyBegin, minS(keyEnd, limit));
  }

  // The carried state: max, sum per row slot, then the output fragments.
  int64_t slots = rows.size();
  int64_t outTiles = isMfma ? ceil16(config.valueDim) : config.valueDim / 8;
  Type accType = isMfma ? Type(VectorType::get({4}, f32))
                        : Type(VectorType::get({2, 2}, f32));
  SmallVector<Value> inits;
  for (int64_t r = 0; r < slots; ++r)
    inits.push_back(f(-INFINITY));
  for (int64_t r = 0; r < slots; ++r)
    inits.push_back(f(0));
  for (int64_t t = 0; t < outTiles; ++t)
    inits.push_back(zeroOf(accType));
  if (config.asyncCopy) {
    // The first tile into buffer 0.
    stage = c(0);
    ifThen(slt(keyBegin, keyEnd), [&] { fillTilesAsync(keyBegin, keyEnd); });
    commitGroup();
    auto loop =
        scf::ForOp::create(b, keyBegin, keyEnd, c(config.blockKV), inits);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value k0 = loop.getInductionVar();
      Value current = rem(div(sub(k0, keyBegin), config.blockKV), 2);
      // cp.async.wait_group 0: this thread's copies of tile k0 have landed.
      if (mutation != KernelMutation::DropAsyncWait)
        NVVM::CpAsyncWaitGroupOp::create(
            b, mutation == KernelMutation::AsyncWaitCount ? 1 : 0);
      // Every thread's copies have landed; every warp is done with the
      // other buffer.
      if (mutation != KernelMutation::DropBarrier)
        gpu::BarrierOp::create(b);
      Value next = add(k0, c(config.blockKV));
      ifThen(slt(next, keyEnd), [&] {
        stage = sub(c(1), current);
        fillTilesAsync(next, keyEnd);
        commitGroup();
      });
      stage = current;
      ValueRange carried = loop.getRegionIterArgs();
      SoftmaxState in;
      in.max.assign(carried.begin(), carried.begin() + slots);
      in.sum.assign(carried.begin() + slots, carried.begin() + 2 * slots);
      in.out.assign(carried.begin() + 2 * slots, carried.end());
      SoftmaxState out = isMfma ? stepMfma(in, qFrags, rows, k0, keyEnd)
                                : stepMmaSync(in, qFrags, rows, k0, keyEnd);
      SmallVector<Value> yielded(out.max);
      yielded.append(out.sum);
      yielded.append(out.out);
      scf::YieldOp::create(b, yielded);
    }
    // The next query tile (split kernel) refills buffer 0.
    gpu::BarrierOp::create(b);
    stage = Value();
    SoftmaxState result;
    ValueRange done = loop.getResults();
    result.max.assign(done.begin(), done.begin() + slots);
    for (int64_t r = 0; r < slots; ++r)
      result.sum.push_back(reduceRow(done[slots + r], false));
    result.out.assign(done.begin() + 2 * slots, done.end());
    return result;
  }
  auto loop = scf::ForOp::create(b, keyBegin, keyEnd, c(config.blockKV), inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    fillTiles(k0, keyEnd);
    if (mutation != KernelMutation::DropBarrier)
      gpu::BarrierOp::create(b);
    ValueRange carried = loop.getRegionIterArgs();
    SoftmaxState in;
    in.max.assign(carried.begin(), carried.begin() + slots);
    in.sum.assign(carried.begin() + slots, carried.begin() + 2 * slots);
    in.out.assign(carried.begin() + 2 * slots, carried.end());
    SoftmaxState out = isMfma ? stepMfma(in, qFrags, rows, k0, keyEnd)
                              : stepMmaSync(in, qFrags, rows, k0, keyEnd);
    // The next tile overwrites what the other warps may still read.
    gpu::BarrierOp::create(b);
    SmallVector<Value> next(out.max);
    next.append(out.sum);
    next.append(out.out);
    scf::YieldOp::create(b, next);
  }
  SoftmaxState result;
  ValueRange done = loop.getResults();
  result.max.assign(done.begin(), done.begin() + slots);
  for (int64_t r = 0; r < slots; ++r)
    result.sum.push_back(reduceRow(done[slots + r], false));
  result.out.assign(done.begin() + 2 * slots, done.end());
  return result;
}

Value AttentionKernelBuilder::wgmmaDescriptor(Value start, int64_t leading,
                                              int64_t stride) {
  // Bits 0-13: (address & 0x3FFFF) >> 4; 16-29: leading byte offset >> 4;
  // 32-45: stride byte offset >> 4; base offset 0; bits 62-63: swizzle
  // mode 0 (none).
  Value masked = arith::AndIOp::create(b, start, c(0x3FFFF));
  Value address = arith::ShRUIOp::create(b, masked, c(4));
  int64_t fields = ((leading >> 4) << 16) | ((stride >> 4) << 32);
  Value desc = arith::OrIOp::create(b, address, c(fields));
  return arith::IndexCastOp::create(b, b.getI64Type(), desc);
}

Value AttentionKernelBuilder::wgmmaRegisterA(Type structType,
                                             ArrayRef<Value> acc,
                                             ArrayRef<Value> aRegs,
                                             Value descB) {
  int64_t registers = acc.size();
  StringRef typeName = elementType.isBF16() ? "bf16" : "f16";
  // $0 .. $(N/2 - 1): D (outputs, tied to the accumulator inputs
  // $(N/2) .. $(N - 1)); $N .. $(N + 3): A; $(N + 4): B's descriptor.
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
     << "wgmma.mma_async.sync.aligned.m64n" << 2 * registers << "k16.f32."
     << typeName << "." << typeName << " {";
  for (int64_t i = 0; i < registers; ++i)
    os << (i ? ", " : "") << "$" << i;
  os << "}, {";
  for (int64_t i = 0; i < 4; ++i)
    os << (i ? ", " : "") << "$" << 2 * registers + i;
  os << "}, $" << 2 * registers + 4 << ", p, 1, 1, 0;\n}\n";
  SmallVector<std::string> constraints(registers, "=f");
  for (int64_t i = 0; i < registers; ++i)
    constraints.push_back(std::to_string(i));
  constraints.append(4, "r");
  constraints.push_back("l");
  SmallVector<Value> operands(acc);
  operands.append(aRegs.begin(), aRegs.end());
  operands.push_back(descB);
  return LLVM::InlineAsmOp::create(
             b, structType, operands, text, llvm::join(constraints, ","),
             /*has_side_effects=*/true, /*is_align_stack=*/false,
             LLVM::tailcallkind::TailCallKind::None,
             LLVM::AsmDialectAttr::get(b.getContext(),
                                       LLVM::AsmDialect::AD_ATT),
             /*operand_attrs=*/ArrayAttr())
      .getRes();
}

void AttentionKernelBuilder::fillQueryTileAsync(Value p0) {
  int64_t perRow = config.headDim / 8, total = 64 * perRow;
  int64_t threads = config.threads();
  Value lastQuery = sub(queries, c(1));
  for (int64_t i = 0; i * threads < total; ++i) {
    Value e = add(tid, c(i * threads));
    auto copy = [&] {
      Value blockRow = div(e, perRow), chunk = rem(e, perRow);
      Row row = rowOf(p0, blockRow);
      // Rows that do not exist: 0 source elements (zero fill) from a row
      // in bounds.
      Value srcElements = select(row.valid, c(8), c(0));
      nvgpu::DeviceAsyncCopyOp::create(
          b, sq, ValueRange{div(blockRow, 8), chunk, rem(blockRow, 8), c(0)}, q,
          ValueRange{batch, row.head, minS(row.position, lastQuery),
                     mul(chunk, c(8))},
          b.getIndexAttr(8), srcElements, b.getUnitAttr());
    };
    if ((i + 1) * threads > total)
      ifThen(slt(e, c(total)), copy);
    else
      copy();
  }
}

void AttentionKernelBuilder::fillKeyTileWgmma(Value k0, Value keyEnd,
                                              Value buffer) {
  int64_t perRow = config.headDim / 8, total = config.blockKV * perRow;
  int64_t threads = config.threads();
  Value lastKey = sub(keyEnd, c(1));
  for (int64_t i = 0; i * threads < total; ++i) {
    Value e = add(tid, c(i * threads));
    auto copy = [&] {
      Value row = div(e, perRow), chunk = rem(e, perRow);
      Value key = add(k0, row);
      Value srcElements = select(slt(key, keyEnd), c(8), c(0));
      Value clamped = minS(key, lastKey);
      Value col = mul(chunk, c(8));
      SmallVector<Value, 4> from = kvIndices(clamped, col);
      nvgpu::DeviceAsyncCopyOp::create(
          b, sk, ValueRange{buffer, div(row, 8), chunk, rem(row, 8), c(0)}, k,
          from, b.getIndexAttr(8), srcElements, b.getUnitAttr());
    };
    if ((i + 1) * threads > total)
      ifThen(slt(e, c(total)), copy);
    else
      copy();
  }
}

SmallVector<Value> AttentionKernelBuilder::loadValueTileWgmma(Value k0,
                                                              Value keyEnd) {
  auto rawType = VectorType::get({8}, elementType);
  int64_t groups = config.valueDim / 8;
  int64_t blocks = groups * (config.blockKV / 8), threads = config.threads();
  Value lastKey = sub(keyEnd, c(1));
  SmallVector<Value> result;
  for (int64_t i = 0; i * threads < blocks; ++i) {
    Value e = add(tid, c(i * threads));
    auto load = [&]() -> SmallVector<Value> {
      Value group = rem(e, groups), keyGroup = div(e, groups);
      SmallVector<Value> rows;
      for (int64_t r = 0; r < 8; ++r) {
        Value key = add(k0, add(mul(keyGroup, c(8)), c(r)));
        Value clamped = minS(key, lastKey);
        Value col = mul(group, c(8));
        Value loaded =
            vector::LoadOp::create(b, rawType, v, kvIndices(clamped, col),
                                   /*nontemporal=*/false, llvm::MaybeAlign(16));
        rows.push_back(select(slt(key, keyEnd), loaded, zeroOf(rawType)));
      }
      return rows;
    };
    if ((i + 1) * threads <= blocks) {
      result.append(load());
      continue;
    }
    // Threads past the last block load nothing.
    auto ifOp = scf::IfOp::create(b, SmallVector<Type>(8, rawType),
                                  slt(e, c(blocks)), true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, load());
    b.setInsertionPointToStart(ifOp.elseBlock());
    Value zero = zeroOf(rawType);
    scf::YieldOp::create(b, SmallVector<Value>(8, zero));
    result.append(ifOp.getResults().begin(), ifOp.getResults().end());
  }
  return result;
}

void AttentionKernelBuilder::storeValueTileWgmma(ArrayRef<Value> rows,
                                                 Value buffer) {
  int64_t groups = config.valueDim / 8;
  int64_t blocks = groups * (config.blockKV / 8), threads = config.threads();
  for (int64_t i = 0; i * threads < blocks; ++i) {
    Value e = add(tid, c(i * threads));
    ArrayRef<Value> block = rows.slice(8 * i, 8);
    auto store = [&] {
      Value group = rem(e, groups), keyGroup = div(e, groups);
      // Row j of the core matrix (value column 8 group + j) holds the 8
      // keys: one 16-byte row.
      for (int64_t j = 0; j < 8; ++j)
        for (int64_t r = 0; r < 8; ++r) {
          Value element = vector::ExtractOp::create(b, block[r], j);
          memref::StoreOp::create(
              b, element, sv, ValueRange{buffer, group, keyGroup, c(j), c(r)});
        }
    };
    if ((i + 1) * threads > blocks)
      ifThen(slt(e, c(blocks)), store);
    else
      store();
  }
}

// The sm_90a prefill tile (config.wgmma): one warpgroup, 64 query rows.
// Per K/V tile of n = blockKV keys (two buffers): cp.async.wait_group 0,
// fence.proxy.async (the copies and the V^T stores become visible to the
// async proxy), one barrier; the next K tile's copies and the next V
// tile's 128-bit loads are issued; wgmma.fence, S = Q K^T as D / 16
// wgmma m64nNk16 (Q and K through descriptors), commit, wait_group 0; the
// online softmax on S's D fragment (register i of a thread: row slot
// (i / 2) % 2, key 8 (i / 4) + 2 (l % 4) + i % 2, so the row reductions
// are mma.sync's: shuffles xor 1, 2); O rescaled; P rounded to the input
// type and packed as wgmma's register-A fragment: slice kk's element i is
// S's register 8 kk + i (the D and A layouts agree, FlashAttention-3's
// observation); wgmma.fence, O += P V as n / 16 register-A wgmma
// m64n{Dv}k16 (V^T through descriptors), commit, wait_group 0; the next V
// tile stored transposed into the other buffer.
SoftmaxState
AttentionKernelBuilder::queryTileWgmma(Value p0, Value keyBegin, Value keyEnd,
                                       SmallVectorImpl<Row> &rows) {
  const MatrixInstruction &mma = config.instruction;
  Type f32 = b.getF32Type();
  int64_t n = config.blockKV, dims = config.headDim, dv = config.valueDim;
  Value warpRow = mul(warp, c(config.rowsPerWarp));
  Value g = div(lane, 4), twoT = mul(rem(lane, 4), c(2));
  for (int64_t r = 0; r < 2; ++r)
    rows.push_back(rowOf(p0, add(warpRow, add(g, c(8 * r)))));
  if (mods.window) {
    Value keyOffset = sub(keysTotal, queries);
    Value firstPosition = add(p0, keyOffset);
    keyBegin = windowBegin(keyBegin, firstPosition);
  }
  if (causal) {
    Value lastPosition =
        minS(add(p0, c(config.positionsPerBlock - 1)), sub(queries, c(1)));
    Value limit = add(lastPosition, add(sub(keysTotal, queries), c(1)));
    keyEnd = maxI(keyBegin, minS(keyEnd, limit));
  }
  auto sType = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                SmallVector<Type>(n / 2, f32));
  auto oType = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                SmallVector<Type>(dv / 2, f32));
  baseQ = memref::ExtractAlignedPointerAsIndexOp::create(b, sq);
  baseK = memref::ExtractAlignedPointerAsIndexOp::create(b, sk);
  baseV = memref::ExtractAlignedPointerAsIndexOp::create(b, sv);
  constexpr int64_t kCore = 128; // bytes of a core matrix
  int64_t stageK = n * dims * 2, stageV = dv * n * 2;
  NVVM::WGMMATypes type =
      elementType.isBF16() ? NVVM::WGMMATypes::bf16 : NVVM::WGMMATypes::f16;
  auto sShape = NVVM::MMAShapeAttr::get(b.getContext(), mma.m, n, mma.k);

  // Prologue: Q and the first K tile by cp.async (one group), the first V
  // tile stored transposed into buffer 0.
  Value any = slt(keyBegin, keyEnd);
  ifThen(any, [&] {
    fillQueryTileAsync(p0);
    fillKeyTileWgmma(keyBegin, keyEnd, c(0));
  });
  commitGroup();
  ifThen(any, [&] {
    SmallVector<Value> first = loadValueTileWgmma(keyBegin, keyEnd);
    storeValueTileWgmma(first, c(0));
  });

  SmallVector<Value> inits = {f(-INFINITY), f(-INFINITY), f(0), f(0)};
  inits.push_back(LLVM::ZeroOp::create(b, oType));
  auto loop = scf::ForOp::create(b, keyBegin, keyEnd, c(n), inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    Value current = rem(div(sub(k0, keyBegin), n), 2);
    Value other = sub(c(1), current);
    if (mutation != KernelMutation::DropAsyncWait)
      NVVM::CpAsyncWaitGroupOp::create(
          b, mutation == KernelMutation::AsyncWaitCount ? 1 : 0);
    // The copies landed and V^T was stored through the generic proxy;
    // wgmma reads shared memory through the async proxy.
    NVVM::FenceProxyOp::create(
        b,
        NVVM::ProxyKindAttr::get(b.getContext(), NVVM::ProxyKind::async_shared),
        NVVM::SharedSpaceAttr::get(b.getContext(),
                                   NVVM::SharedSpace::shared_cta));
    if (mutation != KernelMutation::DropBarrier)
      gpu::BarrierOp::create(b);
    Value next = add(k0, c(n));
    Value hasNext = slt(next, keyEnd);
    ifThen(hasNext, [&] {
      fillKeyTileWgmma(next, keyEnd, other);
      commitGroup();
    });
    // The next V tile's loads, in flight during this tile's wgmmas.
    SmallVector<Value> nextV;
    {
      auto rawType = VectorType::get({8}, elementType);
      int64_t count =
          (dv / 8 * (n / 8) + config.threads() - 1) / config.threads() * 8;
      auto ifOp = scf::IfOp::create(b, SmallVector<Type>(count, rawType),
                                    hasNext, true);
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      scf::YieldOp::create(b, loadValueTileWgmma(next, keyEnd));
      b.setInsertionPointToStart(ifOp.elseBlock());
      Value zero = zeroOf(rawType);
      scf::YieldOp::create(b, SmallVector<Value>(count, zero));
      nextV.assign(ifOp.getResults().begin(), ifOp.getResults().end());
    }

    // S = Q K^T.
    NVVM::WgmmaFenceAlignedOp::create(b);
    Value s = LLVM::ZeroOp::create(b, sType);
    Value kBuffer = add(baseK, mul(current, c(stageK)));
    for (int64_t ks = 0; ks < dims / 16; ++ks) {
      int64_t stride = dims / 8 * kCore;
      Value descQ =
          wgmmaDescriptor(add(baseQ, c(2 * ks * kCore)), kCore, stride);
      Value descK =
          wgmmaDescriptor(add(kBuffer, c(2 * ks * kCore)), kCore, stride);
      s = NVVM::WgmmaMmaAsyncOp::create(
          b, sType, s, descQ, descK, sShape, type, type, NVVM::WGMMATypes::f32,
          NVVM::WGMMAScaleOut::one, NVVM::WGMMAScaleIn::one,
          NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row, NVVM::MMALayout::col,
          /*satfinite=*/nullptr);
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b);
    NVVM::WgmmaWaitGroupSyncOp::create(b, 0);

    // The online softmax on S's fragment.
    SmallVector<Value> scores, keys;
    SmallVector<int64_t> slots;
    for (int64_t i = 0; i < n / 2; ++i) {
      scores.push_back(
          LLVM::ExtractValueOp::create(b, s, ArrayRef<int64_t>{i}));
      keys.push_back(add(k0, add(twoT, c(8 * (i / 4) + i % 2))));
      slots.push_back((i / 2) % 2);
    }
    ValueRange carried = loop.getRegionIterArgs();
    SoftmaxState state;
    state.max.assign(carried.begin(), carried.begin() + 2);
    state.sum.assign(carried.begin() + 2, carried.begin() + 4);
    SmallVector<Value> alpha;
    onlineSoftmax(state, scores, slots, keys, rows, keyEnd, alpha);
    SmallVector<Value> acc;
    for (int64_t j = 0; j < dv / 2; ++j) {
      Value o =
          LLVM::ExtractValueOp::create(b, carried[4], ArrayRef<int64_t>{j});
      acc.push_back(fmul(o, alpha[(j / 2) % 2]));
    }
    // P's register-A fragments: slice kk, register r holds elements
    // 2r, 2r + 1, element i = S register 8 kk + i.
    auto pairType = VectorType::get({2}, elementType);
    SmallVector<SmallVector<Value>> pRegs(n / 16);
    for (int64_t kk = 0; kk < n / 16; ++kk)
      for (int64_t r = 0; r < 4; ++r) {
        SmallVector<Value> pair;
        for (int64_t j = 0; j < 2; ++j) {
          int64_t i = 2 * r + j;
          int64_t rowHalf = (i / 2) % 2, keyHalf = i / 4;
          if (mutation == KernelMutation::SwapFragmentLanes)
            std::swap(rowHalf, keyHalf);
          Value p = scores[8 * kk + 4 * keyHalf + 2 * rowHalf + i % 2];
          pair.push_back(arith::TruncFOp::create(b, elementType, p));
        }
        pRegs[kk].push_back(vector::FromElementsOp::create(b, pairType, pair));
      }

    // O += P V.
    NVVM::WgmmaFenceAlignedOp::create(b);
    Value vBuffer = add(baseV, mul(current, c(stageV)));
    Value o;
    for (int64_t kk = 0; kk < n / 16; ++kk) {
      if (kk > 0) {
        acc.clear();
        for (int64_t j = 0; j < dv / 2; ++j)
          acc.push_back(
              LLVM::ExtractValueOp::create(b, o, ArrayRef<int64_t>{j}));
      }
      Value descV = wgmmaDescriptor(add(vBuffer, c(2 * kk * kCore)), kCore,
                                    n / 8 * kCore);
      o = wgmmaRegisterA(oType, acc, pRegs[kk], descV);
    }
    NVVM::WgmmaGroupSyncAlignedOp::create(b);
    NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
    // The next V tile into the other buffer (its last readers, the
    // previous tile's wgmmas, retired before this tile's barrier).
    ifThen(hasNext, [&] { storeValueTileWgmma(nextV, other); });
    SmallVector<Value> yielded(state.max);
    yielded.append(state.sum);
    yielded.push_back(o);
    scf::YieldOp::create(b, yielded);
  }
  SoftmaxState result;
  ValueRange done = loop.getResults();
  result.max.assign(done.begin(), done.begin() + 2);
  for (int64_t r = 0; r < 2; ++r)
    result.sum.push_back(reduceRow(done[2 + r], false));
  // Register i = 4 t + 2 r + j of O is mma.sync's C element [r][j] of the
  // value tile t (columns 8 t + 2 (l % 4) + j, row slot r).
  auto tileType = VectorType::get({2, 2}, f32);
  for (int64_t t = 0; t < dv / 8; ++t) {
    SmallVector<Value> elements;
    for (int64_t i = 0; i < 4; ++i)
      elements.push_back(LLVM::ExtractValueOp::create(
          b, done[4], ArrayRef<int64_t>{4 * t + i}));
    result.out.push_back(vector::FromElementsOp::create(b, tileType, elements));
  }
  return result;
}

void AttentionKernelBuilder::buildTiled(gpu::GPUFuncOp func, bool split) {
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  q = func.getArgument(0);
  k = func.getArgument(1);
  v = func.getArgument(2);
  sk = func.getWorkgroupAttributions()[0];
  sv = func.getWorkgroupAttributions()[1];
  if (config.wgmma)
    sq = func.getWorkgroupAttributions()[2];
  Type f32 = b.getF32Type();

  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  warp = div(tid, config.warpSize);
  lane = rem(tid, config.warpSize);
  batch = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  kvHead = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value blockX = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  queries = memref::DimOp::create(b, q, 2);
  if (blockSize)
    table = func.getArgument(tableArg());
  keysTotal = validKeys(func);
  checkBlockTable(func, blockX);

  // Writes the lane's normalised output rows (and the split's lse).
  auto writeRows = [&](const SoftmaxState &state, ArrayRef<Row> rows,
                       Value splitIndex) {
    Value dest = func.getArgument(outputArg());
    for (auto [slot, row] : llvm::enumerate(rows)) {
      Value sum = state.sum[slot];
      Value empty =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, sum, f(0));
      Value inverse = select(empty, f(0), arith::DivFOp::create(b, f(1), sum));
      ifThen(row.valid, [&] {
        for (auto [t, acc] : llvm::enumerate(state.out)) {
          int64_t count = isMfma ? 4 : 2;
          for (int64_t j = 0; j < count; ++j) {
            Value value = vector::ExtractOp::create(
                b, acc,
                isMfma ? ArrayRef<int64_t>{j}
                       : ArrayRef<int64_t>{(int64_t)slot, j});
            value = fmul(value, inverse);
            Value dv =
                isMfma ? add(mul(div(lane, 16), c(4)), c(16 * (int64_t)t + j))
                       : add(mul(rem(lane, 4), c(2)), c(8 * (int64_t)t + j));
            auto store = [&] {
              if (split) {
                memref::StoreOp::create(
                    b, value, dest,
                    ValueRange{batch, row.head, splitIndex, row.position, dv});
              } else {
                Value narrow = arith::TruncFOp::create(b, elementType, value);
                memref::StoreOp::create(
                    b, narrow, dest,
                    ValueRange{batch, row.head, row.position, dv});
              }
            };
            // MFMA: a last output tile of 16 over Dv = 16 k + 8 stores
            // its lanes' columns below Dv only.
            if (isMfma && 16 * ((int64_t)t + 1) > config.valueDim)
              ifThen(slt(dv, c(config.valueDim)), store);
            else
              store();
          }
        }
        if (split) {
          // lse = (m + log2 l) ln 2, -inf for a split with no key.
          Value log2Sum = LLVM::Log2Op::create(b, f32, sum);
          Value lse = select(empty, f(-INFINITY),
                             fmul(fadd(state.max[slot], log2Sum), f(M_LN2)));
          memref::StoreOp::create(
              b, lse, func.getArgument(outputArg() + 1),
              ValueRange{batch, row.head, splitIndex, row.position});
        }
      });
    }
  };

  if (!split) {
    Value p0 = mul(blockX, c(config.positionsPerBlock));
    SmallVector<Row> rows;
    SoftmaxState state = config.wgmma
                             ? queryTileWgmma(p0, c(0), keysTotal, rows)
                             : queryTile(p0, c(0), keysTotal, rows);
    writeRows(state, rows, Value());
  } else {
    // Split s of `splits` (the partial output's dimension 2) reads whole
    // K/V tiles [s * chunk, (s + 1) * chunk); the query tiles (few in
    // decode) are a loop.
    Value splits = memref::DimOp::create(b, func.getArgument(outputArg()), 2);
    Value keyBegin, keyEnd;
    if (mods.window) {
      // With a window the splits divide the keys some query may attend,
      // [max(0, Skv - Sq - W + 1), Skv).
      Value keyOffset = sub(keysTotal, queries);
      Value rangeBegin = windowBegin(c(0), keyOffset);
      Value range = sub(keysTotal, rangeBegin);
      Value total = add(range, splits);
      Value one = c(1);
      Value rounded = sub(total, one);
      Value perSplit = arith::DivUIOp::create(b, rounded, splits);
      Value tileKeys = add(perSplit, c(config.blockKV - 1));
      Value tiles = div(tileKeys, config.blockKV);
      Value chunk = mul(tiles, c(config.blockKV));
      Value offset = mul(blockX, chunk);
      keyBegin = minS(add(rangeBegin, offset), keysTotal);
      Value end = add(keyBegin, chunk);
      keyEnd = minS(end, keysTotal);
    } else {
      Value perSplit =
          arith::DivUIOp::create(b, sub(add(keysTotal, splits), c(1)), splits);
      Value chunk =
          mul(div(add(perSplit, c(config.blockKV - 1)), config.blockKV),
              c(config.blockKV));
      keyBegin = minS(mul(blockX, chunk), keysTotal);
      keyEnd = minS(add(keyBegin, chunk), keysTotal);
    }
    auto loop =
        scf::ForOp::create(b, c(0), queries, c(config.positionsPerBlock));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    SmallVector<Row> rows;
    SoftmaxState state =
        queryTile(loop.getInductionVar(), keyBegin, keyEnd, rows);
    writeRows(state, rows, blockX);
  }
  b.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(b);
}

// The decode form (Flash-Decoding with the K/V rows in registers). Lane
// group g (lanes [g L, g L + L), L = headDim / 8) of warp w reads keys
// base + u * (warpSize / L) + g for u < U each step, lane j of the group
// elements [8 j, 8 j + 8) of the K and V rows with one 128-bit load each
// (all 2 U loads issued before the first use); the warps take interleaved
// steps of the block's split. Per query row r (position-major (position,
// group head) rows, Q pre-scaled by scale * log2 e in f32): the partial
// dot product of the lane's 8 elements, summed over the group's lanes by
// xor shuffles, then the online softmax per lane group (running max m,
// sum l, and 8 f32 outputs per lane). At the end the lane groups of a warp
// combine by shuffles, each warp writes (O, m, l) per row to workgroup
// memory, and after a barrier the block's threads combine the warps and
// write the split's normalised output and log-sum-exp.
void AttentionKernelBuilder::buildDecode(gpu::GPUFuncOp func) {
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  q = func.getArgument(0);
  k = func.getArgument(1);
  v = func.getArgument(2);
  Value partial = func.getArgument(outputArg()),
        lseOut = func.getArgument(outputArg() + 1);
  Value ws = func.getWorkgroupAttributions()[0];
  Type f32 = b.getF32Type();
  int64_t lanes = config.decodeLanes, groups = config.warpSize / lanes;
  int64_t perLane = config.decodeKeysPerLane, rowCount = config.rows();
  int64_t dims = config.valueDim, step = config.decodeKeysPerStep();
  auto rawType = VectorType::get({8}, elementType);
  auto vecType = VectorType::get({8}, f32);

  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  warp = div(tid, config.warpSize);
  lane = rem(tid, config.warpSize);
  Value group = div(lane, lanes);
  Value d0 = mul(rem(lane, lanes), c(8));
  batch = gpu::BlockIdOp::create(b, gpu::Dimension::z);
  kvHead = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value split = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  queries = memref::DimOp::create(b, q, 2);
  if (blockSize)
    table = func.getArgument(tableArg());
  keysTotal = validKeys(func);
  checkBlockTable(func, split);
  Value splits = memref::DimOp::create(b, partial, 2);
  // The split's keys: whole block steps, [split * chunk, + chunk); with a
  // window, of the keys some query may attend, [max(0, Skv - Sq - W + 1),
  // Skv).
  Value keyBegin, splitEnd, keyOffset;
  if (mods.window) {
    keyOffset = sub(keysTotal, queries); // p(i) = i + Skv - Sq
    Value rangeBegin = windowBegin(c(0), keyOffset);
    Value range = sub(keysTotal, rangeBegin);
    Value total = add(range, splits);
    Value one = c(1);
    Value rounded = sub(total, one);
    Value perSplit = arith::DivUIOp::create(b, rounded, splits);
    Value stepKeys = add(perSplit, c(step - 1));
    Value steps = div(stepKeys, step);
    Value chunk = mul(steps, c(step));
    Value offset = mul(split, chunk);
    keyBegin = minS(add(rangeBegin, offset), keysTotal);
    Value end = add(keyBegin, chunk);
    splitEnd = minS(end, keysTotal);
  } else {
    Value perSplit =
        arith::DivUIOp::create(b, sub(add(keysTotal, splits), c(1)), splits);
    Value chunk = mul(div(add(perSplit, c(step - 1)), step), c(step));
    keyBegin = minS(mul(split, chunk), keysTotal);
    splitEnd = minS(add(keyBegin, chunk), keysTotal);
    keyOffset = sub(keysTotal, queries); // p(i) = i + Skv - Sq
  }
  Value negInf = f(-INFINITY);
  auto load = [&](Value source, ValueRange indices) {
    return vector::LoadOp::create(b, rawType, source, indices,
                                  /*nontemporal=*/false, llvm::MaybeAlign(16));
  };

  auto positionLoop =
      scf::ForOp::create(b, c(0), queries, c(config.positionsPerBlock));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(positionLoop.getBody()->getTerminator());
    Value p0 = positionLoop.getInductionVar();
    SmallVector<Row> rows;
    SmallVector<SmallVector<Value>> qs;
    Value factor = f(scoreFactor());
    for (int64_t r = 0; r < rowCount; ++r) {
      rows.push_back(rowOf(p0, c(r)));
      Value qv = ifElse(
          rows[r].valid, vecType,
          [&] {
            Value raw =
                load(q, ValueRange{batch, rows[r].head, rows[r].position, d0});
            return fmul(arith::ExtFOp::create(b, vecType, raw),
                        splat(factor, 8));
          },
          [&] { return zeroOf(vecType); });
      SmallVector<Value> elements;
      for (int64_t j = 0; j < 8; ++j)
        elements.push_back(vector::ExtractOp::create(b, qv, j));
      qs.push_back(elements);
    }
    // Window: no key before the first query position's window; causal: no
    // key past the block's last query position.
    Value keyEnd = splitEnd;
    Value keyStart = keyBegin;
    if (mods.window) {
      Value firstPosition = add(p0, keyOffset);
      keyStart = windowBegin(keyBegin, firstPosition);
    }
    if (causal) {
      Value lastPosition =
          minS(add(p0, c(config.positionsPerBlock - 1)), sub(queries, c(1)));
      keyEnd =
          maxI(keyStart, minS(keyEnd, add(add(lastPosition, keyOffset), c(1))));
    }

    // The carried state: m and l per row, then O per row.
    SmallVector<Value> inits(rowCount, negInf);
    inits.append(rowCount, f(0));
    inits.append(rowCount, zeroOf(vecType));
    Value first = add(keyStart, mul(warp, c(step / config.warps)));
    auto keyLoop = scf::ForOp::create(b, first, keyEnd, c(step), inits);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(keyLoop.getBody());
      Value base = keyLoop.getInductionVar();
      ValueRange carried = keyLoop.getRegionIterArgs();
      // Issue every load of the step first; keys past the end read the
      // last key (in bounds) and are masked out of the softmax.
      Value lastKey = sub(keyEnd, c(1));
      SmallVector<Value> keys, kRaw, vRaw;
      // Paged: the step's block ids (one per key, for K and V) are read
      // before its K/V rows.
      SmallVector<SmallVector<Value, 4>> at;
      for (int64_t u = 0; u < perLane; ++u) {
        Value key = add(base, add(c(u * groups), group));
        if (mutation == KernelMutation::SharedOffByOne)
          key = add(key, c(1));
        keys.push_back(key);
        Value clamped = minS(key, lastKey);
        if (mutation == KernelMutation::SharedOffByOne)
          clamped = key;
        at.push_back(kvIndices(clamped, d0));
      }
      for (int64_t u = 0; u < perLane; ++u) {
        kRaw.push_back(load(k, at[u]));
        vRaw.push_back(load(v, at[u]));
      }
      // Scores: the lane's partial dot products, summed over its group.
      SmallVector<SmallVector<Value>> scores(perLane);
      for (int64_t u = 0; u < perLane; ++u) {
        Value kf = arith::ExtFOp::create(b, vecType, kRaw[u]);
        SmallVector<Value> kElements;
        for (int64_t j = 0; j < 8; ++j)
          kElements.push_back(vector::ExtractOp::create(b, kf, j));
        for (int64_t r = 0; r < rowCount; ++r) {
          Value s = fmul(qs[r][0], kElements[0]);
          for (int64_t j = 1; j < 8; ++j)
            s = fadd(s, fmul(qs[r][j], kElements[j]));
          scores[u].push_back(s);
        }
      }
      for (int64_t offset = lanes / 2; offset >= 1; offset /= 2)
        for (int64_t u = 0; u < perLane; ++u)
          for (Value &s : scores[u])
            s = fadd(s, shuffleXor(s, offset));
      SmallVector<Value> next(rowCount * 3);
      SmallVector<Value> vf;
      for (int64_t u = 0; u < perLane; ++u)
        vf.push_back(arith::ExtFOp::create(b, vecType, vRaw[u]));
      for (int64_t r = 0; r < rowCount; ++r) {
        Value tileMax = negInf;
        SmallVector<Value> masked;
        for (int64_t u = 0; u < perLane; ++u) {
          Value keep = slt(keys[u], keyEnd);
          if (causal || mods.window) {
            Value position = add(rows[r].position, keyOffset);
            if (causal)
              keep = andI(keep, le(keys[u], position));
            if (mods.window)
              keep = andI(keep, inWindow(keys[u], position));
          }
          Value score = scoreOf(scores[u][r]);
          masked.push_back(select(keep, score, negInf));
          tileMax = fmax(tileMax, masked.back());
        }
        Value oldMax = carried[r];
        Value newMax = fmax(oldMax, tileMax);
        // A row with no key so far exponentiates against 0 (no NaN).
        Value use = select(isNegInf(newMax), f(0), newMax);
        Value alpha = exp2(fsub(oldMax, use));
        Value sum = fmul(carried[rowCount + r], alpha);
        Value out = fmul(carried[2 * rowCount + r], splat(alpha, 8));
        for (int64_t u = 0; u < perLane; ++u) {
          Value p = exp2(fsub(masked[u], use));
          sum = fadd(sum, p);
          out = fadd(out, fmul(splat(p, 8), vf[u]));
        }
        next[r] = newMax;
        next[rowCount + r] = sum;
        next[2 * rowCount + r] = out;
      }
      scf::YieldOp::create(b, next);
    }
    SmallVector<Value> m, l, o;
    for (int64_t r = 0; r < rowCount; ++r) {
      m.push_back(keyLoop.getResult(r));
      l.push_back(keyLoop.getResult(rowCount + r));
      o.push_back(keyLoop.getResult(2 * rowCount + r));
    }
    // Combine the warp's lane groups (same lane j: same elements).
    for (int64_t offset = lanes; offset < config.warpSize; offset *= 2) {
      for (int64_t r = 0; r < rowCount; ++r) {
        Value otherMax = shuffleXor(m[r], offset);
        Value otherSum = shuffleXor(l[r], offset);
        SmallVector<Value> otherOut;
        for (int64_t j = 0; j < 8; ++j)
          otherOut.push_back(
              shuffleXor(vector::ExtractOp::create(b, o[r], j), offset));
        Value newMax = fmax(m[r], otherMax);
        Value use = select(isNegInf(newMax), f(0), newMax);
        Value mine = exp2(fsub(m[r], use)), theirs = exp2(fsub(otherMax, use));
        l[r] = fadd(fmul(l[r], mine), fmul(otherSum, theirs));
        Value theirOut = vector::FromElementsOp::create(b, vecType, otherOut);
        o[r] =
            fadd(fmul(o[r], splat(mine, 8)), fmul(theirOut, splat(theirs, 8)));
        m[r] = newMax;
      }
    }
    // Each warp's group 0 writes its rows: O, then m and l.
    ifThen(
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, group, c(0)), [&] {
          for (int64_t r = 0; r < rowCount; ++r) {
            Value wsRow = add(mul(warp, c(rowCount)), c(r));
            for (int64_t j = 0; j < 8; ++j)
              memref::StoreOp::create(b, vector::ExtractOp::create(b, o[r], j),
                                      ws, ValueRange{wsRow, add(d0, c(j))});
            ifThen(arith::CmpIOp::create(b, arith::CmpIPredicate::eq, d0, c(0)),
                   [&] {
                     memref::StoreOp::create(b, m[r], ws,
                                             ValueRange{wsRow, c(dims)});
                     memref::StoreOp::create(b, l[r], ws,
                                             ValueRange{wsRow, c(dims + 1)});
                   });
          }
        });
    if (mutation != KernelMutation::DropBarrier)
      gpu::BarrierOp::create(b);
    // The block's threads combine the warps: output element e of row r.
    auto combine =
        scf::ForOp::create(b, tid, c(rowCount * dims), c(config.threads()));
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPoint(combine.getBody()->getTerminator());
      Value e = combine.getInductionVar();
      Value r = div(e, dims), d = rem(e, dims);
      SmallVector<Value> maxes;
      Value largest = negInf;
      for (int64_t w = 0; w < config.warps; ++w) {
        Value wsRow = add(c(w * rowCount), r);
        maxes.push_back(
            memref::LoadOp::create(b, ws, ValueRange{wsRow, c(dims)}));
        largest = fmax(largest, maxes.back());
      }
      Value use = select(isNegInf(largest), f(0), largest);
      Value sum = f(0), out = f(0);
      for (int64_t w = 0; w < config.warps; ++w) {
        Value wsRow = add(c(w * rowCount), r);
        Value weight = exp2(fsub(maxes[w], use));
        sum =
            fadd(sum, fmul(weight, memref::LoadOp::create(
                                       b, ws, ValueRange{wsRow, c(dims + 1)})));
        out = fadd(out, fmul(weight, memref::LoadOp::create(
                                         b, ws, ValueRange{wsRow, d})));
      }
      Value empty =
          arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, sum, f(0));
      Value value = select(empty, f(0), arith::DivFOp::create(b, out, sum));
      Value position = add(p0, div(r, config.groupSize));
      Value head =
          add(mul(kvHead, c(config.groupSize)), rem(r, config.groupSize));
      ifThen(slt(position, queries), [&] {
        memref::StoreOp::create(b, value, partial,
                                ValueRange{batch, head, split, position, d});
        ifThen(
            arith::CmpIOp::create(b, arith::CmpIPredicate::eq, d, c(0)), [&] {
              // lse = (m + log2 l) ln 2, -inf for a split with no key.
              Value log2Sum = LLVM::Log2Op::create(b, f32, sum);
              Value lse =
                  select(empty, negInf, fmul(fadd(largest, log2Sum), f(M_LN2)));
              memref::StoreOp::create(b, lse, lseOut,
                                      ValueRange{batch, head, split, position});
            });
      });
    }
    // The next query rows overwrite the warps' rows.
    gpu::BarrierOp::create(b);
  }
  b.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(b);
}

void AttentionKernelBuilder::buildMerge(gpu::GPUFuncOp func) {
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  Value partial = func.getArgument(0), lse = func.getArgument(1),
        out = func.getArgument(2);
  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value head = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value row = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value splits = memref::DimOp::create(b, lse, 2);
  Value queryCount = memref::DimOp::create(b, out, 2);
  Value dims = memref::DimOp::create(b, out, 3);
  auto loop =
      scf::ForOp::create(b, tid, mul(queryCount, dims), c(config.mergeThreads));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value e = loop.getInductionVar();
  Value query = arith::DivUIOp::create(b, e, dims);
  Value d = arith::RemUIOp::create(b, e, dims);
  // One pass over the splits, kMergeUnroll at a time with every load of a
  // step issued before its first use (the split count reaches 4 x SMs /
  // (batch x KV heads): a load per split and latency each would dominate
  // a decode step); the running max, weight sum and weighted output of
  // the online softmax over the splits' lse. Steps past the last split
  // read the last one and weigh it 0.
  constexpr int64_t kMergeUnroll = 8;
  Value lastSplit = sub(splits, c(1));
  auto step = scf::ForOp::create(b, c(0), splits, c(kMergeUnroll),
                                 ValueRange{f(-INFINITY), f(0), f(0)});
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(step.getBody());
    Value s0 = step.getInductionVar();
    ValueRange carried = step.getRegionIterArgs();
    SmallVector<Value> ls, os;
    for (int64_t i = 0; i < kMergeUnroll; ++i) {
      Value s = add(s0, c(i));
      Value clamped = minS(s, lastSplit);
      Value l =
          memref::LoadOp::create(b, lse, ValueRange{row, head, clamped, query});
      os.push_back(memref::LoadOp::create(
          b, partial, ValueRange{row, head, clamped, query, d}));
      // A split past the last, or with no key, has lse -inf: weight 0.
      ls.push_back(select(slt(s, splits), l, f(-INFINITY)));
    }
    Value largest = carried[0];
    for (Value l : ls)
      largest = fmax(largest, l);
    Value base = select(isNegInf(largest), f(0), largest);
    Value rescale = exp2(fmul(fsub(carried[0], base), f(M_LOG2E)));
    Value total = fmul(carried[1], rescale);
    Value sum = fmul(carried[2], rescale);
    for (auto [l, o] : llvm::zip(ls, os)) {
      Value weight = exp2(fmul(fsub(l, base), f(M_LOG2E)));
      total = fadd(total, weight);
      sum = fadd(sum, select(isNegInf(l), f(0), fmul(weight, o)));
    }
    scf::YieldOp::create(b, ValueRange{largest, total, sum});
  }
  Value largest = step.getResult(0);
  Value value =
      select(isNegInf(largest), f(0),
             arith::DivFOp::create(b, step.getResult(2), step.getResult(1)));
  memref::StoreOp::create(b, arith::TruncFOp::create(b, elementType, value),
                          out, ValueRange{row, head, query, d});
  b.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(b);
}

namespace {
void buildKernel(OpBuilder &builder, gpu::GPUModuleOp kernelModule,
                 StringRef name, const GPUAttentionConfig &config,
                 LinearElementType elementType, AttentionKernelKind kind,
                 bool causal, double scale, KernelMutation mutation,
                 bool ragged, RaggedMutation raggedMutation, int64_t blockSize,
                 PagedMutation pagedMutation, const AttentionScoreMods &mods) {
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(kernelModule.getBody());
  ImplicitLocOpBuilder b(kernelModule.getLoc(), builder);
  Type type = elementType == LinearElementType::F16 ? Type(b.getF16Type())
                                                    : b.getBF16Type();
  Type f32 = b.getF32Type();
  int64_t dyn = ShapedType::kDynamic;
  auto rank4 = MemRefType::get({dyn, dyn, dyn, dyn}, type);
  auto partialType = MemRefType::get({dyn, dyn, dyn, dyn, dyn}, f32);
  auto lseType = MemRefType::get({dyn, dyn, dyn, dyn}, f32);
  SmallVector<Type> arguments;
  SmallVector<Type> workgroups;
  SmallVector<int64_t> grid;
  int64_t threads = config.threads();
  if (kind == AttentionKernelKind::Merge) {
    // Partial outputs [B, Hq, splits, Sq, Dv], lse [B, Hq, splits, Sq],
    // O [B, Hq, Sq, Dv]; a block per (query head, batch row).
    arguments = {partialType, lseType, rank4};
    grid = {2, 1, 1, 2, 0, 1};
    threads = config.mergeThreads;
  } else {
    arguments = {rank4, rank4, rank4};
    // kv_lengths [B] i32 after V; the status word [1] i32 last.
    auto i32 = b.getI32Type();
    if (ragged)
      arguments.push_back(MemRefType::get({dyn}, i32));
    // The block table [B, MaxBlocks] i32 after kv_lengths.
    if (blockSize)
      arguments.push_back(MemRefType::get({dyn, dyn}, i32));
    int64_t out = 3 + (ragged ? 1 : 0) + (blockSize ? 1 : 0);
    if (kind == AttentionKernelKind::Prefill) {
      arguments.push_back(rank4);
      // grid.x over query blocks, grid.y over KV heads, grid.z over batch.
      grid = {0, 2, config.positionsPerBlock, 1, 1, 1, 0, 0, 1};
    } else {
      arguments.push_back(partialType);
      arguments.push_back(lseType);
      // grid.x over the splits (the partial output's dimension 2).
      grid = {out, 2, 1, 1, 1, 1, 0, 0, 1};
    }
    if (ragged || blockSize)
      arguments.push_back(MemRefType::get({1}, i32));
    if (kind == AttentionKernelKind::SplitPartial && config.decode)
      workgroups = {workgroupMemRefType(
          {config.warps * config.rows(), config.valueDim + 2}, f32)};
    else if (config.wgmma)
      // Core matrices of 8 rows x 8 elements (16 bytes): K (buffer, key
      // group, d group, key, d), V^T (buffer, value group, key group,
      // value column, key), Q (row group, d group, row, d).
      workgroups = {
          workgroupMemRefType({2, config.blockKV / 8, config.headDim / 8, 8, 8},
                              type),
          workgroupMemRefType(
              {2, config.valueDim / 8, config.blockKV / 8, 8, 8}, type),
          workgroupMemRefType({8, config.headDim / 8, 8, 8}, type)};
    else if (config.asyncCopy)
      workgroups = {
          workgroupMemRefType({2, config.blockKV, config.headDim}, type),
          workgroupMemRefType({2, config.blockKV, config.valueDim}, type)};
    else
      workgroups = {
          workgroupMemRefType({config.blockKV, config.headDim}, type),
          workgroupMemRefType({config.blockKV, config.valueDim}, type)};
  }
  auto func = createKernelFunc(b, name, arguments, workgroups, threads, grid);
  // The tiled forms' K/V tiles take 16-byte cp.async copies on sm_80+.
  bool tiled = kind == AttentionKernelKind::Prefill ||
               (kind == AttentionKernelKind::SplitPartial && !config.decode);
  // wgmma: descriptors drop the low 4 bits of an address; the tiles are
  // aligned to a whole core matrix (128 bytes), as the linear kernel's.
  if (tiled && config.wgmma)
    alignWorkgroupBuffers(func, 128);
  else if (tiled && config.asyncCopy)
    alignWorkgroupBuffers(func, kAsyncCopyTileAlignment);
  AttentionKernelBuilder kernel(b, config, type, causal, scale, mutation,
                                ragged && kind != AttentionKernelKind::Merge,
                                raggedMutation, blockSize, pagedMutation, mods);
  if (kind == AttentionKernelKind::Merge)
    kernel.buildMerge(func);
  else if (kind == AttentionKernelKind::SplitPartial && config.decode)
    kernel.buildDecode(func);
  else
    kernel.buildTiled(func, kind == AttentionKernelKind::SplitPartial);
}
} // namespace

void seq::buildAttentionKernel(OpBuilder &builder,
                               gpu::GPUModuleOp kernelModule, StringRef name,
                               const GPUAttentionConfig &config,
                               LinearElementType elementType,
                               AttentionKernelKind kind, bool causal,
                               double scale, KernelMutation mutation,
                               const AttentionScoreMods &mods) {
  buildKernel(builder, kernelModule, name, config, elementType, kind, causal,
              scale, mutation, /*ragged=*/false, RaggedMutation::None,
              /*blockSize=*/0, PagedMutation::None, mods);
}

void seq::buildRaggedAttentionKernel(
    OpBuilder &builder, gpu::GPUModuleOp kernelModule, StringRef name,
    const GPUAttentionConfig &config, LinearElementType elementType,
    AttentionKernelKind kind, bool causal, double scale,
    KernelMutation mutation, RaggedMutation raggedMutation,
    const AttentionScoreMods &mods) {
  buildKernel(builder, kernelModule, name, config, elementType, kind, causal,
              scale, mutation, /*ragged=*/kind != AttentionKernelKind::Merge,
              raggedMutation, /*blockSize=*/0, PagedMutation::None, mods);
}

std::string seq::pagedAttentionSuffix(int64_t blockSize) {
  return "_paged" + std::to_string(blockSize);
}

void seq::buildPagedAttentionKernel(
    OpBuilder &builder, gpu::GPUModuleOp kernelModule, StringRef name,
    const GPUAttentionConfig &config, LinearElementType elementType,
    AttentionKernelKind kind, bool causal, double scale, bool ragged,
    int64_t blockSize, KernelMutation mutation, RaggedMutation raggedMutation,
    PagedMutation pagedMutation, const AttentionScoreMods &mods) {
  assert(kind != AttentionKernelKind::Merge && blockSize > 0 &&
         "the merge is not paged");
  buildKernel(builder, kernelModule, name, config, elementType, kind, causal,
              scale, mutation, ragged, raggedMutation, blockSize, pagedMutation,
              mods);
}
