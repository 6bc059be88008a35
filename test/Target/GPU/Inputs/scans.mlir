// The scan and short-convolution kernels of test/Integration/GPU (f32 and
// bf16 Mamba-1 prefill and decode step, the convolution's prefill and decode
// step) in one module, for the code generators (scan-conv-codegen.test).

func.func @mamba1(%dt: tensor<2x37x40xf32>, %dt_bias: tensor<40xf32>,
    %x: tensor<2x37x40xf32>, %A_log: tensor<40x16xf32>, %B: tensor<2x37x16xf32>,
    %C: tensor<2x37x16xf32>, %h0: tensor<2x40x16xf32>)
    -> (tensor<2x37x40xf32>, tensor<2x40x16xf32>) {
  %y, %hT = seq.scan ins(%dt, %dt_bias, %x, %A_log, %B, %C
        : tensor<2x37x40xf32>, tensor<40xf32>, tensor<2x37x40xf32>,
          tensor<40x16xf32>, tensor<2x37x16xf32>, tensor<2x37x16xf32>)
      init(%h0 : tensor<2x40x16xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d)>,
              affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d, n)>,
              affine_map<(b, t, d, n) -> (b, t, n)>, affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
      step {
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %dtb = arith.addf %dtv, %dbv : f32
        %e = math.exp %dtb : f32
        %sp = math.log1p %e : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<2x37x40xf32>, tensor<2x40x16xf32>
  return %y, %hT : tensor<2x37x40xf32>, tensor<2x40x16xf32>
}

func.func @mamba1_bf16(%dt: tensor<2x37x40xbf16>, %dt_bias: tensor<40xbf16>,
    %x: tensor<2x37x40xbf16>, %A_log: tensor<40x16xbf16>, %B: tensor<2x37x16xbf16>,
    %C: tensor<2x37x16xbf16>, %h0: tensor<2x40x16xf32>)
    -> (tensor<2x37x40xf32>, tensor<2x40x16xf32>) {
  %y, %hT = seq.scan ins(%dt, %dt_bias, %x, %A_log, %B, %C
        : tensor<2x37x40xbf16>, tensor<40xbf16>, tensor<2x37x40xbf16>,
          tensor<40x16xbf16>, tensor<2x37x16xbf16>, tensor<2x37x16xbf16>)
      init(%h0 : tensor<2x40x16xf32>)
      maps = [affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d)>,
              affine_map<(b, t, d, n) -> (b, t, d)>, affine_map<(b, t, d, n) -> (d, n)>,
              affine_map<(b, t, d, n) -> (b, t, n)>, affine_map<(b, t, d, n) -> (b, t, n)>]
      reduce = [3]
      step {
      ^bb0(%dt16: bf16, %db16: bf16, %x16: bf16, %al16: bf16, %b16: bf16, %c16: bf16):
        %dtv = arith.extf %dt16 : bf16 to f32
        %dbv = arith.extf %db16 : bf16 to f32
        %xv = arith.extf %x16 : bf16 to f32
        %alv = arith.extf %al16 : bf16 to f32
        %bv = arith.extf %b16 : bf16 to f32
        %dtb = arith.addf %dtv, %dbv : f32
        %e = math.exp %dtb : f32
        %sp = math.log1p %e : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dt16: bf16, %db16: bf16, %x16: bf16, %al16: bf16, %b16: bf16, %c16: bf16):
        %cv = arith.extf %c16 : bf16 to f32
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<2x37x40xf32>, tensor<2x40x16xf32>
  return %y, %hT : tensor<2x37x40xf32>, tensor<2x40x16xf32>
}

