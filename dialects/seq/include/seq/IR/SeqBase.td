//===- SeqBase.td - seq dialect definition -----------------*- tablegen -*-===//
//
// The `seq` dialect: first-class operations for what sequence models do.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQBASE_TD
#define SEQ_IR_SEQBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Seq_Dialect : Dialect {
  let name = "seq";
  let cppNamespace = "::mlir::seq";
  let summary = "Sequence-model operations: attention, scans, MoE, decoding";
  let description = [{
    The `seq` dialect captures the operations that make sequence models
    special as single, analysable operations, so that the compiler (not the
    model author) decides how they are tiled and fused:

    * attention with grouped heads, causal/sliding-window masking, softcap,
      ragged and paged KV caches, and FlexAttention-style score and mask
      regions (`seq.attention`, `seq.cache_write`);
    * linear recurrences with a structured iteration space
      (`seq.scan`, `seq.scan_step`);
    * mixture-of-experts routing with ragged per-expert groups
      (`seq.moe_route`, `seq.moe_dispatch`, `seq.grouped_matmul`,
      `seq.moe_experts`);
    * autoregressive generation with carried state and sampling
      (`seq.decode_loop`, `seq.sample`);
    * the model-specific rest of a graph: named parameters bound at load
      time, RMSNorm/LayerNorm, rotary embeddings, embeddings, linear layers
      and gated activations;
    * GGUF block-quantized weights computed natively
      (`seq.quantized_linear`, `seq.quantized_embedding`).

    Everything else (elementwise maths, reshapes, transposes) uses upstream
    `arith`, `math`, `tensor` and `linalg`. All operations have value
    (tensor) semantics. The canonical activation layout for attention is
    `[batch, heads, seq, head_dim]` (BHSD).
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 0;
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

class Seq_Op<string mnemonic, list<Trait> traits = []>
    : Op<Seq_Dialect, mnemonic, traits>;

class Seq_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Seq_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

// Floating-point element types that seq operations compute in. Storage may
// be bf16/f16; accumulation is always at least f32.
def Seq_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;
def Seq_F32Tensor : RankedTensorOf<[F32]>;
def Seq_IndexTensor : RankedTensorOf<[I32]>;
// Block-quantized weights packed as bytes (see #seq.quant_format).
def Seq_PackedTensor : RankedTensorOf<[I8]>;
// What a parameter may hold: float weights or packed quantized ones.
def Seq_ParameterTensor : RankedTensorOf<[F32, F16, BF16, I8]>;

#endif // SEQ_IR_SEQBASE_TD
