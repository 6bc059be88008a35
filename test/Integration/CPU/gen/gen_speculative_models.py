#!/usr/bin/env python3
"""Writes the models and entries of
test/Integration/CPU/decode/speculative_greedy.mlir from
examples/tiny_hybrid/model.mlir (after the RUN header, which is kept):
an attention model (layer 0's attention), an SSM model (layer 1's Mamba
block) and the whole hybrid, each with plain greedy decoding and
speculative decoding with three drafts.

    python3 test/Integration/CPU/gen/gen_speculative_models.py
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
TEST = ROOT / "test/Integration/CPU/decode/speculative_greedy.mlir"
src = (ROOT / "examples/tiny_hybrid/model.mlir").read_text().split('\n')
L = lambda a, b: '\n'.join(src[a-1:b])
params = L(20, 40)
prologue = L(47, 50)
attn = L(52, 84)
moe = L(86, 102)
ssm_a = L(104, 156)   # up to the main scan (readout) included
ssm_b = L(157, 178)
head = L(180, 184)
steps_scan = '''    // The state after each token (no readout): the verify region's
    // per-step states.
    %hs, %hs_last = seq.scan ins(%dt, %u, %A, %Bm, %Cm
          : tensor<1x?x32xf32>, tensor<1x?x32xf32>, tensor<32x4xf32>, tensor<1x?x4xf32>, tensor<1x?x4xf32>)
        init(%ssm : tensor<1x32x4xf32>)
        maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (b, t, d)>,
                affine_map<(b, t, d, n) -> (d, n)>, affine_map<(b, t, d, n) -> (b, t, n)>,
                affine_map<(b, t, d, n) -> (b, t, n)>]
        step {
        ^bb0(%dtv: f32, %uv: f32, %av: f32, %bv: f32, %cv: f32):
          %e = math.exp %dtv : f32
          %sp = math.log1p %e : f32
          %da = arith.mulf %sp, %av : f32
          %decay = math.exp %da : f32
          %bu = arith.mulf %bv, %uv : f32
          %in = arith.mulf %sp, %bu : f32
          seq.yield %decay, %in : f32, f32
        } -> tensor<1x?x32x4xf32>, tensor<1x32x4xf32>'''
KV = 'tensor<1x2x64x8xf32>'
H = 'tensor<1x32x4xf32>'
HS = 'tensor<1x?x32x4xf32>'
MODELS = {
    'attn': dict(state=[('k_cache', KV), ('v_cache', KV)], perstep=[False, False],
                 body=attn + '\n' + head.replace('%x3', '%x1'),
                 ret=['%k_cache2', '%v_cache2']),
    'ssm': dict(state=[('ssm', H)], perstep=[True],
                body=(ssm_a + '\n' + steps_scan + '\n' + ssm_b).replace('%x2', '%x0') + '\n' + head,
                ret=['%hs']),
    'hybrid': dict(state=[('k_cache', KV), ('v_cache', KV), ('ssm', H)], perstep=[False, False, True],
                   body=attn + '\n' + moe + '\n' + ssm_a + '\n' + steps_scan + '\n' + ssm_b + '\n' + head,
                   ret=['%k_cache2', '%v_cache2', '%hs']),
}

def stype(m, i, steps=None):
    t = MODELS[m]['state'][i][1]
    if MODELS[m]['perstep'][i] and steps is not None:
        return 'tensor<1x%sx32x4xf32>' % steps
    return t

def fwd_types(m, steps='?'):
    return ['tensor<1x%sx64xf32>' % steps] + [stype(m, i, steps) for i in range(len(MODELS[m]['state']))]

out = []
w = out.append
for m, d in MODELS.items():
    args = ', '.join('%%%s: %s' % (n, t) for n, t in d['state'])
    rets = fwd_types(m)
    w('''  // The %s model over S tokens; recurrent state is returned after each
  // token ([1, S, 32, 4]), the KV caches as written.
  func.func private @forward_%s(%%tokens: tensor<1x?xi32>, %%positions: tensor<1x?xi32>, %s)
      -> (%s) {
%s
%s
    return %%logits, %s : %s
  }
''' % (m, m, args, ', '.join(rets), prologue, d['body'], ', '.join(d['ret']), ', '.join(rets)))

def call_fwd(m, res, toks, poss, state, S):
    """Emits a call at S tokens; returns (logits [1,S,64] value, state values with per-step kept)."""
    n = len(MODELS[m]['state'])
    names = ['%%%s_l' % res] + ['%%%s_s%d' % (res, i) for i in range(n)]
    lines = []
    lines.append('%%%s_t = tensor.cast %s : tensor<1x%dxi32> to tensor<1x?xi32>' % (res, toks, S))
    lines.append('%%%s_p = tensor.cast %s : tensor<1x%dxi32> to tensor<1x?xi32>' % (res, poss, S))
    lines.append('%s = func.call @forward_%s(%%%s_t, %%%s_p, %s) : (tensor<1x?xi32>, tensor<1x?xi32>, %s) -> (%s)' % (
        ', '.join(names), m, res, res, ', '.join(state),
        ', '.join(t for _, t in MODELS[m]['state']), ', '.join(fwd_types(m))))
    lines.append('%%%s_ls = tensor.cast %s : tensor<1x?x64xf32> to tensor<1x%dx64xf32>' % (res, names[0], S))
    outs = []
    for i in range(n):
        if MODELS[m]['perstep'][i]:
            lines.append('%%%s_c%d = tensor.cast %s : %s to %s' % (res, i, names[1 + i], HS, stype(m, i, S)))
            outs.append('%%%s_c%d' % (res, i))
        else:
            outs.append(names[1 + i])
    return lines, '%%%s_ls' % res, outs

def last_state(m, lines, states, steps_len, res):
    """Per-step states -> the state after the last token."""
    outs = []
    for i, v in enumerate(states):
        if MODELS[m]['perstep'][i]:
            lines.append('%%%s_f%d = tensor.extract_slice %s[0, %d, 0, 0] [1, 1, 32, 4] [1, 1, 1, 1] : %s to %s' % (
                res, i, v, steps_len - 1, stype(m, i, steps_len), H))
            outs.append('%%%s_f%d' % (res, i))
        else:
            outs.append(v)
    return outs

def indent(lines, n):
    return '\n'.join(' ' * n + l for l in lines)

for m, d in MODELS.items():
    n = len(d['state'])
    sts = [t for _, t in d['state']]
    # prefill
    lines = []
    lines.append('%pos = arith.constant dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi32>')
    init = []
    for i, (_, t) in enumerate(d['state']):
        lines.append('%%z%d = arith.constant dense<0.0> : %s' % (i, t))
        init.append('%%z%d' % i)
    cl, lg, outs = call_fwd(m, 'pf', '%prompt', '%pos', init, 8)
    lines += cl
    fin = last_state(m, lines, outs, 8, 'pf')
    lines.append('%%last = tensor.extract_slice %s[0, 7, 0] [1, 1, 64] [1, 1, 1] : tensor<1x8x64xf32> to tensor<1x64xf32>' % lg)
    lines.append('%c0 = arith.constant 0 : i64')
    lines.append('%first = seq.sample %last seed(%seed) counter(%c0) {sampling = #seq.sampling<>} : tensor<1x64xf32> -> tensor<1xi32>')
    w('''  // Prefill the 8-token prompt; the first token is greedy.
  func.func private @prefill_%s(%%prompt: tensor<1x8xi32>, %%seed: i64) -> (tensor<1xi32>, %s) {
%s
    return %%first, %s : tensor<1xi32>, %s
  }
''' % (m, ', '.join(sts), indent(lines, 4), ', '.join(fin), ', '.join(sts)))

    pre = '%%first, %s = func.call @prefill_%s(%%prompt, %%seed) : (tensor<1x8xi32>, i64) -> (tensor<1xi32>, %s)' % (
        ', '.join('%%st%d' % i for i in range(n)), m, ', '.join(sts))
    tail = '''    %first2 = tensor.expand_shape %first [[0, 1]] output_shape [1, 1] : tensor<1xi32> into tensor<1x1xi32>
    %all = tensor.concat dim(1) %first2, %tokens : (tensor<1x1xi32>, tensor<1x16xi32>) -> tensor<1x17xi32>'''
    # plain decode loop
    bl, blg, bouts = call_fwd(m, 'b', '%t', '%p', ['%%a%d' % i for i in range(n)], 1)
    bouts = last_state(m, bl, bouts, 1, 'b')
    w('''  // Plain greedy decoding: the reference.
  func.func @%s_plain(%%prompt: tensor<1x8xi32>, %%seed: i64) -> (tensor<1x17xi32>, tensor<1xi32>) {
    %s
    %%tokens, %%count, %s = seq.decode_loop first(%%first : tensor<1xi32>) positions(%%start : tensor<1xi32>)
        seed(%%seed) init(%s : %s)
        {max_new_tokens = 16 : i64, eos_token_ids = array<i64: 1>, sampling = #seq.sampling<>}
        -> tensor<1x16xi32>, tensor<1xi32>, %s {
    ^bb0(%%t: tensor<1x1xi32>, %%p: tensor<1x1xi32>, %s):
%s
      seq.yield %s, %s : tensor<1x1x64xf32>, %s
    }
%s
    return %%all, %%count : tensor<1x17xi32>, tensor<1xi32>
  }
''' % (m, pre + '\n    %start = arith.constant dense<8> : tensor<1xi32>',
       ', '.join('%%fs%d' % i for i in range(n)),
       ', '.join('%%st%d' % i for i in range(n)), ', '.join(sts), ', '.join(sts),
       ', '.join('%%a%d: %s' % (i, t) for i, t in enumerate(sts)),
       indent(bl, 6), blg, ', '.join(bouts), ', '.join(sts), tail))

    for draft, K in (('self', 4), ('early', 3), ('const', 2)):
        if draft == 'self':
            dinit = 'draft_init(%s : %s)' % (', '.join('%%st%d' % i for i in range(n)), ', '.join(sts))
            dfinal = 'draft_final(%s)' % ', '.join(sts)
            dargs = ', '.join('%%da%d: %s' % (i, t) for i, t in enumerate(sts))
            dl, dlg, douts = call_fwd(m, 'd', '%dt', '%dp', ['%%da%d' % i for i in range(n)], 1)
            douts = last_state(m, dl, douts, 1, 'd')
            dl.append('seq.yield %s, %s : tensor<1x1x64xf32>, %s' % (dlg, ', '.join(douts), ', '.join(sts)))
            dres = ', '.join('%%df%d' % i for i in range(n)) + ', '
            comment = 'the target itself (every proposal agrees)'
        elif draft == 'early':
            dinit, dfinal, dargs, dres = '', '', '', ''
            dargs = ''
            dl = ['%embed = seq.get_parameter @embed : tensor<64x32xf32>',
                  '%e = seq.embedding %embed, %dt : tensor<64x32xf32>, tensor<1x1xi32> -> tensor<1x1x32xf32>',
                  '%fn = seq.get_parameter @final_norm : tensor<32xf32>',
                  '%xf = seq.rms_norm %e, %fn {epsilon = 1.0e-5 : f32} : tensor<1x1x32xf32>, tensor<32xf32>',
                  '%wh = seq.get_parameter @lm_head : tensor<64x32xf32>',
                  '%dl = seq.linear %xf, %wh : tensor<1x1x32xf32>, tensor<64x32xf32> -> tensor<1x1x64xf32>',
                  'seq.yield %dl : tensor<1x1x64xf32>']
            comment = 'the target with no layers (embedding, final norm, head): a\n  // different model that mostly disagrees'
        else:
            dinit, dfinal, dargs, dres = '', '', '', ''
            dl = ['%c = arith.constant dense<0.0> : tensor<1x1x64xf32>',
                  '%one = arith.constant 1.0 : f32',
                  '%i63 = arith.constant 63 : index',
                  '%c0i = arith.constant 0 : index',
                  '%dl = tensor.insert %one into %c[%c0i, %c0i, %i63] : tensor<1x1x64xf32>',
                  'seq.yield %dl : tensor<1x1x64xf32>']
            comment = 'always token 63, which greedy decoding never picks here\n  // (acceptance 0)'
        vl, vlg, vouts = call_fwd(m, 'v', '%vt', '%vp', ['%%va%d' % i for i in range(n)], K + 1)
        vl.append('seq.yield %s, %s : tensor<1x%dx64xf32>, %s' % (
            vlg, ', '.join(vouts), K + 1, ', '.join(stype(m, i, K + 1) for i in range(n))))
        w('''  // Speculative decoding, K = %d; the draft is %s.
  func.func @%s_spec_%s(%%prompt: tensor<1x8xi32>, %%seed: i64)
      -> (tensor<1x17xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>) {
    %s
    %%tokens, %%count, %%steps, %%accepted, %s%s = seq.speculative_decode_loop
        first(%%first : tensor<1xi32>) positions(%%start : tensor<1xi32>) seed(%%seed)
        %s verify_init(%s : %s)
        {num_speculative_tokens = %d : i64, max_new_tokens = 16 : i64,
         eos_token_ids = array<i64: 1>, sampling = #seq.sampling<>}
        -> tensor<1x16xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
        %s verify_final(%s)
    draft {
    ^bb0(%%dt: tensor<1x1xi32>, %%dp: tensor<1x1xi32>%s):
%s
    } verify {
    ^bb0(%%vt: tensor<1x%dxi32>, %%vp: tensor<1x%dxi32>, %s):
%s
    }
%s
    return %%all, %%count, %%steps, %%accepted : tensor<1x17xi32>, tensor<1xi32>, tensor<1xi32>, tensor<1xi32>
  }
''' % (K, comment, m, draft, pre + '\n    %start = arith.constant dense<8> : tensor<1xi32>',
       dres, ', '.join('%%vf%d' % i for i in range(n)),
       dinit, ', '.join('%%st%d' % i for i in range(n)), ', '.join(sts), K, dfinal, ', '.join(sts),
       (', ' + dargs) if dargs else '', indent(dl, 6), K + 1, K + 1,
       ', '.join('%%va%d: %s' % (i, t) for i, t in enumerate(sts)), indent(vl, 6), tail))

body = '\n'.join(out)
header = TEST.read_text().split('module {')[0] if TEST.exists() else ''
TEST.write_text(header + 'module {\n' + params + '\n\n' + body + '}\n')
