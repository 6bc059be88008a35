//===- SeqModelOps.td - parameters, norms, rope, linear ----*- tablegen -*-===//
//
// The model-specific rest of a graph: parameters bound at load time,
// normalisation, rotary embeddings, embedding lookup, linear layers and
// gated activations.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQMODELOPS_TD
#define SEQ_IR_SEQMODELOPS_TD

include "seq/IR/SeqAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Seq_ParameterOp : Seq_Op<"parameter", [Symbol,
    HasParent<"::mlir::ModuleOp">]> {
  let summary = "Declares a named model parameter bound at load time";
  let description = [{
    Declares a weight tensor that is *not* part of the IR: the runtime binds
    it at load time from a weights file (safetensors) by `key`, checking
    shape and dtype. The symbol is what functions refer to with
    `seq.get_parameter`.

    ```mlir
    seq.parameter @wq "model.layers.0.self_attn.q_proj.weight"
        : tensor<4096x4096xbf16>
    ```

    With `quant`, the parameter is a block-quantized matrix packed as GGUF
    stores it: an i8 tensor `[N, RB]` whose rows are `RB / blockBytes`
    blocks (see `#seq.quant_format`), read by `seq.quantized_linear` and
    `seq.quantized_embedding`. It is bound as those bytes (never expanded
    to f32), and the artifact metadata records the format as the
    parameter's `encoding`.

    ```mlir
    seq.parameter @wq "blk.0.attn_q.weight" {quant = #seq.quant_format<q4_1>}
        : tensor<576x360xi8>
    ```

    With `parts`, the parameter is stacked at bind time from checkpoint
    tensors that hold one slice of its first dimension each (Mixtral's and
    Qwen2-MoE's per-expert weights into the `[E, N, K]` operands of
    `seq.moe_experts`): part `i` has the type's shape without its first
    dimension and fills `[i]`. The runtime copies the parts into one buffer
    once, when they are bound, so the forward function never concatenates
    them. `key` names the whole tensor (a checkpoint that stores it stacked
    binds it directly); `parts` must list one key per row and cannot be
    combined with `quant`.

    ```mlir
    seq.parameter @w1 "model.layers.0.block_sparse_moe.experts.w1.weight" {
        parts = ["model.layers.0.block_sparse_moe.experts.0.w1.weight",
                 "model.layers.0.block_sparse_moe.experts.1.w1.weight"]}
        : tensor<2x64x32xf32>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$key,
                       TypeAttrOf<Seq_ParameterTensor>:$type,
                       OptionalAttr<Seq_QuantFormatAttr>:$quant,
                       OptionalAttr<StrArrayAttr>:$parts);
  let assemblyFormat = "$sym_name $key attr-dict `:` $type";
  let hasVerifier = 1;
}

def Seq_GetParameterOp : Seq_Op<"get_parameter", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Reads a model parameter";
  let description = [{
    The value of a `seq.parameter`; the result type must equal the declared
    type.

    ```mlir
    %wq = seq.get_parameter @wq : tensor<4096x4096xbf16>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs Seq_ParameterTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def Seq_RMSNormOp : Seq_Op<"rms_norm", [Pure,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "Root-mean-square normalisation over the last dimension";
  let description = [{
    `output = input / sqrt(mean(input^2, -1) + epsilon) * weight` with the
    statistics in f32 (Llama, Mistral, Mamba). `weight` is `[D]`.

    ```mlir
    %y = seq.rms_norm %x, %w {epsilon = 1.0e-05 : f32}
        : tensor<2x16x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Seq_FloatTensor:$input, Seq_FloatTensor:$weight,
                       DefaultValuedAttr<F32Attr, "1.0e-6">:$epsilon);
  let results = (outs Seq_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def Seq_LayerNormOp : Seq_Op<"layer_norm", [Pure,
    AllTypesMatch<["input", "output"]>]> {
  let summary = "Layer normalisation over the last dimension";
  let description = [{
    `output = (input - mean) / sqrt(var + epsilon) * weight + bias` over
    the last dimension, statistics in f32; `bias` is optional.

    ```mlir
    %y = seq.layer_norm %x, %w bias(%b : tensor<64xf32>)
        : tensor<2x16x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Seq_FloatTensor:$input, Seq_FloatTensor:$weight,
                       Optional<Seq_FloatTensor>:$bias,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Seq_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict
    `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def Seq_RopeOp : Seq_Op<"rope", [Pure, AllTypesMatch<["input", "output"]>]> {
  let summary = "Rotary position embedding";
  let description = [{
    Rotates pairs of channels of `input` `[B, H, S, D]` by
    `positions[b, s] * theta^(-2i / R)` where `R = rotary_dim` (default
    `D`; partial rotary leaves channels `R..D` unchanged).

    * `style = neox` pairs channel `i` with `i + R/2` (rotate-half; Llama,
      Mistral, GPT-NeoX).
    * `style = gptj` pairs channels `2i` and `2i + 1` (GPT-J, interleaved).

    `positions` is `[B, S]` i32, so prefill, decode and ragged batches all
    pass their own absolute positions.

    `inv_freq` (`R/2` finite, positive f32s) replaces the inverse
    frequencies `theta^(-2i / R)`: pair `i` is rotated by
    `positions[b, s] * inv_freq[i]` and `theta` is not used. Scaled RoPE
    variants that only change the frequencies (Llama-3's `llama3`,
    `linear`) are this attribute, computed by the importer as Hugging Face
    computes them.

    `ntk_factor` and `ntk_max_positions` (both or neither, not with
    `inv_freq`) make it dynamic NTK scaling (Hugging Face's `rope_type:
    dynamic`), whose frequencies depend on the call: with `L` one more
    than the largest position in `positions` (over every row), when
    `L > ntk_max_positions` the base becomes
    `theta * (ntk_factor * L / ntk_max_positions - (ntk_factor - 1))
    ^ (R / (R - 2))` (computed in f32), otherwise it stays `theta`. Every
    pair of every row uses the frequencies of that one base, so a key
    keeps the rotation of the call that wrote it (a decode step after a
    long prefill rotates with its own `L`), as transformers does.

    ```mlir
    %qr = seq.rope %q, %pos {theta = 500000.0 : f32,
                             style = #seq.rope_style<neox>}
        : tensor<1x32x16x128xbf16>, tensor<1x16xi32>
    %kr = seq.rope %k, %pos {inv_freq = array<f32: 1.0, 0.1, 0.01, 0.001>}
        : tensor<1x8x16x8xf32>, tensor<1x16xi32>
    %dr = seq.rope %k, %pos {ntk_factor = 2.0 : f32, ntk_max_positions = 4096}
        : tensor<1x8x16x8xf32>, tensor<1x16xi32>
    ```
  }];
  let arguments = (ins Seq_FloatTensor:$input, Seq_IndexTensor:$positions,
                       DefaultValuedAttr<F32Attr, "10000.0">:$theta,
                       DefaultValuedAttr<Seq_RopeStyleAttr,
                                         "RopeStyle::NeoX">:$style,
                       OptionalAttr<I64Attr>:$rotary_dim,
                       OptionalAttr<DenseF32ArrayAttr>:$inv_freq,
                       OptionalAttr<F32Attr>:$ntk_factor,
                       OptionalAttr<I64Attr>:$ntk_max_positions);
  let results = (outs Seq_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Seq_EmbeddingOp : Seq_Op<"embedding", [Pure]> {
  let summary = "Token embedding lookup";
  let description = [{
    `output[..., :] = table[ids[...], :]` with `table` `[V, D]` and `ids`
    of any shape; ids outside `[0, V)` are a run-time error reported by
    the runtime.

    ```mlir
    %h = seq.embedding %table, %ids
        : tensor<32000x4096xbf16>, tensor<1x16xi32> -> tensor<1x16x4096xbf16>
    ```
  }];
  let arguments = (ins Seq_FloatTensor:$table, Seq_IndexTensor:$ids);
  let results = (outs Seq_FloatTensor:$output);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` type($table) `,` type($ids) `->`
    type($output)
  }];
  let hasVerifier = 1;
}

def Seq_LinearOp : Seq_Op<"linear", [Pure]> {
  let summary = "Linear layer y = x W^T + b";
  let description = [{
    `input` `[..., K]`, `weight` `[N, K]` (the PyTorch/safetensors layout,
    so checkpoints bind without a transpose), optional `bias` `[N]`,
    `output` `[..., N]`. Accumulation is f32.

    ```mlir
    %y = seq.linear %x, %w : tensor<2x16x64xf32>, tensor<128x64xf32>
        -> tensor<2x16x128xf32>
    ```
  }];
  let arguments = (ins Seq_FloatTensor:$input, Seq_FloatTensor:$weight,
                       Optional<Seq_FloatTensor>:$bias);
  let results = (outs Seq_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict
    `:` type($input) `,` type($weight) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Seq_SwiGLUOp : Seq_Op<"swiglu", [Pure, SameOperandsAndResultType]> {
  let summary = "Gated SiLU: silu(gate) * up";
  let description = [{
    `output = gate * sigmoid(gate) * up`, elementwise.

    ```mlir
    %h = seq.swiglu %g, %u : tensor<2x16x256xf32>
    ```
  }];
  let arguments = (ins Seq_FloatTensor:$gate, Seq_FloatTensor:$up);
  let results = (outs Seq_FloatTensor:$output);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($output)";
}

def Seq_GeLUOp : Seq_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    Exact GELU `x * (1 + erf(x / sqrt(2))) / 2`, or with `approximate` the
    tanh approximation used by GPT-2 and Gemma.

    ```mlir
    %h = seq.gelu %x approximate : tensor<2x16x256xf32>
    ```
  }];
  let arguments = (ins Seq_FloatTensor:$input, UnitAttr:$approximate);
  let results = (outs Seq_FloatTensor:$output);
  let assemblyFormat = [{
    $input (`approximate` $approximate^)? attr-dict `:` type($output)
  }];
}

#endif // SEQ_IR_SEQMODELOPS_TD
