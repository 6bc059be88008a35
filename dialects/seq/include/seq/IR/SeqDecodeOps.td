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

    Paged KV caches: `block_table = i` names the state operand that is the
    block table `[B * num_beams, MaxBlocks]` i32 and `paged_caches` the
    state operands that are paged caches `[NumBlocks, H, BlockSize, D]`
    read and written through it (`seq.attention` / `seq.cache_write` with
    `block_table`). The loop owns the table: the body must yield its table
    argument unchanged, and at entry only the blocks of beam 0's rows that
    hold the prompt (`ceil(start / BlockSize)` entries) are in use (a
    partly filled one by one row only), every other block of the pool is
    free. The reorder then permutes table rows
    instead of gathering: with `L` cached positions, a beam shares its
    parent's `L / BlockSize` full blocks (no data copy; the blocks are
    reference counted), the first child of a parent takes over its
    partly filled tail block and every other child gets a fresh block from
    the free list with the tail's `L % BlockSize` filled slots copied
    (copy-on-write). A pool that runs dry at run time is reported
    (`seqrt` status 2). See docs/design/DecodeLoop.md.

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
    DefaultValuedAttr<StrAttr, "\"false\"">:$early_stopping,
    OptionalAttr<ConfinedAttr<I64Attr, [IntNonNegative]>>:$block_table,
    DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$paged_caches
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
    /// Whether some state is a paged KV cache read through a block table.
    bool isPaged() { return getBlockTable().has_value(); }
    /// The checks of `block_table` and `paged_caches` for `rows` beam rows.
    ::mlir::LogicalResult verifyPagedState(int64_t rows);
  }];
}

