//===- KernelPassUtils.h - what every GPU kernel pass shares ----*- C++ -*-===//
//
// This file declares the helpers the seq-gpu-*-kernels passes share: the
// GPU target and mutation options, the kernel module (gpu.module
// @seq_kernels) they add kernels to, kernel names, the launch ABI a kernel
// records for the manifest (known_block_size, seq.launch_grid), the
// reference an op keeps to its kernels (seq.gpu_kernel, seq.gpu_kernels),
// the alignment of workgroup tiles, the staging of a tile into workgroup
// memory that the linear and MoE expert GEMMs share (KernelPassUtils.cpp),
// and the index arithmetic every kernel builder emits (IndexMath).
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_TARGET_GPU_KERNELPASSUTILS_H
#define SEQC_TARGET_GPU_KERNELPASSUTILS_H

#include "seqc/Target/TargetDescription.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Support/LLVM.h"

#include <string>
#include <utility>

namespace mlir {
namespace seq {

/// The attribute naming the kernel that runs an op (a SymbolRefAttr
/// @seq_kernels::@name), and the one naming several (an array of them).
constexpr llvm::StringLiteral kGPUKernelAttrName = "seq.gpu_kernel";
constexpr llvm::StringLiteral kGPUKernelsAttrName = "seq.gpu_kernels";

/// The status codes kernels store in their i32 status word
/// (runtime/include/seqrt/seqrt.h, seqrt_code), which the host reads after
/// a checked launch.
constexpr int32_t kStatusIndexOutOfRange = 1;
constexpr int32_t kStatusCacheOverflow = 2;

/// The GPU target a kernel pass's `target` option names, or failure after
/// an error on `module` ("<pass>: <why>": the option does not parse, or it
/// names a target that is not a GPU).
FailureOr<TargetDescription>
parseGPUTargetOption(ModuleOp module, StringRef passName, StringRef option);

/// The mutation a kernel pass's `mutation` option names among `known`
/// (spelling, value), or failure after "<pass>: unknown mutation '<option>'"
/// on `module`.
template <typename MutationT>
FailureOr<MutationT>
parseMutationOption(ModuleOp module, StringRef passName, StringRef option,
                    ArrayRef<std::pair<StringRef, MutationT>> known) {
  for (const auto &[spelling, value] : known)
    if (option == spelling)
      return value;
  module.emitError() << passName << ": unknown mutation '" << option << "'";
  return failure();
}

/// The kernel module of `module` (gpu.module @seq_kernels, tagged with the
/// target's name), created at the end of `module` (then marked a container
/// module) when it has none. `builder`'s insertion point is kept.
gpu::GPUModuleOp getOrCreateKernelModule(OpBuilder &builder, ModuleOp module,
                                         const TargetDescription &target);

/// `base` when `kernels` (may be null) has no symbol of that name, else
/// the first of base_1, base_2, ... it does not have.
std::string uniqueKernelName(gpu::GPUModuleOp kernels, StringRef base);

/// The printed form of `type` ("f32", "bf16", "i32"), as kernel names
/// spell element types.
std::string kernelTypeName(Type type);

/// The f32 bits of `value` in lower-case hex: a kernel named by a constant
/// in its code (an epsilon, a scale).
std::string kernelFloatTag(float value);

/// A reference @seq_kernels::@name to kernel `name`.
SymbolRefAttr kernelReference(MLIRContext *context, StringRef name);

/// Records on `op` the kernel that runs it (seq.gpu_kernel), or the
/// kernels, in launch order (seq.gpu_kernels): what the host plan reads.
void recordKernel(Operation *op, StringRef name);
void recordKernels(Operation *op, ArrayRef<std::string> names);

/// Creates kernel `name` at `b`'s insertion point (a gpu.func with the
/// kernel attribute) with memref `arguments` and `workgroup` buffers, and
/// records its launch for the manifest: a block of `threads` threads
/// (known_block_size) and the grid rule `grid` (seq.launch_grid triples,
/// GPUTarget.h). `b` is left after the new function.
gpu::GPUFuncOp createKernelFunc(ImplicitLocOpBuilder &b, StringRef name,
                                TypeRange arguments, TypeRange workgroup,
                                int64_t threads, ArrayRef<int64_t> grid);

/// One op of a region compiled into a kernel (a scan's step and readout,
/// an elementwise linalg.generic's body): arith ops are cloned, math ops
/// lowered in f32 with no device library (exp and log through
/// llvm.intr.exp2/log2, log1p as log(u) x / (u - 1) with u = 1 + x,
/// sqrt, rsqrt as 1 / sqrt), the result mapped in `mapping`. Another op is
/// an error "<passName>: '<op>' in <where> has no GPU form".
LogicalResult emitGPURegionOp(ImplicitLocOpBuilder &b, Operation &op,
                              IRMapping &mapping, StringRef passName,
                              StringRef where);

/// Whether emitGPURegionOp compiles `op` (arith, and math.exp, exp2, log,
/// log2, log1p, sqrt, rsqrt).
bool isGPURegionOp(Operation &op);

/// A buffer of `shape` x `elementType` in workgroup (shared) memory.
MemRefType workgroupMemRefType(ArrayRef<int64_t> shape, Type elementType);

/// The alignment, in bytes, of a workgroup tile that 16-byte cp.async
/// copies fill: PTX's cp.async needs its shared address aligned to the copy
/// size. (A wgmma operand tile needs more: a whole core matrix.)
constexpr int64_t kAsyncCopyTileAlignment = 16;

/// Declares every workgroup buffer of `func` aligned to `bytes` (llvm.align
/// on its attribution, which the NVVM and ROCDL lowerings give the shared
/// global; without it the global is aligned to its element only, 2 bytes
/// for bf16). Every kernel whose tiles take 16-byte cp.async copies or
/// wgmma descriptors calls it; the emulator rejects a cp.async or a
/// descriptor into a buffer declared less aligned than it needs.
void alignWorkgroupBuffers(gpu::GPUFuncOp func, int64_t bytes);

/// Stages a `rows` x `depth` tile into `tile` (workgroup memory): thread
/// `tid` of `threads` copies elements tid, tid + threads, ... in row-major
/// order. For element (i, col), `locate(i, col)` emits the condition that
/// it lies inside the source (the tile is zero elsewhere) and `element(i,
/// col)` the value, emitted where the condition holds (it may use values
/// `locate` made for the same element).
void stageTile(ImplicitLocOpBuilder &b, Value tile, Value tid, int64_t threads,
               int64_t rows, int64_t depth,
               function_ref<Value(Value, Value)> locate,
               function_ref<Value(Value, Value)> element);

/// A row id read from an i32 memref and the branch on its range
/// (loadCheckedRowId).
struct CheckedRowId {
  Value id;         // i64
  scf::IfOp branch; // then: 0 <= id < rows; else: outside the table
};

/// Loads `ids[position]` (i32), sign-extends it to i64 and branches on
/// 0 <= id < `rows` (i64): an scf.if with an else region, `b` left after
/// it. The embedding kernels (StateKernels.cpp, QuantLinearKernel.cpp)
/// read their token ids this way.
CheckedRowId loadCheckedRowId(ImplicitLocOpBuilder &b, Value ids,
                              Value position, Value rows);

/// The index arithmetic the kernel builders emit: constants, sums,
/// products, unsigned division and remainder by constants (thread, lane
/// and tile indices are never negative), comparisons and minima. A
/// builder derives from it (or holds one) instead of defining its own.
struct IndexMath {
  explicit IndexMath(ImplicitLocOpBuilder &b) : b(b) {}

  Value c(int64_t value) { return arith::ConstantIndexOp::create(b, value); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value div(Value x, int64_t y) { return arith::DivUIOp::create(b, x, c(y)); }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, x, c(y)); }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, y);
  }
  Value slt(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::slt, x, y);
  }
  Value minU(Value x, Value y) { return arith::MinUIOp::create(b, x, y); }
  Value minS(Value x, Value y) { return arith::MinSIOp::create(b, x, y); }
  Value zeroOf(Type type) {
    return arith::ConstantOp::create(b, type, b.getZeroAttr(type));
  }

  ImplicitLocOpBuilder &b;
};

} // namespace seq
} // namespace mlir

#endif // SEQC_TARGET_GPU_KERNELPASSUTILS_H
