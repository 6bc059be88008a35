//===- SeqDecodeOps.td - autoregressive decoding ops -------*- tablegen -*-===//
//
// Sampling and the region-based autoregressive decode loop.
//
//===----------------------------------------------------------------------===//

#ifndef SEQ_IR_SEQDECODEOPS_TD
#define SEQ_IR_SEQDECODEOPS_TD

include "seq/IR/SeqAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Seq_SampleOp : Seq_Op<"sample", [Pure]> {
  let summary = "Draws one token per row of logits";
  let description = [{
    Samples a token id per row of `logits` (`[B, V]`) according to
    `sampling` (see `#seq.sampling`). Random draws come from a
    counter-based generator keyed by `seed` and counted by
    `(counter, row)`, so the same seed and counter give the same tokens on
    every run and target. Greedy sampling ignores `seed` and `counter`.

    ```mlir
    %tok = seq.sample %logits seed(%seed) counter(%step)
        {sampling = #seq.sampling<temperature = 0.8, top_k = 50>}
        : tensor<2x32000xf32> -> tensor<2xi32>
    ```
  }];
  let arguments = (ins Seq_FloatTensor:$logits, I64:$seed, I64:$counter,
                       Seq_SamplingAttr:$sampling);
  let results = (outs Seq_IndexTensor:$tokens);
  let assemblyFormat = [{
    $logits `seed` `(` $seed `)` `counter` `(` $counter `)` attr-dict
    `:` type($logits) `->` type($tokens)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Seq_DecodeLoopOp : Seq_Op<"decode_loop", [RecursiveMemoryEffects,
    SingleBlock]> {
  let summary = "Autoregressive generation loop with carried state";
  let description = [{
    Generates up to `max_new_tokens` tokens per batch row. The `body` region
    is the model's forward over the newest token: it receives the tokens
    `[B, 1]` i32, their positions `[B, 1]` i32 and the carried state (KV
    caches, SSM states, ...), and yields the next-token logits `[B, 1, V]`
    followed by the new carried state (same types).

    Semantics, per batch row `b`:

    ```
    tok = first_tokens; pos = start_positions; done = false
    for step in 0 .. max_new_tokens - 1 (while some row is not done):
      logits, state = body(tok, pos, state)
      next = sample(logits, seed, counter_offset + step)  // #seq.sampling
      next = done ? pad_token_id : next
      tokens[b, step] = next; num_generated[b] += !done
      done |= next in eos_token_ids; tok = next; pos = pos + 1
    ```

    Results: `tokens` `[B, max_new_tokens]` (padded with `pad_token_id`
    after a row finishes), `num_generated` `[B]` i32 (EOS included) and the
    final carried state. Rows run in lock-step; a finished row still flows
    through the body (its results are ignored) so shapes stay static.
    `counter_offset` numbers the sampling counters: a caller that sampled
    `first_tokens` itself with counter 0 (a `generate` after prefill) sets
    it to 1, so no two tokens draw the same random numbers.

    The body takes `[B, S]` tokens with `S = 1` here on purpose: the same
    forward with `S = K + 1` is what a speculative-decoding op of this
    family verifies drafts with, and state that is addressed by position
    (KV caches written with `seq.cache_write`) rolls back by resetting
    positions. See docs/design/DecodeLoop.md.

    ```mlir
    %toks, %n, %kf, %vf = seq.decode_loop first(%tok0 : tensor<1xi32>)
        positions(%pos0 : tensor<1xi32>) seed(%seed)
        init(%k0, %v0 : tensor<1x4x256x16xf32>, tensor<1x4x256x16xf32>)
        {max_new_tokens = 32 : i64, eos_token_ids = array<i64: 2>,
         sampling = #seq.sampling<>}
        -> tensor<1x32xi32>, tensor<1xi32>, tensor<1x4x256x16xf32>,
           tensor<1x4x256x16xf32> {
      ^bb0(%t: tensor<1x1xi32>, %p: tensor<1x1xi32>,
           %k: tensor<1x4x256x16xf32>, %v: tensor<1x4x256x16xf32>):
        ...
        seq.yield %logits, %k2, %v2
            : tensor<1x1x512xf32>, tensor<1x4x256x16xf32>,
              tensor<1x4x256x16xf32>
    }
    ```
  }];
  let arguments = (ins
    Seq_IndexTensor:$first_tokens,
    Seq_IndexTensor:$start_positions,
    I64:$seed,
    Variadic<AnyType>:$init_state,
    ConfinedAttr<I64Attr, [IntPositive]>:$max_new_tokens,
    DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$eos_token_ids,
    DefaultValuedAttr<I64Attr, "0">:$pad_token_id,
    DefaultValuedAttr<ConfinedAttr<I64Attr, [IntNonNegative]>, "0">:$counter_offset,
    Seq_SamplingAttr:$sampling
  );
  let results = (outs
    Seq_IndexTensor:$tokens,
    Seq_IndexTensor:$num_generated,
    Variadic<AnyType>:$final_state
  );
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `first` `(` $first_tokens `:` type($first_tokens) `)`
    `positions` `(` $start_positions `:` type($start_positions) `)`
    `seed` `(` $seed `)`
    (`init` `(` $init_state^ `:` type($init_state) `)`)?
    attr-dict `->` type(results) $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The body's yield.
    YieldOp getBodyYield();
  }];
}