def Seq_SpeculativeDecodeLoopOp : Seq_Op<"speculative_decode_loop", [
    RecursiveMemoryEffects, AttrSizedOperandSegments,
    AttrSizedResultSegments]> {
  let summary = "Speculative decoding: a draft proposes, the target verifies";
  let description = [{
    Generates the same tokens as `seq.decode_loop` over the `verify` model
    (greedy: token for token; sampled: from the same distribution) while
    calling it once per `K = num_speculative_tokens` proposed tokens.

    * `draft` is a decode body of `seq.decode_loop`'s shape over the draft
      state: `(tokens [B, 1], positions [B, 1], draft_state...) ->
      (logits [B, 1, V], draft_state...)`. Its state tensors have the batch
      as dim 0 (a KV cache `[B, H, L, D]`, an SSM state `[B, ...]`).
    * `verify` is the target over `S = K + 1` tokens: `(tokens [B, K + 1],
      positions [B, K + 1], verify_state...) -> (logits [B, K + 1, V],
      state results...)`. Each state result is either the new state (same
      type: position-addressed state such as a KV cache written with
      `seq.cache_write`) or the state after each of the `K + 1` tokens,
      `[B, K + 1, S...]` for a state `[B, S...]` (recurrent state: the
      output of a `seq.scan` without readout).

    One verify step, per row `b` (`p` its position, `last` its newest token,
    consumed by neither model yet, `c = counter_offset + step * (2K + 1)`):

    ```
    d0 = last
    for i in 1 .. K + 1:                     // the draft, one token a call
      q_i, dstate_i = draft(d_{i-1}, p + i - 1, dstate_{i-1})
      if i <= K: d_i = sample(q_i, seed, c + i - 1)      // #seq.sampling
    logits, vstate = verify([d0 .. dK], [p .. p + K], vstate)
    greedy:  n = longest prefix with argmax(logits[i - 1]) == d_i
             t = argmax(logits[n])
    sampled: accept d_i (i = 1, 2, ...) while a draw with counter c + K + i - 1
             falls below min(1, P_i(d_i) / Q_i(d_i)) (P_i, Q_i: the
             temperature-scaled softmax of logits[i - 1] and q_i); n = the
             number accepted; t is drawn with counter c + 2K from
             normalize(max(0, P_{n+1} - Q_{n+1})) if n < K, else from P_{K+1}
    emit d1 .. dn, t (stopping at an EOS id or at max_new_tokens)
    last = t; p += n + 1
    dstate = dstate_{n+1}; vstate = the state result, or its entry n
    ```

    The emitted tokens, `num_generated` (EOS included) and the padding
    (`pad_token_id`) are those of `seq.decode_loop` with the `verify` model
    as body: greedy decoding gives identical tokens; sampled decoding gives
    the target's distribution (the standard speculative rejection rule) with
    different random draws. Rollback: position-addressed state needs none
    (entries past the accepted length are overwritten by the next writes and
    attention reads only up to `kv_lengths`); recurrent verify state is
    taken at the accepted length from its per-step results; the draft state
    is kept after the call that consumed `d_n` (the draft runs `K + 1`
    times per step so that it has also consumed `d_K`; its regions are
    inlined `K + 1` times). KV caches of both models need room for
    `max_new_tokens + K` positions past the prompt.

    Sampling takes a temperature, `top_k` and `top_p`: `P` and `Q` are the
    distributions `seq.sample` draws from (the same filter on both).

    Adaptive K (`adaptive_k`): each row drafts `k` tokens per step,
    `1 <= k <= K` (the first step's `k` is `K`): after a step that accepted
    all `k` drafts `k` grows by one (at most `K`), after one that accepted
    `n < k` it becomes `max(1, n)`. Shapes stay static: the verify region
    still scores `K + 1` tokens, acceptance stops at the row's `k` (greedy:
    `n <= k`, `t = argmax(logits[n])`; sampled: the residual when `n < k`,
    `P_{k+1}` after `k` acceptances) and the draft calls past the largest
    `k + 1` of the generating rows are skipped. Counters are as above, with
    `K`. The `num_drafted` result comes exactly with `adaptive_k`.

    Results: `tokens` `[B, max_new_tokens]`, `num_generated` `[B]`,
    `num_verify_steps` `[B]` (verify calls while the row was generating),
    `num_accepted` `[B]` (accepted draft tokens, summed over those calls),
    with `adaptive_k` `num_drafted` `[B]` (the row's draft length `k`,
    summed over the same verify calls: `num_drafted / num_verify_steps` is
    its mean `k`), then the final draft state and the final verify state.

    ```mlir
    %toks, %n, %steps, %acc, %h, %k, %v = seq.speculative_decode_loop
        first(%tok0 : tensor<1xi32>) positions(%pos0 : tensor<1xi32>)
        seed(%seed) draft_init(%h0 : tensor<1x32xf32>)
        verify_init(%k0, %v0 : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
        {num_speculative_tokens = 4 : i64, max_new_tokens = 32 : i64,
         eos_token_ids = array<i64: 2>, sampling = #seq.sampling<>}
        -> tensor<1x32xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
           draft_final(tensor<1x32xf32>)
           verify_final(tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
    draft {
      ^bb0(%t: tensor<1x1xi32>, %p: tensor<1x1xi32>, %h: tensor<1x32xf32>):
        ...
        seq.yield %logits, %h2 : tensor<1x1x512xf32>, tensor<1x32xf32>
    } verify {
      ^bb0(%t: tensor<1x5xi32>, %p: tensor<1x5xi32>,
           %k: tensor<1x2x64x8xf32>, %v: tensor<1x2x64x8xf32>):
        ...
        seq.yield %logits, %k2, %v2 : tensor<1x5x512xf32>,
            tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>
    }
    ```
  }];
  let arguments = (ins
    Seq_IndexTensor:$first_tokens,
    Seq_IndexTensor:$start_positions,
    I64:$seed,
    Variadic<AnyRankedTensor>:$draft_init,
    Variadic<AnyRankedTensor>:$verify_init,
    ConfinedAttr<I64Attr, [IntPositive]>:$num_speculative_tokens,
    ConfinedAttr<I64Attr, [IntPositive]>:$max_new_tokens,
    DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$eos_token_ids,
    DefaultValuedAttr<I64Attr, "0">:$pad_token_id,
    DefaultValuedAttr<ConfinedAttr<I64Attr, [IntNonNegative]>, "0">:$counter_offset,
    Seq_SamplingAttr:$sampling,
    UnitAttr:$adaptive_k
  );
  let results = (outs
    Seq_IndexTensor:$tokens,
    Seq_IndexTensor:$num_generated,
    Seq_IndexTensor:$num_verify_steps,
    Seq_IndexTensor:$num_accepted,
    Optional<Seq_IndexTensor>:$num_drafted,
    Variadic<AnyRankedTensor>:$draft_final,
    Variadic<AnyRankedTensor>:$verify_final
  );
  let regions = (region SizedRegion<1>:$draft, SizedRegion<1>:$verify);
  let assemblyFormat = [{
    `first` `(` $first_tokens `:` type($first_tokens) `)`
    `positions` `(` $start_positions `:` type($start_positions) `)`
    `seed` `(` $seed `)`
    (`draft_init` `(` $draft_init^ `:` type($draft_init) `)`)?
    (`verify_init` `(` $verify_init^ `:` type($verify_init) `)`)?
    attr-dict `->` type($tokens) `,` type($num_generated) `,`
    type($num_verify_steps) `,` type($num_accepted)
    (`drafted` `(` type($num_drafted)^ `)`)?
    (`draft_final` `(` type($draft_final)^ `)`)?
    (`verify_final` `(` type($verify_final)^ `)`)?
    `draft` $draft `verify` $verify
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The draft region's and the verify region's yields.
    YieldOp getDraftYield();
    YieldOp getVerifyYield();
    /// The per-step type [B, K + 1, S...] of a verify state [B, S...].
    RankedTensorType getPerStepType(RankedTensorType stateType);
  }];
}

