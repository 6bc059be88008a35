//===- SeqScanOps.td - linear recurrence ops ---------------*- tablegen -*-===//
//
// First-class linear recurrences h_t = a_t * h_{t-1} + b_t over a structured
// iteration space (Mamba-1/2, RG-LRU, minGRU, S4D, RWKV-style decays), and
// the short causal convolution that precedes them in Mamba-style blocks.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQSCANOPS_TD
#define SEQ_IR_SEQSCANOPS_TD

include "seq/IR/SeqBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Seq_ScanLikeOp<string mnemonic, list<Trait> traits = []>
    : Seq_Op<mnemonic, !listconcat(traits, [RecursiveMemoryEffects])> {
  let arguments = (ins
    Variadic<Seq_FloatTensor>:$inputs,
    Seq_FloatTensor:$init,
    AffineMapArrayAttr:$indexing_maps,
    DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$reduction_dims
  );
  let results = (outs Seq_FloatTensor:$output, Seq_FloatTensor:$final_state);
  let regions = (region SizedRegion<1>:$step, MaxSizedRegion<1>:$readout);
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def Seq_ScanOp : Seq_ScanLikeOp<"scan"> {
  let summary = "Elementwise linear recurrence over a sequence";
  let description = [{
    Evaluates `h[t] = a[t] * h[t-1] + b[t]` for every element of a state
    `h` of shape `[B, S1, ..., Sk]` (`init` is `h[-1]`), over `T` steps.

    The iteration space is `(b, t, s1, ..., sk)`. Each input is read through
    its `indexing_maps` entry (a projection of the iteration space, as in
    `linalg.generic`), which is how inputs broadcast: Mamba's `A` `[D, N]`
    uses `(b, t, d, n) -> (d, n)`, its `B` `[B, T, N]` uses
    `(b, t, d, n) -> (b, t, n)`, a per-head scalar decay uses
    `(b, t, h, p, n) -> (b, t, h)`. Affine expressions such as
    `h floordiv 4` express grouped (shared) inputs.

    * `step` receives one scalar of each input at an iteration point and
      yields `(a, b)` in the state's element type. Discretisation (softplus,
      `exp(dt * A)`, gates) lives here, so no `[B, T, state]` decay tensor
      is ever built.
    * `readout` (optional) receives the new state element `h[t]` followed by
      the input scalars and yields one value; the values are summed over
      `reduction_dims` (state dimensions of the iteration space), so
      `output` is `[B, T, kept state dims...]`. Without `readout`, `output`
      is the sequence of states `[B, T, S1, ..., Sk]`.
    * `reverse` runs `t` from `T-1` down to `0` (bidirectional models).
    * `final_state` is `h[T-1]` (or `h[0]` when reversed): the hand-off from
      prefill to decode.

    The op prescribes the result, not the evaluation order: the compiler
    chooses sequential, chunked (with state passing) or tree evaluation.

    Mamba-1 selective scan (`y = sum_n h * C`; the `D` skip and the `z` gate
    are elementwise ops on `y`):

    ```mlir
    %y, %hT = seq.scan ins(%dt, %x, %A, %Bm, %Cm
        : tensor<2x16x64xf32>, tensor<2x16x64xf32>, tensor<64x8xf32>,
          tensor<2x16x8xf32>, tensor<2x16x8xf32>)
        init(%h0 : tensor<2x64x8xf32>)
        maps = [affine_map<(b, t, d, n) -> (b, t, d)>,
                affine_map<(b, t, d, n) -> (b, t, d)>,
                affine_map<(b, t, d, n) -> (d, n)>,
                affine_map<(b, t, d, n) -> (b, t, n)>,
                affine_map<(b, t, d, n) -> (b, t, n)>]
        reduce = [3]
        step {
        ^bb0(%dtv: f32, %xv: f32, %av: f32, %bv: f32, %cv: f32):
          %e = math.exp %dtv : f32
          %sp = math.log1p %e : f32
          %da = arith.mulf %sp, %av : f32
          %decay = math.exp %da : f32
          %bx = arith.mulf %bv, %xv : f32
          %in = arith.mulf %sp, %bx : f32
          seq.yield %decay, %in : f32, f32
        } readout {
        ^bb0(%h: f32, %dtv: f32, %xv: f32, %av: f32, %bv: f32, %cv: f32):
          %r = arith.mulf %h, %cv : f32
          seq.yield %r : f32
        } -> tensor<2x16x64xf32>, tensor<2x64x8xf32>
    ```
  }];
  let arguments = (ins
    Variadic<Seq_FloatTensor>:$inputs,
    Seq_FloatTensor:$init,
    AffineMapArrayAttr:$indexing_maps,
    DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$reduction_dims,
    UnitAttr:$reverse
  );
  let assemblyFormat = [{
    `ins` `(` $inputs `:` type($inputs) `)`
    `init` `(` $init `:` type($init) `)`
    `maps` `=` $indexing_maps
    (`reduce` `=` $reduction_dims^)?
    (`reverse` $reverse^)?
    `step` $step
    (`readout` $readout^)?
    attr-dict `->` type($output) `,` type($final_state)
  }];
  let extraClassDeclaration = [{
    /// Number of leading non-state iteration dimensions: (b, t).
    static constexpr unsigned kNumSequenceDims = 2;
  }];
}

