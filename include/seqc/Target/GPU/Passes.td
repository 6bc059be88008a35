//===- Passes.td - GPU target passes -----------------------*- tablegen -*-===//
//
// Passes that generate GPU kernels from seq ops and prepare them for the
// NVVM and ROCDL code generators.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_GPU_PASSES_TD
#define SEQC_TARGET_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def SeqGPULinearKernels : Pass<"seq-gpu-linear-kernels", "::mlir::ModuleOp"> {
  let summary = "Generates the GPU kernels of seq.linear";
  let description = [{
    For every `seq.linear` (f32, f16 or bf16, with or without bias) adds a
    kernel to `gpu.module @seq_kernels` (one per element type and bias)
    and names it on the op (`seq.gpu_kernel`). The kernel is the mapped
    form that code generation and the emulator both take: a block per
    `blockM x blockN` output tile (grid from `seq.launch_grid`), warps in a
    `warpsM x warpsN` grid, `blockK`-deep tiles of X and W staged in
    workgroup (shared) memory between two `gpu.barrier`s, and the chip's
    matrix instruction (`nvgpu.mma.sync` m16n8k16 on CUDA, `amdgpu.mfma`
    16x16x16 on HIP) fed from per-lane fragments in the instruction's
    register layout; f32 runs f32 FMAs per thread (exact f32). Tile sizes
    come from `selectGPULinearConfig` (KernelDispatch).
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cuda:sm_80\"",
           "The GPU target (cuda:<sm>, hip:<gfx>)">,
    Option<"mutation", "mutation", "std::string", "\"none\"",
           "Test only: a deliberate bug (swap-fragment-lanes, drop-barrier, "
           "shared-off-by-one) that the emulator must catch">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::amdgpu::AMDGPUDialect"
  ];
}

