//===- SeqQuantOps.td - block-quantized weights ------------*- tablegen -*-===//
//
// Linear layers and embedding lookups over GGUF block-quantized weights,
// kept packed in memory and unpacked block by block while computing.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQQUANTOPS_TD
#define SEQ_IR_SEQQUANTOPS_TD

include "seq/IR/SeqAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_QuantizedLinearOp : Seq_Op<"quantized_linear", [Pure]> {
  let summary = "Linear layer y = x dequant(W)^T + b over packed weights";
  let description = [{
    `input` `[..., K]` f32, `weight` the packed `[N, K]` matrix as the i8
    tensor `[N, RB]` with `RB = K / blockElements * blockBytes` of
    `format` (GGUF's bytes: each row is its blocks back to back), optional
    `bias` `[N]`, `output` `[..., N]`. `K` must be a whole number of blocks.

    The weights are never expanded in memory: the lowering unpacks each
    block in registers and accumulates in f32, reading every weight byte
    once per tile of rows.

    ```mlir
    %y = seq.quantized_linear %x, %w bias(%b : tensor<1536xf32>)
        {format = #seq.quant_format<q4_1>}
        : tensor<1x7x576xf32>, tensor<1536x360xi8> -> tensor<1x7x1536xf32>
    ```
  }];
  let arguments = (ins Seq_F32Tensor:$input, Seq_PackedTensor:$weight,
                       Optional<Seq_F32Tensor>:$bias,
                       Seq_QuantFormatAttr:$format);
  let results = (outs Seq_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict
    `:` type($input) `,` type($weight) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Seq_QuantizedEmbeddingOp : Seq_Op<"quantized_embedding", [Pure]> {
  let summary = "Token embedding lookup in a packed, block-quantized table";
  let description = [{
    `output[..., :] = dequant(table)[ids[...], :]` with `table` the packed
    `[V, D]` matrix as the i8 tensor `[V, RB]`, `D = RB / blockBytes *
    blockElements` of `format`, and `ids` of any shape; ids outside
    `[0, V)` are a run-time error reported by the runtime (as for
    `seq.embedding`). With a tied LM head the same parameter also feeds
    `seq.quantized_linear`.

    ```mlir
    %h = seq.quantized_embedding %table, %ids
        {format = #seq.quant_format<q8_0>}
        : tensor<49152x612xi8>, tensor<1x7xi32> -> tensor<1x7x576xf32>
    ```
  }];
  let arguments = (ins Seq_PackedTensor:$table, Seq_IndexTensor:$ids,
                       Seq_QuantFormatAttr:$format);
  let results = (outs Seq_F32Tensor:$output);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` type($table) `,` type($ids) `->`
    type($output)
  }];
  let hasVerifier = 1;
}

#endif // SEQ_IR_SEQQUANTOPS_TD