func.func @step(%dt: tensor<3x40xf32>, %dt_bias: tensor<40xf32>,
    %x: tensor<3x40xf32>, %A_log: tensor<40x16xf32>, %B: tensor<3x16xf32>,
    %C: tensor<3x16xf32>, %h0: tensor<3x40x16xf32>)
    -> (tensor<3x40xf32>, tensor<3x40x16xf32>) {
  %y, %h1 = seq.scan_step ins(%dt, %dt_bias, %x, %A_log, %B, %C
        : tensor<3x40xf32>, tensor<40xf32>, tensor<3x40xf32>,
          tensor<40x16xf32>, tensor<3x16xf32>, tensor<3x16xf32>)
      init(%h0 : tensor<3x40x16xf32>)
      maps = [affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (d)>,
              affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (d, n)>,
              affine_map<(b, d, n) -> (b, n)>, affine_map<(b, d, n) -> (b, n)>]
      reduce = [2]
      step {
      ^bb0(%dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %dtb = arith.addf %dtv, %dbv : f32
        %e = math.exp %dtb : f32
        %sp = math.log1p %e : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dtv: f32, %dbv: f32, %xv: f32, %alv: f32, %bv: f32, %cv: f32):
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<3x40xf32>, tensor<3x40x16xf32>
  return %y, %h1 : tensor<3x40xf32>, tensor<3x40x16xf32>
}

func.func @step_bf16(%dt: tensor<3x40xbf16>, %dt_bias: tensor<40xbf16>,
    %x: tensor<3x40xbf16>, %A_log: tensor<40x16xbf16>, %B: tensor<3x16xbf16>,
    %C: tensor<3x16xbf16>, %h0: tensor<3x40x16xf32>)
    -> (tensor<3x40xf32>, tensor<3x40x16xf32>) {
  %y, %h1 = seq.scan_step ins(%dt, %dt_bias, %x, %A_log, %B, %C
        : tensor<3x40xbf16>, tensor<40xbf16>, tensor<3x40xbf16>,
          tensor<40x16xbf16>, tensor<3x16xbf16>, tensor<3x16xbf16>)
      init(%h0 : tensor<3x40x16xf32>)
      maps = [affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (d)>,
              affine_map<(b, d, n) -> (b, d)>, affine_map<(b, d, n) -> (d, n)>,
              affine_map<(b, d, n) -> (b, n)>, affine_map<(b, d, n) -> (b, n)>]
      reduce = [2]
      step {
      ^bb0(%dt16: bf16, %db16: bf16, %x16: bf16, %al16: bf16, %b16: bf16, %c16: bf16):
        %dtv = arith.extf %dt16 : bf16 to f32
        %dbv = arith.extf %db16 : bf16 to f32
        %xv = arith.extf %x16 : bf16 to f32
        %alv = arith.extf %al16 : bf16 to f32
        %bv = arith.extf %b16 : bf16 to f32
        %dtb = arith.addf %dtv, %dbv : f32
        %e = math.exp %dtb : f32
        %sp = math.log1p %e : f32
        %ea = math.exp %alv : f32
        %a = arith.negf %ea : f32
        %da = arith.mulf %sp, %a : f32
        %decay = math.exp %da : f32
        %bx = arith.mulf %bv, %xv : f32
        %in = arith.mulf %sp, %bx : f32
        seq.yield %decay, %in : f32, f32
      } readout {
      ^bb0(%hv: f32, %dt16: bf16, %db16: bf16, %x16: bf16, %al16: bf16, %b16: bf16, %c16: bf16):
        %cv = arith.extf %c16 : bf16 to f32
        %r = arith.mulf %hv, %cv : f32
        seq.yield %r : f32
      } -> tensor<3x40xf32>, tensor<3x40x16xf32>
  return %y, %h1 : tensor<3x40xf32>, tensor<3x40x16xf32>
}
func.func @decode(%x: tensor<2x1x300xf32>, %w: tensor<300x4xf32>, %b: tensor<300xf32>,
                  %s: tensor<2x3x300xf32>) -> (tensor<2x1x300xf32>, tensor<2x3x300xf32>) {
  %y, %s1 = seq.causal_conv1d %x, %w bias(%b : tensor<300xf32>) state(%s : tensor<2x3x300xf32>) silu
      : tensor<2x1x300xf32>, tensor<300x4xf32> -> tensor<2x1x300xf32>, tensor<2x3x300xf32>
  return %y, %s1 : tensor<2x1x300xf32>, tensor<2x3x300xf32>
}

func.func @prefill_bf16(%x: tensor<2x37x300xbf16>, %w: tensor<300x4xbf16>, %b: tensor<300xbf16>,
                        %s: tensor<2x3x300xbf16>) -> (tensor<2x37x300xbf16>, tensor<2x3x300xbf16>) {
  %y, %s1 = seq.causal_conv1d %x, %w bias(%b : tensor<300xbf16>) state(%s : tensor<2x3x300xbf16>) silu
      : tensor<2x37x300xbf16>, tensor<300x4xbf16> -> tensor<2x37x300xbf16>, tensor<2x3x300xbf16>
  return %y, %s1 : tensor<2x37x300xbf16>, tensor<2x3x300xbf16>
}