def Seq_ScanStepOp : Seq_ScanLikeOp<"scan_step"> {
  let summary = "One step of a linear recurrence (decode)";
  let description = [{
    The single-step form of `seq.scan` used while decoding: the iteration
    space is `(b, s1, ..., sk)` with no time dimension, `init` is the
    previous state, `final_state` is `a * init + b`, and `output` is the
    readout `[B, kept state dims...]` (or the new state without `readout`).
    Its regions mean exactly what they mean in `seq.scan`, so a prefill
    `seq.scan` and a decode `seq.scan_step` built from the same regions
    produce the same states.

    ```mlir
    %y, %h1 = seq.scan_step ins(%a, %x : tensor<2x64xf32>, tensor<2x64xf32>)
        init(%h0 : tensor<2x64xf32>)
        maps = [affine_map<(b, d) -> (b, d)>, affine_map<(b, d) -> (b, d)>]
        step {
        ^bb0(%av: f32, %xv: f32):
          seq.yield %av, %xv : f32, f32
        } -> tensor<2x64xf32>, tensor<2x64xf32>
    ```
  }];
  let assemblyFormat = [{
    `ins` `(` $inputs `:` type($inputs) `)`
    `init` `(` $init `:` type($init) `)`
    `maps` `=` $indexing_maps
    (`reduce` `=` $reduction_dims^)?
    `step` $step
    (`readout` $readout^)?
    attr-dict `->` type($output) `,` type($final_state)
  }];
  let extraClassDeclaration = [{
    /// Number of leading non-state iteration dimensions: (b).
    static constexpr unsigned kNumSequenceDims = 1;
  }];
}

def Seq_CausalConv1dOp : Seq_Op<"causal_conv1d", [Pure,
    AttrSizedOperandSegments, AllTypesMatch<["input", "output"]>]> {
  let summary = "Short causal depthwise convolution with decode state";
  let description = [{
    The short convolution of Mamba, Mamba-2 and Jamba (PyTorch's
    `Conv1d(C, C, K, groups=C, padding=K-1)` keeping the first `S` outputs):
    each channel `c` of `input` `[B, S, C]` is convolved causally with its
    own `K` taps `weight[c, :]` (`weight` `[C, K]`, the checkpoint's
    `[C, 1, K]` without its unit dimension):

    ```
    xs     = concat(state, input)                       // [B, K-1+S, C]
    y[b,t,c] = bias[c] + sum_k weight[c,k] * xs[b, t+k, c]
    output = silu ? y * sigmoid(y) : y                  // [B, S, C]
    final_state = xs[:, S:, :]                          // [B, K-1, C]
    ```

    `state` `[B, K-1, C]` holds the last `K-1` inputs before `input` (zeros
    when absent: the start of a sequence). `final_state` holds the last
    `K-1` inputs after it (taken partly from `state` when `S < K-1`), so a
    prefill returns the state that one decode step (`S = 1`) consumes and
    replaces, and prefill(n) followed by k steps equals prefill(n + k).
    Accumulation is f32; `bias` `[C]` is optional; `K` must be static and
    at least 1 (`K = 1` has an empty state).

    ```mlir
    %y, %s1 = seq.causal_conv1d %x, %w bias(%b : tensor<64xf32>)
        state(%s0 : tensor<1x3x64xf32>) silu
        : tensor<1x?x64xf32>, tensor<64x4xf32>
        -> tensor<1x?x64xf32>, tensor<1x3x64xf32>
    ```
  }];
  let arguments = (ins Seq_FloatTensor:$input, Seq_FloatTensor:$weight,
                       Optional<Seq_FloatTensor>:$bias,
                       Optional<Seq_FloatTensor>:$state,
                       UnitAttr:$silu);
  let results = (outs Seq_FloatTensor:$output, Seq_FloatTensor:$final_state);
  let assemblyFormat = [{
    $input `,` $weight (`bias` `(` $bias^ `:` type($bias) `)`)?
    (`state` `(` $state^ `:` type($state) `)`)? (`silu` $silu^)? attr-dict
    `:` type($input) `,` type($weight) `->` type($output) `,`
    type($final_state)
  }];
  let hasVerifier = 1;
}

#endif // SEQ_IR_SEQSCANOPS_TD