def SeqGPUAttentionKernels
    : Pass<"seq-gpu-attention-kernels", "::mlir::ModuleOp"> {
  let summary = "Generates the GPU kernels of seq.attention";
  let description = [{
    For every `seq.attention` (f16 or bf16, static head dims that are
    multiples of 16, static query heads per KV head; causal or not, any
    scale) adds its kernels to `gpu.module @seq_kernels` and names them on
    the op (`seq.gpu_kernels`). The kernels are FlashAttention-2 in mapped
    form: a block per (query block, KV head, batch row) whose warps own 16
    (position, group head) rows each, K/V tiles in workgroup memory between
    barriers, Q.K^T and P.V on the matrix instruction (`nvgpu.mma.sync`
    m16n8k16 on CUDA, `amdgpu.mfma` 16x16x16 on HIP) with f32
    accumulators, an online softmax in registers and causal tile skipping.
    When KernelDispatch splits the keys (decode: few query rows, long KV,
    from the shape and the SM/CU count), the op gets a split kernel
    writing per-split partial outputs and log-sum-exp and a merge kernel
    (`seq.split_kv` on the op gives the split count). Decode shapes (a
    few query rows per KV head) take the decode form of the split kernel:
    no matrix instruction, K/V rows read into registers with 128-bit
    loads, each read serving the group's query heads. Tile sizes come
    from `selectGPUAttentionConfig`. Other forms (f32, ragged or paged KV,
    windows, softcap, score/mask regions, lse results) are an error.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cuda:sm_80\"",
           "The GPU target (cuda:<sm>, hip:<gfx>)">,
    Option<"splits", "splits", "int64_t", "0",
           "Key splits (0: KernelDispatch's choice; 1: the prefill form)">,
    Option<"decode", "decode", "bool", "true",
           "Decode shapes take the decode form (false: the tiled split "
           "kernel)">,
    Option<"mutation", "mutation", "std::string", "\"none\"",
           "Test only: a deliberate bug (swap-fragment-lanes, drop-barrier, "
           "shared-off-by-one) that the emulator must catch">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::amdgpu::AMDGPUDialect", "::mlir::LLVM::LLVMDialect"
  ];
}

def SeqGPUNormKernels : Pass<"seq-gpu-norm-kernels", "::mlir::ModuleOp"> {
  let summary = "Generates the GPU kernels of seq.rms_norm and seq.layer_norm";
  let description = [{
    For every `seq.rms_norm` and `seq.layer_norm` (f32, f16 or bf16, input
    and weight of one type) adds a kernel to `gpu.module @seq_kernels` and
    names it on the op (`seq.gpu_kernel`). The kernel sees the input as
    rows `[R, H]`; statistics are f32. Rows of up to 8 elements per lane
    get a warp (wavefront) each, 4 rows per block, reduced with
    `gpu.shuffle xor`; wider rows (or `block-per-row`) get a block each,
    the warps' partial sums combined through workgroup memory after a
    `gpu.barrier`. Layer norm makes two passes (mean, then the centred
    variance), as the CPU lowering does. The mapping comes from
    `selectGPURowConfig` (KernelDispatch).
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cuda:sm_80\"",
           "The GPU target (cuda:<sm>, hip:<gfx>)">,
    Option<"blockPerRow", "block-per-row", "bool", "false",
           "A block per row whatever the row width (tests)">,
    Option<"mutation", "mutation", "std::string", "\"none\"",
           "Test only: a deliberate bug (shuffle-offset, drop-barrier) "
           "that the emulator must catch">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def SeqGPUElementwiseKernels
    : Pass<"seq-gpu-elementwise-kernels", "::mlir::ModuleOp"> {
  let summary = "Generates the GPU kernels of seq.swiglu, residual adds and "
                "seq.rope";
  let description = [{
    For every `seq.swiglu`, `arith.addf` on tensors (the residual add) and
    `seq.rope` (f32, f16 or bf16) adds a kernel to `gpu.module
    @seq_kernels` and names it on the op (`seq.gpu_kernel`). SwiGLU and
    the add are grid-stride loops over the flattened elements (f32
    arithmetic, exp as `llvm.intr.exp2`). RoPE (neox or gptj pairing,
    partial rotary, given or theta-derived inverse frequencies) takes a
    block per (tile of positions, head, batch row) and a thread per
    rotation pair; the inverse frequencies are a constant `memref.global`
    of the kernel module and sin/cos are computed in the kernel (no
    device library). Sizes come from `selectGPUElementwiseConfig`.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cuda:sm_80\"",
           "The GPU target (cuda:<sm>, hip:<gfx>)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def SeqGPUSampleKernels
    : Pass<"seq-gpu-sample-kernels", "::mlir::ModuleOp"> {
  let summary = "Generates the GPU kernels of greedy seq.sample";
  let description = [{
    For every greedy `seq.sample` (f32, f16 or bf16 logits `[B, V]`) adds
    an argmax kernel to `gpu.module @seq_kernels` and names it on the op
    (`seq.gpu_kernel`): a block per row, each thread scanning a strided
    share of the vocabulary, (value, index, NaN flag) reduced by
    `gpu.shuffle xor` per warp and across warps through workgroup memory
    after a barrier. Ties go to the lowest index; a row with a NaN or an
    empty vocabulary gets token -1 (the host's kInvalidLogits). Temperature
    sampling is an error for now.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cuda:sm_80\"",
           "The GPU target (cuda:<sm>, hip:<gfx>)">,
    Option<"mutation", "mutation", "std::string", "\"none\"",
           "Test only: a deliberate bug (shuffle-offset, drop-barrier) "
           "that the emulator must catch">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"
  ];
}

def SeqGPUMoEKernels : Pass<"seq-gpu-moe-kernels", "::mlir::ModuleOp"> {
  let summary = "Generates the GPU kernels of seq.moe_route, seq.moe_dispatch "
                "and seq.moe_experts";
  let description = [{
    Routing (`seq.moe_route`, softmax, top-k softmax or sigmoid with bias,
    without groups): a warp (wavefront) per token, softmax statistics by
    `gpu.shuffle xor`, the top-k as K warp argmax rounds over the experts
    after the previous choice (ties to the lowest index). Dispatch
    (`seq.moe_dispatch`): one block, a stable counting sort of the slots
    by expert (block scans through workgroup memory, capacity and invalid
    ids dropped after `offsets[E]` in slot order). Experts
    (`seq.moe_experts`, SwiGLU, GeGLU, GELU): a one-warp kernel lists the
    groups' row tiles (expert, first row; at most ceil(S / 32) + E), then
    grouped GEMMs over the ragged groups, a
    block per (column tile, listed row tile) with the linear kernel's
    tiles and matrix instruction (`nvgpu.mma.sync` m16n8k16, `amdgpu.mfma`
    16x16x16; f32 FMAs for f32 activations), gate and up fused with
    SiLU(gate) * up (GELU(gate) * up, GELU(up); GELU's erf and tanh as
    MLIR's polynomial approximations), the down projection scaled by the routing weight into
    a per-slot workspace, and a deterministic combine kernel (no atomics);
    shared experts are the same GEMMs over all tokens. Each op names its
    kernels (`seq.gpu_kernel`, or `seq.gpu_kernels` in launch order).
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cuda:sm_80\"",
           "The GPU target (cuda:<sm>, hip:<gfx>)">,
    Option<"mutation", "mutation", "std::string", "\"none\"",
           "Test only: a deliberate bug (shuffle-offset, drop-barrier, "
           "swap-fragment-lanes, group-offset-off-by-one, "
           "tile-list-off-by-one) that the emulator must catch">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::amdgpu::AMDGPUDialect", "::mlir::LLVM::LLVMDialect"
  ];
}

def SeqGPUConvKernels : Pass<"seq-gpu-conv-kernels", "::mlir::ModuleOp"> {
  let summary = "Generates the GPU kernels of seq.causal_conv1d";
  let description = [{
    For every `seq.causal_conv1d` (f32, f16 or bf16 input, weight, bias and
    state; static K) adds a kernel to `gpu.module @seq_kernels` and names
    it on the op (`seq.gpu_kernel`). A block per (tile of time steps,
    batch row) whose threads stride over the tile's (time, channel)
    elements, channels fastest (coalesced): `K` taps over the previous
    `K-1` inputs taken from `state` (zeros without it) or `input`, f32
    accumulation, bias and SiLU fused. The blocks of the first tile also
    write `final_state`, the last `K-1` inputs. The same kernel is the
    decode step (`S = 1`). Sizes come from `selectGPUElementwiseConfig`.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cuda:sm_80\"",
           "The GPU target (cuda:<sm>, hip:<gfx>)">,
    Option<"mutation", "mutation", "std::string", "\"none\"",
           "Test only: a deliberate bug (tap-off-by-one) that the emulator "
           "must catch">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def SeqGPUScanKernels : Pass<"seq-gpu-scan-kernels", "::mlir::ModuleOp"> {
  let summary = "Generates the GPU kernels of seq.scan and seq.scan_step";
  let description = [{
    For every `seq.scan` and `seq.scan_step` whose state is `[B, D]` or
    `[B, D, N]` or `[B, H, P, N]` (N up to 4 warps; readout summed over N
    or no readout) adds a kernel to `gpu.module @seq_kernels` and names it
    on the op (`seq.gpu_kernel`). A group of lanes (N rounded up to a power
    of two, at most a warp) owns one (batch row, channel), one lane per
    state element (N above the warp: several per lane, `_e<count>`); the
    state stays in registers while the block walks the sequence in chunks
    of one step per lane. The step and readout regions are compiled into
    the kernel: what depends on neither the time nor N (`A = -exp(A_log)`)
    is computed once, what depends on the time but not N (`softplus(dt)`,
    `dt * x`) once per (step, channel) by lane `t mod group` and handed to
    the group by `gpu.shuffle idx`, the rest per lane; the readout is
    summed over N with `gpu.shuffle xor`. `math.exp`/`math.log1p`/
    `math.log` become `llvm.intr.exp2`/`log2` (no device library). The
    final state is written at the end; `seq.scan_step` is the one-step
    (decode) form. Sizes come from `selectGPUScanConfig`.
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cuda:sm_80\"",
           "The GPU target (cuda:<sm>, hip:<gfx>)">,
    Option<"mutation", "mutation", "std::string", "\"none\"",
           "Test only: a deliberate bug (shuffle-offset, share-lane, "
           "drop-element) that the emulator must catch">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def SeqGPULowerExp2 : Pass<"seq-gpu-lower-exp2", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Lowers f32 llvm.intr.exp2/log2 to the chip's instruction";
  let description = [{
    The attention kernels compute their softmax with f32 `llvm.intr.exp2`
    and `llvm.intr.log2`, which the emulator runs and which
    `convert-gpu-to-nvvm`/`convert-gpu-to-rocdl` do not accept. This pass
    calls the chip's native approximation instead: `llvm.nvvm.ex2.approx.f32`
    and `llvm.nvvm.lg2.approx.f` (`ex2.approx.f32`, `lg2.approx.f32`) for
    `vendor=nvvm`, `llvm.amdgcn.exp2` and `llvm.amdgcn.log` (`v_exp_f32`,
    `v_log_f32`) for `vendor=rocdl`. No device library is needed.
  }];
  let options = [
    Option<"vendor", "vendor", "std::string", "\"nvvm\"",
           "nvvm or rocdl">
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def SeqGPULowerBF16MmaSync
    : Pass<"seq-gpu-lower-bf16-mma-sync", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Lowers bf16 nvgpu.mma.sync to nvvm.mma.sync";
  let description = [{
    `convert-nvgpu-to-nvvm` handles f16 but not bf16 `nvgpu.mma.sync`.
    This pass rewrites the bf16 m16n8k16 form (f32 accumulators) into
    `nvvm.mma.sync` with each pair of bf16 values packed into an i32
    register, the operand form of `mma.sync.aligned.m16n8k16.row.col.
    f32.bf16.bf16.f32`. The fragment layouts are those of the f16 form.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // SEQC_TARGET_GPU_PASSES_TD
