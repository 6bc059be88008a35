// REQUIRES: cpu-lowering-decode
// RUN: seqc %s --target=cpu -o %t.seqpkg
// RUN: seqrun %t.seqpkg --entry attn_plain --weights %seqc_examples/tiny_hybrid/weights.safetensors --extra-weights=warn --input 0=%seqc_examples/tiny_hybrid/prompt.npy --input 1=42 --output 0=%t.attn.npy --output 1=%t.attn_n.npy
// RUN: seqrun %t.seqpkg --entry attn_tree --weights %seqc_examples/tiny_hybrid/weights.safetensors --extra-weights=warn --input 0=%seqc_examples/tiny_hybrid/prompt.npy --input 1=%t.attn.npy --expect 0=%t.attn.npy --expect 1=%t.attn_n.npy --print | FileCheck %s --check-prefix=TREE
// RUN: seqrun %t.seqpkg --entry attn_tree_wrong --weights %seqc_examples/tiny_hybrid/weights.safetensors --extra-weights=warn --input 0=%seqc_examples/tiny_hybrid/prompt.npy --input 1=%t.attn.npy --expect 0=%t.attn.npy --expect 1=%t.attn_n.npy --print | FileCheck %s --check-prefix=WRONG

// The weights file also holds the layers this model does not read
// (--extra-weights=warn binds it anyway).

// Tree verification (seq.tree_speculative_decode_loop) on the attention
// model of speculative_greedy.mlir (layer 0 of examples/tiny_hybrid: RoPE
// attention over a KV cache, EOS id 1 after 11 tokens). The tree is
// [2, 2, 1]: nodes 1, 2 under the root, 3, 4 under 1, 5, 6 under 2, then
// 7 .. 10 under 3 .. 6 (N = 10, D = 3). The draft is an oracle holding
// plain greedy decoding's tokens (attn_plain's output, an input here): it
// puts the true continuation on the LAST branch (nodes 2, 6, 10) and a
// wrong token (the true one + 1) on every other node, with node 10 also
// wrong when p % 3 == 0, so steps accept 3 or 2 tokens along a path that
// is never the first branch. The verify region attends with a mask_mod
// reading the ancestor mask (keys below p always visible); the accepted
// path's K/V, written at p + 2, p + 6, p + 10, is compacted to p + 1 ..
// p + 3. A mask that lets a node see its siblings, or a compaction bug,
// changes the logits of the next steps and the tokens (expected: plain
// decoding's, token for token). attn_tree_wrong's draft is wrong
// everywhere (acceptance 0: one token per verify step).

// TREE: speculative: 11 tokens, 4 verify steps, mean accepted length {{.*}} draft tokens per verify step
// WRONG: speculative: 11 tokens, 11 verify steps, mean accepted length 0.00 draft tokens per verify step

