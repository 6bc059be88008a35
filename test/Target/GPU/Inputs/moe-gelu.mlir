// GeGLU / GELU experts and seq.grouped_matmul for the GPU code generators
// (moe-gelu-codegen.test).
func.func @geglu_bf16(%x: tensor<16x64xbf16>, %w: tensor<16x2xf32>, %perm: tensor<32xi32>,
    %off: tensor<9xi32>, %wg: tensor<8x128x64xbf16>, %wu: tensor<8x128x64xbf16>,
    %wd: tensor<8x64x128xbf16>) -> tensor<16x64xbf16> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<8x128x64xbf16>)
      up(%wu : tensor<8x128x64xbf16>) down(%wd : tensor<8x64x128xbf16>)
      {activation = #seq.ffn_activation<geglu>}
      : tensor<16x64xbf16>, tensor<16x2xf32>, tensor<32xi32>, tensor<9xi32> -> tensor<16x64xbf16>
  return %y : tensor<16x64xbf16>
}

func.func @gelu_shared_f32(%x: tensor<5x8xf32>, %w: tensor<5x2xf32>, %perm: tensor<10xi32>,
    %off: tensor<4xi32>, %wu: tensor<3x6x8xf32>, %wd: tensor<3x8x6xf32>, %su: tensor<10x8xf32>,
    %sd: tensor<8x10xf32>) -> tensor<5x8xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off up(%wu : tensor<3x6x8xf32>)
      down(%wd : tensor<3x8x6xf32>) shared_up(%su : tensor<10x8xf32>)
      shared_down(%sd : tensor<8x10xf32>) {activation = #seq.ffn_activation<gelu>}
      : tensor<5x8xf32>, tensor<5x2xf32>, tensor<10xi32>, tensor<4xi32> -> tensor<5x8xf32>
  return %y : tensor<5x8xf32>
}

func.func @grouped_bf16(%in: tensor<100x72xbf16>, %w: tensor<5x80x72xbf16>, %off: tensor<6xi32>)
    -> tensor<100x80xbf16> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<100x72xbf16>, tensor<5x80x72xbf16>, tensor<6xi32> -> tensor<100x80xbf16>
  return %y : tensor<100x80xbf16>
}

func.func @grouped_f16(%in: tensor<100x72xf16>, %w: tensor<5x80x72xf16>, %off: tensor<6xi32>)
    -> tensor<100x80xf16> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<100x72xf16>, tensor<5x80x72xf16>, tensor<6xi32> -> tensor<100x80xf16>
  return %y : tensor<100x80xf16>
}

func.func @grouped_f32(%in: tensor<20x16xf32>, %w: tensor<4x24x16xf32>, %off: tensor<5xi32>)
    -> tensor<20x24xf32> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<20x16xf32>, tensor<4x24x16xf32>, tensor<5xi32> -> tensor<20x24xf32>
  return %y : tensor<20x24xf32>
}
