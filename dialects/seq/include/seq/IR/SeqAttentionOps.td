//===- SeqAttentionOps.td - attention and KV cache ops -----*- tablegen -*-===//
//
// Attention (MHA/GQA/MQA, causal, sliding window, softcap, ragged and paged
// KV, score/mask regions), KV-cache writes and the shared region terminator.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQATTENTIONOPS_TD
#define SEQ_IR_SEQATTENTIONOPS_TD

include "seq/IR/SeqBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def Seq_YieldOp : Seq_Op<"yield", [Pure, ReturnLike, Terminator,
    ParentOneOf<["AttentionOp", "ScanOp", "ScanStepOp", "DecodeLoopOp",
               "SpeculativeDecodeLoopOp", "TreeSpeculativeDecodeLoopOp",
               "BeamSearchLoopOp"]>]> {
  let summary = "Terminates a seq region and yields its values";
  let description = [{
    Returns values from the region of a `seq` operation: the modified score
    (`score_mod`) or the keep bit (`mask_mod`) of `seq.attention`, the
    `(decay, input)` pair of a scan step or its readout value, and the
    logits plus new carried state of a decode-loop or beam-search body.

    ```mlir
    seq.yield %score : f32
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

def Seq_AttentionOp : Seq_Op<"attention", [RecursiveMemoryEffects,
    AttrSizedOperandSegments]> {
  let summary = "Scaled dot-product attention with grouped heads";
  let description = [{
    Computes `softmax(mod(scale * Q K^T) masked) V` per batch row and query
    head, in the canonical BHSD layout:

    * `query` `[B, Hq, Sq, D]`, `key` `[B, Hkv, Skv, D]`,
      `value` `[B, Hkv, Skv, Dv]`, `output` `[B, Hq, Sq, Dv]`.
    * `Hq` must be a multiple of `Hkv`: query head `h` reads key/value head
      `h / (Hq / Hkv)` (MHA when equal, GQA, MQA when `Hkv = 1`). K and V are
      never broadcast in the IR.
    * `scale` defaults to `1/sqrt(D)`.
    * Positions are aligned bottom-right: with `L` valid keys for a batch row
      (`Skv`, or `kv_lengths[b]` when given), query `i` sits at key position
      `p(i) = L - Sq + i`. This is what prefill, chunked prefill and decode
      against a KV cache all need.
    * `causal` keeps keys `j <= p(i)`; `window(W)` keeps keys
      `j > p(i) - W` (a left sliding window of `W` keys, the current one
      included); keys `j >= L` are always masked.
    * `softcap(c)` replaces a score `s` by `c * tanh(s / c)` (Gemma-2 style),
      applied after `scale` and before `score_mod`.
    * `kv_lengths` (`[B]` i32) gives ragged per-row KV lengths.
    * `block_table` (`[B, MaxBlocks]` i32) makes `key`/`value` paged caches
      of shape `[NumBlocks, Hkv, BlockSize, D]`: logical key `j` of row `b`
      lives in block `block_table[b, j / BlockSize]` at slot
      `j % BlockSize`. The logical KV length is `MaxBlocks * BlockSize`, so
      a paged attention normally also has `kv_lengths`.
    * `score_mod` is a region `(b, h, q_idx, kv_idx : index, score : f32)
      -> f32` applied to each scaled score (ALiBi, relative biases, ...).
      `q_idx` is the query row `i` (not `p(i)`), `kv_idx` the key position.
    * `mask_mod` is a region `(b, h, q_idx, kv_idx : index) -> i1`; a key is
      attended only where it yields true (document masks, block-causal,
      neighbourhood windows, ...). Both regions are evaluated per score
      inside the tiled loop; no mask or bias tensor is ever built. They may
      capture values from above (e.g. ALiBi slopes).
    * A fully masked query row produces zeros and an `lse` of `-inf`.
    * The optional second result is the log-sum-exp of the (modified)
      scores per query, `[B, Hq, Sq]` f32, for merging partial results.

    Scores and softmax are computed in f32 whatever the storage type.
    `key` and `value` share an element type, which may be narrower than
    the query's (f32 activations on a bf16 or f16 KV cache: each key and
    value is widened as it is read); `output` has the query's.

    ```mlir
    %o = seq.attention %q, %k, %v causal window(4096)
        : tensor<1x32x128x128xbf16>, tensor<1x8x128x128xbf16>,
          tensor<1x8x128x128xbf16> -> tensor<1x32x128x128xbf16>

    // ALiBi as a score region, decode against a ragged cache, with LSE.
    %o2, %lse = seq.attention %q1, %kc, %vc kv_lengths(%len : tensor<2xi32>)
        causal score_mod {
      ^bb0(%b: index, %h: index, %i: index, %j: index, %s: f32):
        %slope = tensor.extract %slopes[%h] : tensor<8xf32>
        %ii = arith.index_cast %i : index to i64
        %jj = arith.index_cast %j : index to i64
        %d = arith.subi %jj, %ii : i64
        %df = arith.sitofp %d : i64 to f32
        %bias = arith.mulf %slope, %df : f32
        %r = arith.addf %s, %bias : f32
        seq.yield %r : f32
      } : tensor<2x8x1x64xf32>, tensor<2x8x4096x64xf32>,
          tensor<2x8x4096x64xf32>
        -> tensor<2x8x1x64xf32>, tensor<2x8x1xf32>
    ```
  }];
  let arguments = (ins
    Seq_FloatTensor:$query,
    Seq_FloatTensor:$key,
    Seq_FloatTensor:$value,
    Optional<Seq_IndexTensor>:$kv_lengths,
    Optional<Seq_IndexTensor>:$block_table,
    OptionalAttr<F32Attr>:$scale,
    UnitAttr:$causal,
    OptionalAttr<I64Attr>:$window,
    OptionalAttr<F32Attr>:$softcap
  );
  let results = (outs
    Seq_FloatTensor:$output,
    Optional<RankedTensorOf<[F32]>>:$lse
  );
  let regions = (region MaxSizedRegion<1>:$score_mod,
                        MaxSizedRegion<1>:$mask_mod);
  let assemblyFormat = [{
    $query `,` $key `,` $value
    (`kv_lengths` `(` $kv_lengths^ `:` type($kv_lengths) `)`)?
    (`block_table` `(` $block_table^ `:` type($block_table) `)`)?
    (`scale` `(` $scale^ `)`)?
    (`causal` $causal^)?
    (`window` `(` $window^ `)`)?
    (`softcap` `(` $softcap^ `)`)?
    (`score_mod` $score_mod^)?
    (`mask_mod` $mask_mod^)?
    attr-dict `:` type($query) `,` type($key) `,` type($value)
    `->` type(results)
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// Whether `key`/`value` are paged caches read through `block_table`.
    bool isPaged() { return static_cast<bool>(getBlockTable()); }
    /// The scale applied to Q K^T: the attribute, or 1/sqrt(D).
    float getEffectiveScale();
    /// Number of query heads that share one key/value head.
    int64_t getGroupSize();
  }];
}

def Seq_CacheWriteOp : Seq_Op<"cache_write", [Pure,
    AllTypesMatch<["cache", "result"]>]> {
  let summary = "Writes new keys or values into a KV cache at positions";
  let description = [{
    Returns `cache` with `update[b, h, s, :]` stored at logical position
    `positions[b] + s` of batch row `b`, for every head `h`.

    * Contiguous cache: `cache` `[B, H, Capacity, D]`,
      `update` `[B, H, S, D]`.
    * Paged cache (with `block_table` `[B, MaxBlocks]` i32): `cache`
      `[NumBlocks, H, BlockSize, D]`; logical position `p` of row `b` is
      slot `p % BlockSize` of block `block_table[b, p / BlockSize]`.

    Positions must satisfy `positions[b] + S <= capacity`; the CPU and GPU
    lowerings check this at run time and report an error rather than write
    out of bounds. Keys and values use one `seq.cache_write` each; a layer's
    cache is simply the pair of tensors, carried through `seq.decode_loop`.

    ```mlir
    %kc2 = seq.cache_write %kc, %k_new at %pos
        : tensor<2x8x4096x64xbf16>, tensor<2x8x1x64xbf16>, tensor<2xi32>
    %kp2 = seq.cache_write %kp, %k_new at %pos
        block_table(%bt : tensor<2x256xi32>)
        : tensor<512x8x16x64xbf16>, tensor<2x8x1x64xbf16>, tensor<2xi32>
    ```
  }];
  let arguments = (ins
    Seq_FloatTensor:$cache,
    Seq_FloatTensor:$update,
    Seq_IndexTensor:$positions,
    Optional<Seq_IndexTensor>:$block_table
  );
  let results = (outs Seq_FloatTensor:$result);
  let assemblyFormat = [{
    $cache `,` $update `at` $positions
    (`block_table` `(` $block_table^ `:` type($block_table) `)`)?
    attr-dict `:` type($cache) `,` type($update) `,` type($positions)
  }];
  let hasVerifier = 1;
}

#endif // SEQ_IR_SEQATTENTIONOPS_TD
