//===- SeqAttrs.td - seq enums and attributes --------------*- tablegen -*-===//
//
// Enumerations and attributes shared by the seq operation families.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQATTRS_TD
#define SEQ_IR_SEQATTRS_TD

include "seq/IR/SeqBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

def Seq_RopeStyle : I32EnumAttr<"RopeStyle", "rotary embedding pairing", [
    I32EnumAttrCase<"NeoX", 0, "neox">,
    I32EnumAttrCase<"GPTJ", 1, "gptj">
  ]> {
  let cppNamespace = "::mlir::seq";
  let genSpecializedAttr = 0;
}
def Seq_RopeStyleAttr : EnumAttr<Seq_Dialect, Seq_RopeStyle, "rope_style"> {
  let assemblyFormat = "`<` $value `>`";
}

def Seq_RouterScoring : I32EnumAttr<"RouterScoring", "MoE router scoring", [
    I32EnumAttrCase<"Softmax", 0, "softmax">,
    I32EnumAttrCase<"TopKSoftmax", 1, "topk_softmax">,
    I32EnumAttrCase<"Sigmoid", 2, "sigmoid">
  ]> {
  let cppNamespace = "::mlir::seq";
  let genSpecializedAttr = 0;
}
def Seq_RouterScoringAttr
    : EnumAttr<Seq_Dialect, Seq_RouterScoring, "router_scoring"> {
  let assemblyFormat = "`<` $value `>`";
}

def Seq_FfnActivation : I32EnumAttr<"FfnActivation",
    "expert feed-forward activation", [
    I32EnumAttrCase<"SwiGLU", 0, "swiglu">,
    I32EnumAttrCase<"GeGLU", 1, "geglu">,
    I32EnumAttrCase<"GeLU", 2, "gelu">
  ]> {
  let cppNamespace = "::mlir::seq";
  let genSpecializedAttr = 0;
}
def Seq_FfnActivationAttr
    : EnumAttr<Seq_Dialect, Seq_FfnActivation, "ffn_activation"> {
  let assemblyFormat = "`<` $value `>`";
}

def Seq_QuantFormat : I32EnumAttr<"QuantFormat",
    "GGUF packed weight format", [
    // Values are ggml's type ids (enum ggml_type).
    I32EnumAttrCase<"F16", 1, "f16">,
    I32EnumAttrCase<"Q4_0", 2, "q4_0">,
    I32EnumAttrCase<"Q4_1", 3, "q4_1">,
    I32EnumAttrCase<"Q8_0", 8, "q8_0">,
    I32EnumAttrCase<"Q4_K", 12, "q4_k">,
    I32EnumAttrCase<"Q6_K", 14, "q6_k">,
    I32EnumAttrCase<"BF16", 30, "bf16">
  ]> {
  let cppNamespace = "::mlir::seq";
  let genSpecializedAttr = 0;
}
def Seq_QuantFormatAttr
    : EnumAttr<Seq_Dialect, Seq_QuantFormat, "quant_format"> {
  let summary = "GGUF packed weight format";
  let description = [{
    How a packed weight row stores its values: back-to-back blocks with
    exactly ggml's byte layout (`ggml-common.h`), little-endian. A block
    holds 32 consecutive elements of a row (`q8_0`, `q4_0`, `q4_1`), 256
    (the K-quant super-blocks `q4_k`, `q6_k`) or a single element (the
    half-precision floats `f16`, `bf16`).

    | format | bytes | block layout | element `j` of a block |
    | --- | --- | --- | --- |
    | `f16` | 2 | `f16 v` | `v` (IEEE binary16) |
    | `bf16` | 2 | `bf16 v` | `v` (bfloat16, the top half of an f32) |
    | `q8_0` | 34 | `f16 d; i8 qs[32]` | `d * qs[j]` |
    | `q4_0` | 18 | `f16 d; u8 qs[16]` | `d * (nibble(j) - 8)` |
    | `q4_1` | 20 | `f16 d, m; u8 qs[16]` | `d * nibble(j) + m` |
    | `q4_k` | 144 | `f16 d, dmin; u8 scales[12]; u8 qs[128]` | `d * sc(s) * q4(j) - dmin * mn(s)` |
    | `q6_k` | 210 | `u8 ql[128], qh[64]; i8 scales[16]; f16 d` | `d * scales[j / 16] * (q6(j) - 32)` |

    `nibble(j)` is the low nibble of `qs[j]` for `j < 16` and the high
    nibble of `qs[j - 16]` otherwise.

    `q4_k` has 8 sub-blocks of 32 elements, `s = j / 32`, with 6-bit scales
    `sc(s)` and mins `mn(s)` packed in `scales` (ggml's `get_scale_min_k4`:
    for `s < 4` the low 6 bits of `scales[s]` and `scales[s + 4]`, otherwise
    the nibbles of `scales[s + 4]` with the top 2 bits of `scales[s - 4]`
    and `scales[s]`). `q4(j)` is the low nibble of `qs[32 * (s / 2) + j % 32]`
    for even `s` and its high nibble for odd `s`.

    `q6_k` has 16 sub-blocks of 16 elements. With `j = 128 * n + 32 * q + l`
    (`l < 32`), `q6(j)` is the 6-bit value whose low 4 bits are the low
    (`q < 2`) or high (`q >= 2`) nibble of `ql[64 * n + 32 * (q % 2) + l]` and
    whose high 2 bits are bits `2q, 2q + 1` of `qh[32 * n + l]`.

    A packed `[N, K]` matrix is the i8 tensor `[N, K / elements * bytes]`,
    the bytes of a GGUF tensor as stored.

    ```mlir
    #seq.quant_format<q4_1>
    ```
  }];
  let assemblyFormat = "`<` $value `>`";
}

// An f32 attribute parameter with a default, printed and parsed as a plain
// float literal.
class Seq_F32Param<string default, string desc>
    : AttrOrTypeParameter<"::llvm::APFloat", desc> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    ::llvm::APFloat value(0.0f);
    if ($_parser.parseFloat(::llvm::APFloat::IEEEsingle(), value))
      return ::mlir::failure();
    return value;
  }() }];
  let printer = [{ $_printer.printFloat($_self) }];
  let defaultValue = "::llvm::APFloat(" # default # "f)";
}

def Seq_SamplingAttr : Seq_Attr<"Sampling", "sampling"> {
  let summary = "Token sampling parameters";
  let description = [{
    How a token is drawn from a row of logits. `temperature = 0.0` is greedy
    decoding (argmax, lowest index on ties). Otherwise logits are divided by
    the temperature, restricted to the `top_k` largest (`0` = no limit), then
    to the smallest set whose probability mass reaches `top_p` (`1.0` = no
    limit), and a token is drawn with a counter-based Philox-4x32-10 generator
    keyed by the seed operand and counted by (step, batch row), so results
    are reproducible across runs, threads and targets.

    ```mlir
    #seq.sampling<temperature = 0.7, top_k = 40, top_p = 0.9>
    #seq.sampling<>   // greedy
    ```
  }];
  let parameters = (ins
    Seq_F32Param<"0.0", "softmax temperature; 0 is greedy">:$temperature,
    DefaultValuedParameter<"int64_t", "0", "top-k limit; 0 is none">:$top_k,
    Seq_F32Param<"1.0", "nucleus mass; 1 is none">:$top_p
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    bool isGreedy() const { return getTemperature().isZero(); }
  }];
}

#endif // SEQ_IR_SEQATTRS_TD