def Seq_NgramDraftOp : Seq_Op<"ngram_draft", [Pure]> {
  let summary = "Prompt-lookup drafting: the token after the last n-gram's "
                "latest earlier occurrence";
  let description = [{
    Proposes one token per row without a model (prompt lookup decoding):
    with `n = lengths[b]` valid tokens in `history[b]` (`[B, L]`: the prompt
    and the tokens generated so far) and `g = ngram_size`, finds the
    latest `i < n - g` with `history[b, i .. i + g - 1]` equal to the last
    `g` tokens `history[b, n - g .. n - 1]` and proposes
    `history[b, i + g]`. Without a match (or with `n <= g`) it proposes the
    last token `history[b, n - 1]` (0 for an empty history). `lengths` are
    clamped to `[0, L]`.

    Used in the `draft` region of `seq.speculative_decode_loop`, with the
    history carried as draft state (the region writes the incoming token at
    its position, then drafts from the history up to it); one-hot logits of
    the proposal make the draft's distribution a point mass.

    ```mlir
    %next = seq.ngram_draft %history lengths(%n) {ngram_size = 2 : i64}
        : tensor<1x256xi32>, tensor<1xi32> -> tensor<1xi32>
    ```
  }];
  let arguments = (ins Seq_IndexTensor:$history, Seq_IndexTensor:$lengths,
                       ConfinedAttr<I64Attr, [IntPositive]>:$ngram_size);
  let results = (outs Seq_IndexTensor:$tokens);
  let assemblyFormat = [{
    $history `lengths` `(` $lengths `)` attr-dict `:` type($history) `,`
    type($lengths) `->` type($tokens)
  }];
  let hasVerifier = 1;
}