module {
  seq.parameter @embed "model.embed_tokens.weight" : tensor<64x32xf32>
  seq.parameter @l0_attn_norm "model.layers.0.input_layernorm.weight" : tensor<32xf32>
  seq.parameter @l0_wq "model.layers.0.self_attn.q_proj.weight" : tensor<32x32xf32>
  seq.parameter @l0_wk "model.layers.0.self_attn.k_proj.weight" : tensor<16x32xf32>
  seq.parameter @l0_wv "model.layers.0.self_attn.v_proj.weight" : tensor<16x32xf32>
  seq.parameter @l0_wo "model.layers.0.self_attn.o_proj.weight" : tensor<32x32xf32>
  seq.parameter @final_norm "model.norm.weight" : tensor<32xf32>
  seq.parameter @lm_head "lm_head.weight" : tensor<64x32xf32>

  // The attention model over S tokens (speculative_greedy.mlir's), the KV
  // caches as written.
  func.func private @forward_attn(%tokens: tensor<1x?xi32>, %positions: tensor<1x?xi32>, %k_cache: tensor<1x2x64x8xf32>, %v_cache: tensor<1x2x64x8xf32>)
      -> (tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) {
    %c1 = arith.constant 1 : index
    %S = tensor.dim %tokens, %c1 : tensor<1x?xi32>
    %embed = seq.get_parameter @embed : tensor<64x32xf32>
    %x0 = seq.embedding %embed, %tokens : tensor<64x32xf32>, tensor<1x?xi32> -> tensor<1x?x32xf32>
    // ---- layer 0: grouped-query attention over the KV cache ----
    %an = seq.get_parameter @l0_attn_norm : tensor<32xf32>
    %xa = seq.rms_norm %x0, %an {epsilon = 1.0e-5 : f32} : tensor<1x?x32xf32>, tensor<32xf32>
    %wq = seq.get_parameter @l0_wq : tensor<32x32xf32>
    %wk = seq.get_parameter @l0_wk : tensor<16x32xf32>
    %wv = seq.get_parameter @l0_wv : tensor<16x32xf32>
    %q = seq.linear %xa, %wq : tensor<1x?x32xf32>, tensor<32x32xf32> -> tensor<1x?x32xf32>
    %k = seq.linear %xa, %wk : tensor<1x?x32xf32>, tensor<16x32xf32> -> tensor<1x?x16xf32>
    %v = seq.linear %xa, %wv : tensor<1x?x32xf32>, tensor<16x32xf32> -> tensor<1x?x16xf32>
    %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, %S, 4, 8] : tensor<1x?x32xf32> into tensor<1x?x4x8xf32>
    %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, %S, 2, 8] : tensor<1x?x16xf32> into tensor<1x?x2x8xf32>
    %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, %S, 2, 8] : tensor<1x?x16xf32> into tensor<1x?x2x8xf32>
    %qe = tensor.empty(%S) : tensor<1x4x?x8xf32>
    %ke = tensor.empty(%S) : tensor<1x2x?x8xf32>
    %qt = linalg.transpose ins(%q4 : tensor<1x?x4x8xf32>) outs(%qe : tensor<1x4x?x8xf32>) permutation = [0, 2, 1, 3]
    %kt = linalg.transpose ins(%k4 : tensor<1x?x2x8xf32>) outs(%ke : tensor<1x2x?x8xf32>) permutation = [0, 2, 1, 3]
    %vt = linalg.transpose ins(%v4 : tensor<1x?x2x8xf32>) outs(%ke : tensor<1x2x?x8xf32>) permutation = [0, 2, 1, 3]
    %qr = seq.rope %qt, %positions {theta = 10000.0 : f32} : tensor<1x4x?x8xf32>, tensor<1x?xi32>
    %kr = seq.rope %kt, %positions {theta = 10000.0 : f32} : tensor<1x2x?x8xf32>, tensor<1x?xi32>
    %start = tensor.extract_slice %positions[0, 0] [1, 1] [1, 1] : tensor<1x?xi32> to tensor<1xi32>
    %k_cache2 = seq.cache_write %k_cache, %kr at %start : tensor<1x2x64x8xf32>, tensor<1x2x?x8xf32>, tensor<1xi32>
    %v_cache2 = seq.cache_write %v_cache, %vt at %start : tensor<1x2x64x8xf32>, tensor<1x2x?x8xf32>, tensor<1xi32>
    %S_i32 = arith.index_cast %S : index to i32
    %S_t = tensor.from_elements %S_i32 : tensor<1xi32>
    %kv_len = arith.addi %start, %S_t : tensor<1xi32>
    %att = seq.attention %qr, %k_cache2, %v_cache2 kv_lengths(%kv_len : tensor<1xi32>) causal
        : tensor<1x4x?x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32> -> tensor<1x4x?x8xf32>
    %ae = tensor.empty(%S) : tensor<1x?x4x8xf32>
    %att_t = linalg.transpose ins(%att : tensor<1x4x?x8xf32>) outs(%ae : tensor<1x?x4x8xf32>) permutation = [0, 2, 1, 3]
    %att_m = tensor.collapse_shape %att_t [[0], [1], [2, 3]] : tensor<1x?x4x8xf32> into tensor<1x?x32xf32>
    %wo = seq.get_parameter @l0_wo : tensor<32x32xf32>
    %attn_out = seq.linear %att_m, %wo : tensor<1x?x32xf32>, tensor<32x32xf32> -> tensor<1x?x32xf32>
    %x1 = arith.addf %x0, %attn_out : tensor<1x?x32xf32>
    // ---- head ----
    %fn = seq.get_parameter @final_norm : tensor<32xf32>
    %xf = seq.rms_norm %x1, %fn {epsilon = 1.0e-5 : f32} : tensor<1x?x32xf32>, tensor<32xf32>
    %wh = seq.get_parameter @lm_head : tensor<64x32xf32>
    %logits = seq.linear %xf, %wh : tensor<1x?x32xf32>, tensor<64x32xf32> -> tensor<1x?x64xf32>
    return %logits, %k_cache2, %v_cache2 : tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>
  }

  // The attn model over the flattened tree: column i written at p + i,
  // query i sees the keys below p and its ancestors p + j (mask[i, j]).
  func.func private @forward_attn_tree(%tokens: tensor<1x?xi32>, %positions: tensor<1x?xi32>, %mask: tensor<11x11xi1>, %k_cache: tensor<1x2x64x8xf32>, %v_cache: tensor<1x2x64x8xf32>)
      -> (tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) {
    %c1 = arith.constant 1 : index
    %S = tensor.dim %tokens, %c1 : tensor<1x?xi32>
    %embed = seq.get_parameter @embed : tensor<64x32xf32>
    %x0 = seq.embedding %embed, %tokens : tensor<64x32xf32>, tensor<1x?xi32> -> tensor<1x?x32xf32>
    // ---- layer 0: grouped-query attention over the KV cache ----
    %an = seq.get_parameter @l0_attn_norm : tensor<32xf32>
    %xa = seq.rms_norm %x0, %an {epsilon = 1.0e-5 : f32} : tensor<1x?x32xf32>, tensor<32xf32>
    %wq = seq.get_parameter @l0_wq : tensor<32x32xf32>
    %wk = seq.get_parameter @l0_wk : tensor<16x32xf32>
    %wv = seq.get_parameter @l0_wv : tensor<16x32xf32>
    %q = seq.linear %xa, %wq : tensor<1x?x32xf32>, tensor<32x32xf32> -> tensor<1x?x32xf32>
    %k = seq.linear %xa, %wk : tensor<1x?x32xf32>, tensor<16x32xf32> -> tensor<1x?x16xf32>
    %v = seq.linear %xa, %wv : tensor<1x?x32xf32>, tensor<16x32xf32> -> tensor<1x?x16xf32>
    %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [1, %S, 4, 8] : tensor<1x?x32xf32> into tensor<1x?x4x8xf32>
    %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [1, %S, 2, 8] : tensor<1x?x16xf32> into tensor<1x?x2x8xf32>
    %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [1, %S, 2, 8] : tensor<1x?x16xf32> into tensor<1x?x2x8xf32>
    %qe = tensor.empty(%S) : tensor<1x4x?x8xf32>
    %ke = tensor.empty(%S) : tensor<1x2x?x8xf32>
    %qt = linalg.transpose ins(%q4 : tensor<1x?x4x8xf32>) outs(%qe : tensor<1x4x?x8xf32>) permutation = [0, 2, 1, 3]
    %kt = linalg.transpose ins(%k4 : tensor<1x?x2x8xf32>) outs(%ke : tensor<1x2x?x8xf32>) permutation = [0, 2, 1, 3]
    %vt = linalg.transpose ins(%v4 : tensor<1x?x2x8xf32>) outs(%ke : tensor<1x2x?x8xf32>) permutation = [0, 2, 1, 3]
    %qr = seq.rope %qt, %positions {theta = 10000.0 : f32} : tensor<1x4x?x8xf32>, tensor<1x?xi32>
    %kr = seq.rope %kt, %positions {theta = 10000.0 : f32} : tensor<1x2x?x8xf32>, tensor<1x?xi32>
    %start = tensor.extract_slice %positions[0, 0] [1, 1] [1, 1] : tensor<1x?xi32> to tensor<1xi32>
    %k_cache2 = seq.cache_write %k_cache, %kr at %start : tensor<1x2x64x8xf32>, tensor<1x2x?x8xf32>, tensor<1xi32>
    %v_cache2 = seq.cache_write %v_cache, %vt at %start : tensor<1x2x64x8xf32>, tensor<1x2x?x8xf32>, tensor<1xi32>
    %S_i32 = arith.index_cast %S : index to i32
    %S_t = tensor.from_elements %S_i32 : tensor<1xi32>
    %kv_len = arith.addi %start, %S_t : tensor<1xi32>
    %att = seq.attention %qr, %k_cache2, %v_cache2 kv_lengths(%kv_len : tensor<1xi32>) causal mask_mod {
    ^bb0(%mb: index, %mh: index, %mi: index, %mj: index):
      %p0 = tensor.extract %start[%mb] : tensor<1xi32>
      %p0i = arith.index_cast %p0 : i32 to index
      %prefix = arith.cmpi ult, %mj, %p0i : index
      %c0m = arith.constant 0 : index
      %off = arith.subi %mj, %p0i : index
      %offc = arith.select %prefix, %c0m, %off : index
      %anc = tensor.extract %mask[%mi, %offc] : tensor<11x11xi1>
      %keep = arith.ori %prefix, %anc : i1
      seq.yield %keep : i1
    } : tensor<1x4x?x8xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32> -> tensor<1x4x?x8xf32>
    %ae = tensor.empty(%S) : tensor<1x?x4x8xf32>
    %att_t = linalg.transpose ins(%att : tensor<1x4x?x8xf32>) outs(%ae : tensor<1x?x4x8xf32>) permutation = [0, 2, 1, 3]
    %att_m = tensor.collapse_shape %att_t [[0], [1], [2, 3]] : tensor<1x?x4x8xf32> into tensor<1x?x32xf32>
    %wo = seq.get_parameter @l0_wo : tensor<32x32xf32>
    %attn_out = seq.linear %att_m, %wo : tensor<1x?x32xf32>, tensor<32x32xf32> -> tensor<1x?x32xf32>
    %x1 = arith.addf %x0, %attn_out : tensor<1x?x32xf32>
    // ---- head ----
    %fn = seq.get_parameter @final_norm : tensor<32xf32>
    %xf = seq.rms_norm %x1, %fn {epsilon = 1.0e-5 : f32} : tensor<1x?x32xf32>, tensor<32xf32>
    %wh = seq.get_parameter @lm_head : tensor<64x32xf32>
    %logits = seq.linear %xf, %wh : tensor<1x?x32xf32>, tensor<64x32xf32> -> tensor<1x?x64xf32>
    return %logits, %k_cache2, %v_cache2 : tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>
  }


  // Prefill the 8-token prompt; the first token is greedy.
  func.func private @prefill_attn(%prompt: tensor<1x8xi32>, %seed: i64) -> (tensor<1xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) {
    %pos = arith.constant dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi32>
    %z0 = arith.constant dense<0.0> : tensor<1x2x64x8xf32>
    %z1 = arith.constant dense<0.0> : tensor<1x2x64x8xf32>
    %pf_t = tensor.cast %prompt : tensor<1x8xi32> to tensor<1x?xi32>
    %pf_p = tensor.cast %pos : tensor<1x8xi32> to tensor<1x?xi32>
    %pf_l, %pf_s0, %pf_s1 = func.call @forward_attn(%pf_t, %pf_p, %z0, %z1) : (tensor<1x?xi32>, tensor<1x?xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) -> (tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
    %pf_ls = tensor.cast %pf_l : tensor<1x?x64xf32> to tensor<1x8x64xf32>
    %last = tensor.extract_slice %pf_ls[0, 7, 0] [1, 1, 64] [1, 1, 1] : tensor<1x8x64xf32> to tensor<1x64xf32>
    %c0 = arith.constant 0 : i64
    %first = seq.sample %last seed(%seed) counter(%c0) {sampling = #seq.sampling<>} : tensor<1x64xf32> -> tensor<1xi32>
    return %first, %pf_s0, %pf_s1 : tensor<1xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>
  }

  // Plain greedy decoding: the reference.
  func.func @attn_plain(%prompt: tensor<1x8xi32>, %seed: i64) -> (tensor<1x17xi32>, tensor<1xi32>) {
    %first, %st0, %st1 = func.call @prefill_attn(%prompt, %seed) : (tensor<1x8xi32>, i64) -> (tensor<1xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
    %start = arith.constant dense<8> : tensor<1xi32>
    %tokens, %count, %fs0, %fs1 = seq.decode_loop first(%first : tensor<1xi32>) positions(%start : tensor<1xi32>)
        seed(%seed) init(%st0, %st1 : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
        {max_new_tokens = 16 : i64, eos_token_ids = array<i64: 1>, sampling = #seq.sampling<>}
        -> tensor<1x16xi32>, tensor<1xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32> {
    ^bb0(%t: tensor<1x1xi32>, %p: tensor<1x1xi32>, %a0: tensor<1x2x64x8xf32>, %a1: tensor<1x2x64x8xf32>):
      %b_t = tensor.cast %t : tensor<1x1xi32> to tensor<1x?xi32>
      %b_p = tensor.cast %p : tensor<1x1xi32> to tensor<1x?xi32>
      %b_l, %b_s0, %b_s1 = func.call @forward_attn(%b_t, %b_p, %a0, %a1) : (tensor<1x?xi32>, tensor<1x?xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) -> (tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
      %b_ls = tensor.cast %b_l : tensor<1x?x64xf32> to tensor<1x1x64xf32>
      seq.yield %b_ls, %b_s0, %b_s1 : tensor<1x1x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>
    }
    %first2 = tensor.expand_shape %first [[0, 1]] output_shape [1, 1] : tensor<1xi32> into tensor<1x1xi32>
    %all = tensor.concat dim(1) %first2, %tokens : (tensor<1x1xi32>, tensor<1x16xi32>) -> tensor<1x17xi32>
    return %all, %count : tensor<1x17xi32>, tensor<1xi32>
  }

  // The oracle on the last branch (nodes 2, 6, 10).
  func.func @attn_tree(%prompt: tensor<1x8xi32>, %oracle: tensor<1x17xi32>)
      -> (tensor<1x17xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) {
    %seed = arith.constant 0 : i64
    %first, %st0, %st1 = func.call @prefill_attn(%prompt, %seed) : (tensor<1x8xi32>, i64) -> (tensor<1xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
    %start = arith.constant dense<8> : tensor<1xi32>
    %depth = arith.constant dense<[1, 1, 2, 2, 2, 2, 3, 3, 3, 3]> : tensor<10xi32>
    %onpath = arith.constant dense<[false, true, false, false, false, true, false, false, false, true]> : tensor<10xi1>
    %wrongall = arith.constant false
    %tokens, %count, %steps, %accepted, %vf0, %vf1 = seq.tree_speculative_decode_loop
        first(%first : tensor<1xi32>) positions(%start : tensor<1xi32>)
        verify_init(%st0, %st1 : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
        {tree_parents = array<i64: 0, 0, 1, 1, 2, 2, 3, 4, 5, 6>, max_new_tokens = 16 : i64,
         eos_token_ids = array<i64: 1>}
        -> tensor<1x16xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
        verify_final(tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
    draft {
    ^bb0(%dt: tensor<1x4xi32>, %dp: tensor<1x4xi32>):
      %c0 = arith.constant 0 : index
      %c3 = arith.constant 3 : index
      %p = tensor.extract %dp[%c0, %c3] : tensor<1x4xi32>
      %tree = tensor.generate {
      ^bb0(%i: index, %j: index):
        %d = tensor.extract %depth[%j] : tensor<10xi32>
        %on = tensor.extract %onpath[%j] : tensor<10xi1>
        // The true token at position p + d is oracle[p + d - 8].
        %c8 = arith.constant 8 : i32
        %c16 = arith.constant 16 : i32
        %c64 = arith.constant 64 : i32
        %c1 = arith.constant 1 : i32
        %c3i = arith.constant 3 : i32
        %c0i = arith.constant 0 : i32
        %pd = arith.addi %p, %d : i32
        %at = arith.subi %pd, %c8 : i32
        %atc = arith.minsi %at, %c16 : i32
        %ati = arith.index_cast %atc : i32 to index
        %true = tensor.extract %oracle[%c0, %ati] : tensor<1x17xi32>
        %plus = arith.addi %true, %c1 : i32
        %wrong = arith.remsi %plus, %c64 : i32
        // Node 10 (depth 3 of the true path) is wrong when p % 3 == 0.
        %pm = arith.remsi %p, %c3i : i32
        %pz = arith.cmpi eq, %pm, %c0i : i32
        %deep = arith.cmpi eq, %d, %c3i : i32
        %drop = arith.andi %pz, %deep : i1
        %keep1 = arith.ori %drop, %wrongall : i1
        %ok0 = arith.constant true
        %keep = arith.xori %keep1, %ok0 : i1
        %use = arith.andi %on, %keep : i1
        %x = arith.select %use, %true, %wrong : i32
        tensor.yield %x : i32
      } : tensor<1x10xi32>
      seq.yield %tree : tensor<1x10xi32>
    } verify {
    ^bb0(%vt: tensor<1x11xi32>, %vp: tensor<1x11xi32>, %vm: tensor<11x11xi1>, %va0: tensor<1x2x64x8xf32>, %va1: tensor<1x2x64x8xf32>):
      %v_t = tensor.cast %vt : tensor<1x11xi32> to tensor<1x?xi32>
      %v_p = tensor.cast %vp : tensor<1x11xi32> to tensor<1x?xi32>
      %v_l, %v_s0, %v_s1 = func.call @forward_attn_tree(%v_t, %v_p, %vm, %va0, %va1) : (tensor<1x?xi32>, tensor<1x?xi32>, tensor<11x11xi1>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) -> (tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
      %v_ls = tensor.cast %v_l : tensor<1x?x64xf32> to tensor<1x11x64xf32>
      seq.yield %v_ls, %v_s0, %v_s1 : tensor<1x11x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>
    }
    %first2 = tensor.expand_shape %first [[0, 1]] output_shape [1, 1] : tensor<1xi32> into tensor<1x1xi32>
    %all = tensor.concat dim(1) %first2, %tokens : (tensor<1x1xi32>, tensor<1x16xi32>) -> tensor<1x17xi32>
    return %all, %count, %steps, %accepted : tensor<1x17xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
  }

  // Every node wrong: acceptance 0.
  func.func @attn_tree_wrong(%prompt: tensor<1x8xi32>, %oracle: tensor<1x17xi32>)
      -> (tensor<1x17xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) {
    %seed = arith.constant 0 : i64
    %first, %st0, %st1 = func.call @prefill_attn(%prompt, %seed) : (tensor<1x8xi32>, i64) -> (tensor<1xi32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
    %start = arith.constant dense<8> : tensor<1xi32>
    %depth = arith.constant dense<[1, 1, 2, 2, 2, 2, 3, 3, 3, 3]> : tensor<10xi32>
    %onpath = arith.constant dense<[false, true, false, false, false, true, false, false, false, true]> : tensor<10xi1>
    %wrongall = arith.constant true
    %tokens, %count, %steps, %accepted, %vf0, %vf1 = seq.tree_speculative_decode_loop
        first(%first : tensor<1xi32>) positions(%start : tensor<1xi32>)
        verify_init(%st0, %st1 : tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
        {tree_parents = array<i64: 0, 0, 1, 1, 2, 2, 3, 4, 5, 6>, max_new_tokens = 16 : i64,
         eos_token_ids = array<i64: 1>}
        -> tensor<1x16xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
        verify_final(tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
    draft {
    ^bb0(%dt: tensor<1x4xi32>, %dp: tensor<1x4xi32>):
      %c0 = arith.constant 0 : index
      %c3 = arith.constant 3 : index
      %p = tensor.extract %dp[%c0, %c3] : tensor<1x4xi32>
      %tree = tensor.generate {
      ^bb0(%i: index, %j: index):
        %d = tensor.extract %depth[%j] : tensor<10xi32>
        %on = tensor.extract %onpath[%j] : tensor<10xi1>
        // The true token at position p + d is oracle[p + d - 8].
        %c8 = arith.constant 8 : i32
        %c16 = arith.constant 16 : i32
        %c64 = arith.constant 64 : i32
        %c1 = arith.constant 1 : i32
        %c3i = arith.constant 3 : i32
        %c0i = arith.constant 0 : i32
        %pd = arith.addi %p, %d : i32
        %at = arith.subi %pd, %c8 : i32
        %atc = arith.minsi %at, %c16 : i32
        %ati = arith.index_cast %atc : i32 to index
        %true = tensor.extract %oracle[%c0, %ati] : tensor<1x17xi32>
        %plus = arith.addi %true, %c1 : i32
        %wrong = arith.remsi %plus, %c64 : i32
        // Node 10 (depth 3 of the true path) is wrong when p % 3 == 0.
        %pm = arith.remsi %p, %c3i : i32
        %pz = arith.cmpi eq, %pm, %c0i : i32
        %deep = arith.cmpi eq, %d, %c3i : i32
        %drop = arith.andi %pz, %deep : i1
        %keep1 = arith.ori %drop, %wrongall : i1
        %ok0 = arith.constant true
        %keep = arith.xori %keep1, %ok0 : i1
        %use = arith.andi %on, %keep : i1
        %x = arith.select %use, %true, %wrong : i32
        tensor.yield %x : i32
      } : tensor<1x10xi32>
      seq.yield %tree : tensor<1x10xi32>
    } verify {
    ^bb0(%vt: tensor<1x11xi32>, %vp: tensor<1x11xi32>, %vm: tensor<11x11xi1>, %va0: tensor<1x2x64x8xf32>, %va1: tensor<1x2x64x8xf32>):
      %v_t = tensor.cast %vt : tensor<1x11xi32> to tensor<1x?xi32>
      %v_p = tensor.cast %vp : tensor<1x11xi32> to tensor<1x?xi32>
      %v_l, %v_s0, %v_s1 = func.call @forward_attn_tree(%v_t, %v_p, %vm, %va0, %va1) : (tensor<1x?xi32>, tensor<1x?xi32>, tensor<11x11xi1>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>) -> (tensor<1x?x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>)
      %v_ls = tensor.cast %v_l : tensor<1x?x64xf32> to tensor<1x11x64xf32>
      seq.yield %v_ls, %v_s0, %v_s1 : tensor<1x11x64xf32>, tensor<1x2x64x8xf32>, tensor<1x2x64x8xf32>
    }
    %first2 = tensor.expand_shape %first [[0, 1]] output_shape [1, 1] : tensor<1xi32> into tensor<1x1xi32>
    %all = tensor.concat dim(1) %first2, %tokens : (tensor<1x1xi32>, tensor<1x16xi32>) -> tensor<1x17xi32>
    return %all, %count, %steps, %accepted : tensor<1x17xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
  }
}