def Seq_BeamSearchLoopOp : Seq_Op<"beam_search_loop", [RecursiveMemoryEffects,
    SingleBlock]> {
  let summary = "Beam search over a decode body with carried state";
  let description = [{
    Deterministic beam search with `num_beams` beams per batch item, the
    algorithm of transformers' `generate(num_beams=..., length_penalty=...,
    early_stopping=..., do_sample=False)` step for step. The `body` is the
    decode body of `seq.decode_loop` run on `B * num_beams` rows (row
    `b * num_beams + k` is beam `k` of item `b`): it takes tokens and
    positions `[B * num_beams, 1]` i32 and the carried state, and yields
    logits `[B * num_beams, 1, V]` and the new state.

    `first_logits` `[B, V]` are the logits of each prompt's last position
    (after prefill); `start_positions` `[B]` the position of the first new
    token. Every state tensor has `B * num_beams` rows in dim 0; only the
    rows of beam 0 need to hold the prefilled state, because the first
    step expands beam 0 alone (the other beams start at score -1e9) and the
    reorder below copies it to every beam.

    Per step `s` (0-based, `s` tokens generated so far), per item, with
    `K = max(2, 1 + len(eos_token_ids)) * num_beams`:

    ```
    logp[k, v] = log_softmax(logits[k])[v] + running_score[k]
    cand = top K of logp over (k, v), descending     // ties: lowest k*V+v
    hit[c] = token(cand[c]) in eos_token_ids or s + 1 == max_new_tokens
    running = the num_beams best of cand[c] - 1e9 * hit[c]
    final[c] = score(cand[c]) / (s + 1) ** length_penalty
               - 1e9 * (early_stopping == true and all finished slots full)
               - 1e9 * (improvement impossible) - 1e9 * !(hit[c] and c < num_beams)
    finished = the num_beams best of (finished ++ final)
    state[row] = state[parent row of running beam]   // every state tensor
    ```

    The step after `s` is skipped when no item can improve its finished
    beams (the `early_stopping` heuristic: `"false"` compares the best
    running score at the current length, `"never"` at `max_new_tokens`
    when `length_penalty > 0`), when `early_stopping = "true"` and every
    item has `num_beams` finished beams, or when every candidate hit a stop.
    The reorder of the state is a gather on dim 0 of every state tensor
    (contiguous KV caches, recurrent states); a finished beam's EOS counts
    in its length.

    Results: `sequences` `[B, num_beams, max_new_tokens]` (the generated
    tokens of the finished beams, best first, EOS included, padded with
    `pad_token_id`), `scores` `[B, num_beams]` f32 (transformers'
    `sequences_scores`: the summed log-probabilities divided by
    `length ** length_penalty`) and `lengths` `[B, num_beams]` i32 (the
    number of generated tokens of each beam). Beam sampling
    (`do_sample=True`) is not part of this op. See
    docs/design/DecodeLoop.md.

    ```mlir
    %seqs, %scores, %lens = seq.beam_search_loop
        logits(%last : tensor<1x97xf32>) positions(%pos : tensor<1xi32>)
        init(%k, %v : tensor<4x2x64x8xf32>, tensor<4x2x64x8xf32>)
        {num_beams = 4 : i64, max_new_tokens = 8 : i64,
         eos_token_ids = array<i64: 2>, length_penalty = 1.0 : f64}
        -> tensor<1x4x8xi32>, tensor<1x4xf32>, tensor<1x4xi32> {
      ^bb0(%t: tensor<4x1xi32>, %p: tensor<4x1xi32>,
           %kc: tensor<4x2x64x8xf32>, %vc: tensor<4x2x64x8xf32>):
        ...
        seq.yield %logits, %kc2, %vc2
            : tensor<4x1x97xf32>, tensor<4x2x64x8xf32>, tensor<4x2x64x8xf32>
    }
    ```
  }];
  let arguments = (ins
    Seq_FloatTensor:$first_logits,
    Seq_IndexTensor:$start_positions,
    Variadic<AnyRankedTensor>:$init_state,
    ConfinedAttr<I64Attr, [IntPositive]>:$num_beams,
    ConfinedAttr<I64Attr, [IntPositive]>:$max_new_tokens,
    DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$eos_token_ids,
    DefaultValuedAttr<I64Attr, "0">:$pad_token_id,
    DefaultValuedAttr<F64Attr, "1.0">:$length_penalty,
    DefaultValuedAttr<StrAttr, "\"false\"">:$early_stopping
  );
  let results = (outs
    Seq_IndexTensor:$sequences,
    Seq_F32Tensor:$scores,
    Seq_IndexTensor:$lengths
  );
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    `logits` `(` $first_logits `:` type($first_logits) `)`
    `positions` `(` $start_positions `:` type($start_positions) `)`
    (`init` `(` $init_state^ `:` type($init_state) `)`)?
    attr-dict `->` type(results) $body
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The body's yield.
    YieldOp getBodyYield();
    /// Candidates kept per item and step: max(2, 1 + #eos) * num_beams.
    int64_t getNumCandidates() {
      return std::max<int64_t>(2, 1 + getEosTokenIds().size()) *
             getNumBeams();
    }
  }];
}

#endif // SEQ_IR_SEQDECODEOPS_TD
