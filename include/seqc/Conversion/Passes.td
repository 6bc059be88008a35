//===- Passes.td - seq conversion passes -------------------*- tablegen -*-===//
//
// Passes that lower seq ops towards executable code.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_CONVERSION_PASSES_TD
#define SEQC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSeqToLoops : Pass<"convert-seq-to-loops", "::mlir::ModuleOp"> {
  let summary = "Lower seq ops to IO-aware tiled loops over buffers";
  let description = [{
    Rewrites every seq op into explicit loops that read its operands'
    buffers (`bufferization.to_buffer`) and write a freshly allocated result
    (`bufferization.to_tensor`), so that one-shot bufferization can finish
    the function. The loops are the *tiled IR* shared by all targets:
    `scf.forall` over independent tiles (batch, heads, query blocks, KV
    splits) and `scf.for` inside a tile, with tile-local scratch buffers
    whose sizes are chosen per op family and target in one place
    (`selectTiling`, include/seqc/Target/KernelDispatch.h); the options
    below override single choices.

    * `seq.attention`: flash attention. Each `(batch, head, query block,
      KV split)` tile streams KV blocks of `key-tile` keys, keeping a
      running max and sum per query row and rescaling its accumulator
      (online softmax); scores exist only for one `query-tile x key-tile`
      block. Causal and window bounds skip whole KV blocks; `score_mod` and
      `mask_mod` are inlined at the score. When there are fewer query
      blocks than `min-parallel-tiles` (decode), the KV range is split
      across tiles and partial results are merged by log-sum-exp.
    * `seq.swiglu` of two `seq.linear`s of the same input (a gated MLP):
      both projections and the activation in one loop nest; the gate and
      up activations are never written.
    * `seq.linear` of a `seq.rms_norm`: the row's 1/rms is computed in the
      tile and applied while reading the input; the normalised activations
      are never written.
    * Model ops (`seq.linear`, norms, rope, embedding, activations,
      `seq.cache_write`, `seq.get_parameter`) become parallel loop nests
      with contiguous inner loops.
  }];
  let options = [
    Option<"queryTile", "query-tile", "int64_t", "-1",
           "Query rows per attention tile (default: the target's)">,
    Option<"keyTile", "key-tile", "int64_t", "-1",
           "Keys per attention KV block (default: the target's)">,
    Option<"minParallelTiles", "min-parallel-tiles", "int64_t", "-1",
           "Split the KV range when there are fewer independent tiles "
           "(default: the target's)">,
    Option<"minKeysPerSplit", "min-keys-per-split", "int64_t", "-1",
           "Smallest KV range worth a split of its own (default: the "
           "target's)">,
    Option<"vectorWidth", "vector-width", "int64_t", "-1",
           "f32 lanes for the vector-dialect kernels (0: scalar loops; "
           "default: the target's)">,
    Option<"scanChunk", "scan-chunk", "int64_t", "-1",
           "Steps per chunk of Mamba-2 scans' chunked matmul (SSD) form "
           "(0: the recurrence; default: the target's)">,
    Option<"quantActivations", "quant-activations", "std::string", "\"f32\"",
           "Activations of q8_0/q4_0/q4_1 projections: f32, or int8 "
           "(quantized per 32-element block, integer dot products)">,
    Option<"x86Avx2", "x86-avx2", "bool", "false",
           "The target has AVX2 (int8 dot products with vpmaddubsw)">,
    Option<"x86Avx512Bf16", "x86-avx512bf16", "bool", "false",
           "The target has AVX512_BF16 (bf16 dot products with vdpbf16ps)">,
    Option<"runtimeChecks", "runtime-checks", "bool", "true",
           "Check dynamic extents and index data at run time (status 1-4); "
           "false only to measure what the checks cost">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::vector::VectorDialect", "::mlir::x86vector::X86VectorDialect"
  ];
}

#endif // SEQC_CONVERSION_PASSES_TD
