//===- SeqMoEOps.td - mixture-of-experts ops ---------------*- tablegen -*-===//
//
// Router (top-k, grouped top-k, sigmoid with bias), dispatch into ragged
// per-expert groups with capacity, grouped matmul and the expert FFN.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQMOEOPS_TD
#define SEQ_IR_SEQMOEOPS_TD

include "seq/IR/SeqAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_MoeRouteOp : Seq_Op<"moe_route", [Pure]> {
  let summary = "Chooses the top-k experts of each token";
  let description = [{
    From router logits `[T, E]` computes per token the `top_k` chosen
    experts (`[T, K]` i32, in descending score order, lowest index on ties)
    and their combine weights (`[T, K]` f32).

    * `scoring = softmax`: softmax over all `E` logits, then top-k (Mixtral,
      Qwen-MoE). With `normalize`, the `K` weights are renormalised to sum
      to one.
    * `scoring = topk_softmax`: top-k of the raw logits, then softmax over
      the `K` chosen (equivalent to softmax-then-top-k with `normalize`).
    * `scoring = sigmoid`: `sigmoid(logits)` scores (DeepSeek-V3). The
      optional `bias` `[E]` is added to the scores for *selection only*;
      weights use the unbiased scores, normalised if `normalize`.
    * `groups(G, Kg)` (grouped / device-limited top-k): experts form `G`
      equal groups; a group's score is the sum of its two best (biased)
      scores for sigmoid scoring, its best score otherwise; only experts of
      the `Kg` best groups are eligible.
    * `routed_scaling` multiplies the final weights (DeepSeek's
      `routed_scaling_factor`).

    ```mlir
    %w, %e = seq.moe_route %logits {top_k = 2, scoring = #seq.router_scoring<softmax>, normalize}
        : tensor<16x8xf32> -> tensor<16x2xf32>, tensor<16x2xi32>
    ```
  }];
  let arguments = (ins
    Seq_FloatTensor:$logits,
    Optional<Seq_FloatTensor>:$bias,
    ConfinedAttr<I64Attr, [IntPositive]>:$top_k,
    Seq_RouterScoringAttr:$scoring,
    UnitAttr:$normalize,
    OptionalAttr<I64Attr>:$num_groups,
    OptionalAttr<I64Attr>:$topk_groups,
    OptionalAttr<F32Attr>:$routed_scaling
  );
  let results = (outs RankedTensorOf<[F32]>:$weights, Seq_IndexTensor:$experts);
  let assemblyFormat = [{
    $logits (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict
    `:` type($logits) `->` type($weights) `,` type($experts)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Seq_MoeDispatchOp : Seq_Op<"moe_dispatch", [Pure]> {
  let summary = "Groups token slots by expert, with optional capacity";
  let description = [{
    Turns the `[T, K]` expert choice into ragged per-expert groups, the
    representation every later MoE op works on so that no expert ever runs
    on a token that did not choose it.

    A *slot* is `t * K + k`. `permutation` (`[T * K]` i32) lists the slots
    grouped by expert, stable in slot order within a group;
    `expert_offsets` (`[E + 1]` i32) delimits them: expert `e` owns
    `permutation[expert_offsets[e] : expert_offsets[e + 1]]`.

    With `capacity_factor(f)` each expert keeps at most
    `C = ceil(f * T * K / E)` slots (the first ones in slot order); dropped
    slots follow all groups, after `expert_offsets[E]`, and contribute
    nothing to the combine.

    ```mlir
    %perm, %offsets = seq.moe_dispatch %experts {num_experts = 8 : i64,
        capacity_factor = 1.25 : f32}
        : tensor<16x2xi32> -> tensor<32xi32>, tensor<9xi32>
    ```
  }];
  let arguments = (ins
    Seq_IndexTensor:$experts,
    ConfinedAttr<I64Attr, [IntPositive]>:$num_experts,
    OptionalAttr<F32Attr>:$capacity_factor
  );
  let results = (outs Seq_IndexTensor:$permutation,
                      Seq_IndexTensor:$expert_offsets);
  let assemblyFormat = [{
    $experts attr-dict `:` type($experts) `->` type($permutation) `,`
    type($expert_offsets)
  }];
  let hasVerifier = 1;
}

def Seq_GroupedMatmulOp : Seq_Op<"grouped_matmul", [Pure]> {
  let summary = "Matmul of ragged row groups, each with its own weight";
  let description = [{
    `output[r, n] = sum_k input[r, k] * weight[e, n, k]` where `e` is the
    group of row `r`: rows `offsets[e] .. offsets[e + 1]` belong to group
    `e`. Rows past `offsets[E]` are left zero. Weights use the PyTorch
    linear layout `[E, N, K]`. This is the grouped expert matmul the MoE
    lowering tiles per group.

    ```mlir
    %y = seq.grouped_matmul %rows, %w, %offsets
        : tensor<32x64xf32>, tensor<8x128x64xf32>, tensor<9xi32>
        -> tensor<32x128xf32>
    ```
  }];
  let arguments = (ins Seq_FloatTensor:$input, Seq_FloatTensor:$weight,
                       Seq_IndexTensor:$offsets);
  let results = (outs Seq_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight `,` $offsets attr-dict `:` type($input) `,`
    type($weight) `,` type($offsets) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Seq_MoeExpertsOp : Seq_Op<"moe_experts", [Pure,
    AttrSizedOperandSegments]> {
  let summary = "Runs each expert FFN on its tokens and combines them";
  let description = [{
    For every kept slot `s = t * K + k` in group `e` (from
    `seq.moe_dispatch`), computes the expert feed-forward network on token
    `input[t]` and accumulates `weights[t, k] * ffn_e(input[t])` into
    `output[t]` (`[T, Dm]`). Tokens whose slots were all dropped get zero.

    * `swiglu`: `down_e(silu(gate_e(x)) * up_e(x))` (Mixtral, DeepSeek,
      Qwen); `geglu` uses exact GELU instead of SiLU; both need `gate`.
    * `gelu`: `down_e(gelu(up_e(x)))`, no `gate`.

    Expert weights are stacked with the PyTorch linear layout:
    `gate`/`up` `[E, F, Dm]`, `down` `[E, Dm, F]`. They share one element
    type: the input's, or bf16/f16 for any input (a half-precision
    checkpoint's experts serving f32 activations; each weight is widened to
    f32 as it is read, the products accumulate in f32).

    Always-on shared experts (DeepSeekMoE) are the optional
    `shared_gate`/`shared_up` `[Fs, Dm]` and `shared_down` `[Dm, Fs]` (several
    shared experts are one FFN of their concatenated width): every token adds
    `ffn_shared(input[t])` with weight 1, computed in the same kernel as the
    routed experts; their weights share one element type by the same rule.
    Canonicalization folds a dense FFN of the same input
    added to the result into these operands.

    ```mlir
    %y = seq.moe_experts %x, %w, %perm, %offsets
        gate(%wg : tensor<8x128x64xf32>) up(%wu : tensor<8x128x64xf32>)
        down(%wd : tensor<8x64x128xf32>) {activation = #seq.ffn_activation<swiglu>}
        : tensor<16x64xf32>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32>
        -> tensor<16x64xf32>
    ```
  }];
  let arguments = (ins
    Seq_FloatTensor:$input,
    RankedTensorOf<[F32]>:$weights,
    Seq_IndexTensor:$permutation,
    Seq_IndexTensor:$expert_offsets,
    Optional<Seq_FloatTensor>:$gate,
    Seq_FloatTensor:$up,
    Seq_FloatTensor:$down,
    Optional<Seq_FloatTensor>:$shared_gate,
    Optional<Seq_FloatTensor>:$shared_up,
    Optional<Seq_FloatTensor>:$shared_down,
    Seq_FfnActivationAttr:$activation
  );
  let results = (outs Seq_FloatTensor:$output);
  let assemblyFormat = [{
    $input `,` $weights `,` $permutation `,` $expert_offsets
    (`gate` `(` $gate^ `:` type($gate) `)`)?
    `up` `(` $up `:` type($up) `)`
    `down` `(` $down `:` type($down) `)`
    (`shared_gate` `(` $shared_gate^ `:` type($shared_gate) `)`)?
    (`shared_up` `(` $shared_up^ `:` type($shared_up) `)`)?
    (`shared_down` `(` $shared_down^ `:` type($shared_down) `)`)?
    attr-dict `:` type($input) `,` type($weights) `,` type($permutation) `,`
    type($expert_offsets) `->` type($output)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// Checks the optional shared-expert operands.
    LogicalResult verifySharedExperts(bool gated, int64_t model,
                                      Type elementType);
  }];
}

#endif // SEQ_IR_SEQMOEOPS_TD
