// An MoE op without a GPU kernel yet (moe-kernels.mlir): GeGLU experts.
func.func @geglu(%x: tensor<5x8xf32>, %w: tensor<5x2xf32>, %perm: tensor<10xi32>, %off: tensor<4xi32>,
                 %wg: tensor<3x6x8xf32>, %wu: tensor<3x6x8xf32>, %wd: tensor<3x8x6xf32>) -> tensor<5x8xf32> {
  %y = seq.moe_experts %x, %w, %perm, %off gate(%wg : tensor<3x6x8xf32>) up(%wu : tensor<3x6x8xf32>)
      down(%wd : tensor<3x8x6xf32>) {activation = #seq.ffn_activation<geglu>}
      : tensor<5x8xf32>, tensor<5x2xf32>, tensor<10xi32>, tensor<4xi32> -> tensor<5x8xf32>
  return %y : tensor<5x8xf32>
}
