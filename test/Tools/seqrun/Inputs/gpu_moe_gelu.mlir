// Entries with GELU experts and seq.grouped_matmul for a GPU launch plan
// (gpu-host-moe-gelu.test): the CPU tests' ops and shapes
// (Integration/CPU/moe/moe_experts_{shared_gelu,geglu_capacity}.mlir,
// grouped_matmul.mlir).
func.func @gelu_shared(%x: tensor<5x8xf32>, %w: tensor<5x2xf32>, %e: tensor<5x2xi32>,
    %wu: tensor<3x6x8xf32>, %wd: tensor<3x8x6xf32>, %su: tensor<10x8xf32>,
    %sd: tensor<8x10xf32>) -> tensor<5x8xf32> {
  %perm, %off = seq.moe_dispatch %e {num_experts = 3 : i64}
      : tensor<5x2xi32> -> tensor<10xi32>, tensor<4xi32>
  %y = seq.moe_experts %x, %w, %perm, %off up(%wu : tensor<3x6x8xf32>)
      down(%wd : tensor<3x8x6xf32>) shared_up(%su : tensor<10x8xf32>)
      shared_down(%sd : tensor<8x10xf32>) {activation = #seq.ffn_activation<gelu>}
      : tensor<5x8xf32>, tensor<5x2xf32>, tensor<10xi32>, tensor<4xi32> -> tensor<5x8xf32>
  return %y : tensor<5x8xf32>
}

func.func @geglu(%x: tensor<8x16xf32>, %w: tensor<8x2xf32>, %perm: tensor<16xi32>,
    %off: tensor<5xi32>, %wg: tensor<4x32x16xf32>, %wu: tensor<4x32x16xf32>,
    %wd: tensor<4x16x32xf32>) -> tensor<8x16xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<4x32x16xf32>)
      up(%wu : tensor<4x32x16xf32>) down(%wd : tensor<4x16x32xf32>)
      {activation = #seq.ffn_activation<geglu>}
      : tensor<8x16xf32>, tensor<8x2xf32>, tensor<16xi32>, tensor<5xi32> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

func.func @grouped(%in: tensor<20x16xf32>, %w: tensor<4x24x16xf32>, %off: tensor<5xi32>)
    -> tensor<20x24xf32> {
  %y = seq.grouped_matmul %in, %w, %off
      : tensor<20x16xf32>, tensor<4x24x16xf32>, tensor<5xi32> -> tensor<20x24xf32>
  return %y : tensor<20x24xf32>
}