def Seq_TreeSpeculativeDecodeLoopOp : Seq_Op<"tree_speculative_decode_loop", [
    RecursiveMemoryEffects, AttrSizedOperandSegments,
    AttrSizedResultSegments]> {
  let summary = "Speculative decoding over a tree of draft continuations";
  let description = [{
    Speculative decoding where each verify call checks a static tree of `N`
    draft tokens instead of one chain: greedy (the tokens of
    `seq.decode_loop` over the `verify` model, token for token) or sampled
    (`sampling` not greedy, with `seed`: tokens from the target's
    distribution, multi-draft speculative sampling as in SpecInfer).

    The tree is `tree_parents` (`N` entries): node `i` (1-based; node 0 is
    the root, the row's newest token `last`) has the parent
    `tree_parents[i - 1] < i`, so the nodes are flattened in a topological
    (e.g. breadth-first) order; `depth(0) = 0`, `depth(i) = depth(parent)
    + 1`, `D` the largest depth. Children of one parent are ordered by
    index.

    * `draft`: `(tokens [B, D + 1], positions [B, D + 1], draft_state...)
      -> (tree [B, N] i32, [draft_logits [B, N, V],] draft_state...)`,
      called once per verify step
      with the tokens the row committed since the previous call, in order,
      at their positions (the first call: `first_tokens` alone); the
      columns after them repeat the newest token at its position, so
      column `D` is always `last` at `p`. It yields the proposed token of
      every node (`tree[b, i - 1]` for node `i`). The draft state is kept
      as returned: the draft only ever sees committed tokens. Sampled
      verification may also yield `draft_logits`: row `i - 1` holds the
      logits of the distribution `Q_i` node `i` was drawn from (siblings
      drawn independently); without them `Q_i` is the point mass on
      `tree[b, i - 1]` (a deterministic draft such as prompt lookup).
    * `verify`: `(tokens [B, N + 1], positions [B, N + 1], tree_mask
      [N + 1, N + 1] i1, verify_state...) -> (logits [B, N + 1, V],
      verify_state...)`: the target over `[last, tree...]` in one call.
      Column `i` holds node `i` at position `p + depth(i)`;
      `tree_mask[i, j]` is true when node `j` is node `i` or one of its
      ancestors. The region must write the keys/values of column `i` at
      cache position `p + i` (a contiguous `seq.cache_write` at
      `positions[:, 0]`) and let query `i` see the keys below `p` and the
      keys `p + j` with `tree_mask[i, j]` (a `mask_mod` region of
      `seq.attention` reading the mask: no `[S, S]` buffer is built).

    One verify step, per row (greedy):

    ```
    logits = verify([last, tree], [p, p + depth(1..N)], mask, state)
    c(i) = argmax(logits[i]); v = 0; n = 0
    while some child u of v (lowest index first) has tree[u] == c(v):
      v = u; path[++n] = u
    emit tree[path[1..n]], c(v) (stopping at an EOS id or max_new_tokens)
    compact: for k in 1..n: cache[p + k] = cache[p + path[k]]
    last = c(v); p += n + 1
    ```

    Sampled (step `s`, `c = counter_offset + s * (N + 1)`; `P_i` the
    filtered distribution `seq.sample` draws from for `logits[i]`, `Q_u`
    that of `draft_logits[u - 1]` or the point mass on `tree[u - 1]`):

    ```
    v = 0; R = P_0
    for each child u of v, lowest index first:
      if a draw with counter c + u - 1 falls below min(1, R(tree[u]) / Q_u(tree[u])):
        accept u: v = u; R = P_u; restart at v's children
      else: R = normalize(max(0, R - Q_u))
    t = a draw from R with counter c + N
    ```

    The accepted path and `t` are emitted and compacted as in the greedy
    case: with siblings drawn independently from their `Q_u`, each token
    follows the target's distribution.

    Compaction copies, in every verify state result, the entries of the
    accepted path from the verify positions of the flattened tree to
    consecutive positions (`cache_dims[i]`: the position dimension of
    verify state `i`, 2 for a `[B, H, L, D]` KV cache, the default). Only
    position-addressed state can be verified as a tree; recurrent (SSM)
    state would need a state per branch. KV caches need room for
    `max_new_tokens + N` positions past the prompt.

    Results: `tokens` `[B, max_new_tokens]`, `num_generated` `[B]`,
    `num_verify_steps` `[B]`, `num_accepted` `[B]` (accepted tree tokens,
    the path lengths summed), then the final draft and verify state. See
    docs/design/DecodeLoop.md.

    ```mlir
    %toks, %n, %steps, %acc, %h, %k, %v = seq.tree_speculative_decode_loop
        first(%tok0 : tensor<1xi32>) positions(%pos0 : tensor<1xi32>)
        draft_init(%h0 : tensor<1x64xi32>)
        verify_init(%k0, %v0 : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
        {tree_parents = array<i64: 0, 0, 1, 1>, max_new_tokens = 32 : i64}
        -> tensor<1x32xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
           draft_final(tensor<1x64xi32>)
           verify_final(tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
    draft {
      ^bb0(%t: tensor<1x3xi32>, %p: tensor<1x3xi32>, %h: tensor<1x64xi32>):
        ...
        seq.yield %tree, %h2 : tensor<1x4xi32>, tensor<1x64xi32>
    } verify {
      ^bb0(%t: tensor<1x5xi32>, %p: tensor<1x5xi32>, %m: tensor<5x5xi1>,
           %k: tensor<1x2x64x8xf32>, %v: tensor<1x2x64x8xf32>):
        ...
        seq.yield %logits, %k2, %v2 : tensor<1x5x512xf32>,
            tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>
    }
    ```
  }];
  let arguments = (ins
    Seq_IndexTensor:$first_tokens,
    Seq_IndexTensor:$start_positions,
    Optional<I64>:$seed,
    Variadic<AnyRankedTensor>:$draft_init,
    Variadic<AnyRankedTensor>:$verify_init,
    DenseI64ArrayAttr:$tree_parents,
    OptionalAttr<DenseI64ArrayAttr>:$cache_dims,
    ConfinedAttr<I64Attr, [IntPositive]>:$max_new_tokens,
    DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$eos_token_ids,
    DefaultValuedAttr<I64Attr, "0">:$pad_token_id,
    DefaultValuedAttr<ConfinedAttr<I64Attr, [IntNonNegative]>, "0">:$counter_offset,
    OptionalAttr<Seq_SamplingAttr>:$sampling
  );
  let results = (outs
    Seq_IndexTensor:$tokens,
    Seq_IndexTensor:$num_generated,
    Seq_IndexTensor:$num_verify_steps,
    Seq_IndexTensor:$num_accepted,
    Variadic<AnyRankedTensor>:$draft_final,
    Variadic<AnyRankedTensor>:$verify_final
  );
  let regions = (region SizedRegion<1>:$draft, SizedRegion<1>:$verify);
  let assemblyFormat = [{
    `first` `(` $first_tokens `:` type($first_tokens) `)`
    `positions` `(` $start_positions `:` type($start_positions) `)`
    (`seed` `(` $seed^ `)`)?
    (`draft_init` `(` $draft_init^ `:` type($draft_init) `)`)?
    (`verify_init` `(` $verify_init^ `:` type($verify_init) `)`)?
    attr-dict `->` type($tokens) `,` type($num_generated) `,`
    type($num_verify_steps) `,` type($num_accepted)
    (`draft_final` `(` type($draft_final)^ `)`)?
    (`verify_final` `(` type($verify_final)^ `)`)?
    `draft` $draft `verify` $verify
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The draft region's and the verify region's yields.
    YieldOp getDraftYield();
    YieldOp getVerifyYield();
    /// Number of tree nodes N (the root not counted).
    int64_t getNumNodes() { return getTreeParents().size(); }
    /// depth(i) for the nodes 0 (root) .. N.
    SmallVector<int64_t> getNodeDepths();
    /// The largest depth D.
    int64_t getMaxDepth();
    /// The position dimension of verify state #i (cache_dims, else 2).
    int64_t getCacheDim(unsigned i);
    /// Whether acceptance samples (a non-greedy `sampling`).
    bool isSampled() {
      SamplingAttr sampling = getSamplingAttr();
      return sampling && !sampling.isGreedy();
    }
    /// Whether the draft yields draft logits [B, N, V] after the tree.
    bool hasDraftLogits() {
      return getDraftYield().getValues().size() == getDraftInit().size() + 2;
    }
  }];
}

def Seq_NgramTreeDraftOp : Seq_Op<"ngram_tree_draft", [Pure]> {
  let summary = "Prompt-lookup drafting of a token tree: the continuations "
                "of the last n-gram's earlier occurrences";
  let description = [{
    Fills a static draft tree (`tree_parents`, as in
    `seq.tree_speculative_decode_loop`) per row without a model: with
    `n = lengths[b]` (clamped to `[0, L]`) valid tokens in `history[b]`,
    `g = ngram_size` and the matches `s < n - g` with `history[b, s .. s +
    g - 1]` equal to the last `g` tokens, node `i` at depth `d` whose
    parent's path below the root is `t_1 .. t_{d-1}` gets
    `history[b, s + g + d - 1]` for the latest match `s` with
    `s + g + d - 1 < n`, `history[b, s + g .. s + g + d - 2] = t_1 ..
    t_{d-1}`, and a token that no earlier sibling of `i` has. So the
    children of the root are the distinct tokens that followed the n-gram,
    latest first, and each branch continues its occurrences. A node
    without such a match repeats its parent's token (the root's token is
    `history[b, n - 1]`, 0 for an empty history).

    ```mlir
    %tree = seq.ngram_tree_draft %history lengths(%n)
        {ngram_size = 2 : i64, tree_parents = array<i64: 0, 0, 1, 2>}
        : tensor<1x256xi32>, tensor<1xi32> -> tensor<1x4xi32>
    ```
  }];
  let arguments = (ins Seq_IndexTensor:$history, Seq_IndexTensor:$lengths,
                       ConfinedAttr<I64Attr, [IntPositive]>:$ngram_size,
                       DenseI64ArrayAttr:$tree_parents);
  let results = (outs Seq_IndexTensor:$tokens);
  let assemblyFormat = [{
    $history `lengths` `(` $lengths `)` attr-dict `:` type($history) `,`
    type($lengths) `->` type($tokens)
  }];
  let hasVerifier = 1;
}

#endif // SEQ_IR_SEQDECODEOPS_TD
