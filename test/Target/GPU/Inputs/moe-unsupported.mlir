// An MoE op the GPU kernels do not take (moe-kernels.mlir): a dispatch over
// more experts than the kernel's workgroup counters hold.
func.func @dispatch(%experts: tensor<16x2xi32>) -> (tensor<32xi32>, tensor<5001xi32>) {
  %perm, %off = seq.moe_dispatch %experts {num_experts = 5000 : i64}
      : tensor<16x2xi32> -> tensor<32xi32>, tensor<5001xi32>
  return %perm, %off : tensor<32xi32>, tensor<5001xi32>
}
