//===- HostPlan.cpp - The host side of entries on a GPU -------------------===//
//
// This file builds the launch plan of each entry for a GPU target: the host
// side of a compiled model, after the kernel passes have named every op's
// kernels. An entry becomes a list of device buffers (its inputs, the bound
// parameters, one per op result, the workspaces of kernel sequences such as
// MoE's) and of kernel launches over views of those buffers (a launch may
// write several, e.g. a scan's output and final state); the runtime (runtime/lib/GpuPlan.cpp) checks it against the
// launch manifest and the entry's signature at load and runs it at each call.
// The format is in docs/design/GPU.md ("The host side").
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::seq;
namespace host = seqrt::gpuhost;

namespace {
/// The artifact dtype name of a kernel buffer's element type (as the
/// metadata writes it), or empty.
StringRef dtypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isInteger(8)) // packed quantized weights
    return "i8";
  if (type.isInteger(32))
    return "i32";
  if (type.isInteger(64))
    return "i64";
  return "";
}

/// The plan of one entry function.
class EntryPlanBuilder {
public:
  EntryPlanBuilder(func::FuncOp func, ModuleOp module,
                   const TargetDescription &target)
      : func(func), module(module), target(target) {}

  FailureOr<llvm::json::Object> build() {
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      BlockArgument arg = func.getArgument(i);
      if (!isa<RankedTensorType>(arg.getType()))
        continue; // an integer scalar: only greedy sampling's seed/counter
      // State updated in place (a KV cache): seq.cache_write writes into
      // its buffer.
      bool state = static_cast<bool>(func.getArgAttr(i, "seq.inplace"));
      FailureOr<int64_t> buffer = addBuffer(
          arg, llvm::json::Object{
                   {"kind", state ? host::kBufferState : host::kBufferInput},
                   {"index", i}});
      if (succeeded(buffer) && state)
        stateBuffers.insert(*buffer);
      if (failed(buffer))
        return failure();
    }
    for (Operation &op : func.getBody().front()) {
      if (failed(visit(&op)))
        return failure();
    }
    return llvm::json::Object{{"name", func.getSymName()},
                              {"buffers", std::move(buffers)},
                              {"steps", std::move(steps)},
                              {"outputs", std::move(outputs)}};
  }

private:
  LogicalResult fail(Operation *op, const Twine &why) {
    return op->emitError() << "seqc: entry @" << func.getSymName()
                           << " cannot run on " << target.name() << ": " << why;
  }

  /// Adds a buffer for `value` (static shape) described by `desc`.
  FailureOr<int64_t> addBuffer(Value value, llvm::json::Object desc) {
    auto type = cast<RankedTensorType>(value.getType());
    StringRef dtype = dtypeName(type.getElementType());
    Operation *owner =
        value.getDefiningOp() ? value.getDefiningOp() : func.getOperation();
    if (!type.hasStaticShape())
      return fail(owner, "the launch plan needs static shapes, not " +
                             llvm::formatv("{0}", type).str());
    if (dtype.empty())
      return fail(owner, "no GPU buffer of element type " +
                             llvm::formatv("{0}", type.getElementType()).str());
    desc["dtype"] = dtype;
    desc["shape"] = llvm::json::Array(type.getShape());
    int64_t id = static_cast<int64_t>(buffers.size());
    buffers.push_back(std::move(desc));
    bufferOf[value] = id;
    return id;
  }

  /// A kernel argument: buffer of `value` viewed with `shape`.
  FailureOr<llvm::json::Value> arg(Operation *op, Value value,
                                   ArrayRef<int64_t> shape) {
    auto it = bufferOf.find(value);
    if (it == bufferOf.end())
      return fail(op, "operand " + llvm::formatv("{0}", value.getType()).str() +
                          " is made by no op with a GPU kernel");
    llvm::json::Object object{{"buffer", it->second},
                              {"shape", llvm::json::Array(shape)}};
    // A contiguous slice of the buffer (version 5).
    if (int64_t offset = offsetOf.lookup(value))
      object[host::kArgOffset] = offset;
    return llvm::json::Value(std::move(object));
  }

  /// The shape as [product of the leading extents, last extent].
  static SmallVector<int64_t> rows(RankedTensorType type) {
    int64_t leading = 1;
    for (int64_t d = 0; d + 1 < type.getRank(); ++d)
      leading *= type.getDimSize(d);
    return {leading, type.getRank() ? type.getShape().back() : 1};
  }
  static SmallVector<int64_t> flat(RankedTensorType type) {
    return {type.getNumElements()};
  }
  /// The shape with leading unit extents up to rank 4 (the permute
  /// kernel's view).
  static SmallVector<int64_t> rank4(RankedTensorType type) {
    SmallVector<int64_t> shape(4 - std::min<int64_t>(4, type.getRank()), 1);
    shape.append(type.getShape().begin(), type.getShape().end());
    return shape;
  }

  static std::string kernelName(Operation *op) {
    if (auto ref = op->getAttrOfType<SymbolRefAttr>("seq.gpu_kernel"))
      return ref.getLeafReference().str();
    return "";
  }

  /// Appends a launch of `op`'s kernel over `args`; its result gets a buffer.
  LogicalResult
  launch(Operation *op,
         ArrayRef<std::pair<Value, SmallVector<int64_t>>> operands,
         SmallVector<int64_t> resultShape, StringRef kind = host::kStepLaunch) {
    std::string kernel = kernelName(op);
    if (kernel.empty())
      return fail(op, "'" + op->getName().getStringRef().str() +
                          "' has no GPU kernel");
    llvm::json::Array args;
    for (auto &[value, shape] : operands) {
      FailureOr<llvm::json::Value> a = arg(op, value, shape);
      if (failed(a))
        return failure();
      args.push_back(std::move(*a));
    }
    Value result = op->getResult(0);
    FailureOr<int64_t> buffer =
        addBuffer(result, llvm::json::Object{{"kind", host::kBufferTemp}});
    if (failed(buffer))
      return failure();
    args.push_back(llvm::json::Object{
        {"buffer", *buffer}, {"shape", llvm::json::Array(resultShape)}});
    steps.push_back(llvm::json::Object{{"kind", kind},
                                       {"op", op->getName().getStringRef()},
                                       {"kernel", kernel},
                                       {"args", std::move(args)}});
    return success();
  }

  /// The kernel `name` of the kernel module, or a diagnostic on `op`.
  FailureOr<gpu::GPUFuncOp> kernelFunc(Operation *op, StringRef name) {
    auto kernels = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName);
    gpu::GPUFuncOp func =
        kernels ? kernels.lookupSymbol<gpu::GPUFuncOp>(name) : nullptr;
    if (!func)
      return fail(op, "its GPU kernel '" + name.str() + "' is missing");
    return func;
  }

  /// A launch of kernel `kernel` (of `op`) over `operandBuffers` (workspaces
  /// an earlier launch wrote), the whole tensors `operands`, then
  /// `results`, the arguments it writes: op results (a buffer each) or,
  /// when null, workspaces (buffers of no value, of the kernel parameter's
  /// element type and the next of `workspaceShapes`). Every operand's and
  /// result's element type is checked against the kernel's parameter.
  /// Returns the buffers of the results.
  FailureOr<SmallVector<int64_t>>
  launchWhole(Operation *op, StringRef kernel, ArrayRef<Value> operands,
              ArrayRef<Value> results,
              ArrayRef<SmallVector<int64_t>> workspaceShapes = {},
              ArrayRef<int64_t> operandBuffers = {}) {
    FailureOr<gpu::GPUFuncOp> func = kernelFunc(op, kernel);
    if (failed(func))
      return failure();
    FunctionType type = func->getFunctionType();
    size_t count = operandBuffers.size() + operands.size() + results.size();
    if (type.getNumInputs() != count)
      return fail(op, "kernel '" + kernel.str() + "' takes " +
                          std::to_string(type.getNumInputs()) +
                          " arguments, the plan has " + std::to_string(count));
    llvm::json::Array args;
    SmallVector<int64_t> written;
    auto element = [&](size_t i) {
      return cast<MemRefType>(type.getInput(i)).getElementType();
    };
    auto push = [&](int64_t buffer, ArrayRef<int64_t> shape) {
      args.push_back(llvm::json::Object{{"buffer", buffer},
                                        {"shape", llvm::json::Array(shape)}});
    };
    size_t i = 0;
    for (int64_t buffer : operandBuffers) {
      const llvm::json::Object *desc = buffers[buffer].getAsObject();
      SmallVector<int64_t> shape;
      for (const llvm::json::Value &e : *desc->getArray("shape"))
        shape.push_back(*e.getAsInteger());
      push(buffer, shape);
      ++i;
    }
    for (Value value : operands) {
      auto tensor = cast<RankedTensorType>(value.getType());
      if (tensor.getElementType() != element(i))
        return fail(op,
                    "kernel '" + kernel.str() + "' argument " +
                        std::to_string(i) + " is not of element type " +
                        llvm::formatv("{0}", tensor.getElementType()).str());
      FailureOr<llvm::json::Value> a = arg(op, value, tensor.getShape());
      if (failed(a))
        return failure();
      args.push_back(std::move(*a));
      ++i;
    }
    size_t w = 0;
    for (Value value : results) {
      FailureOr<int64_t> buffer;
      SmallVector<int64_t> shape;
      if (value) {
        auto tensor = cast<RankedTensorType>(value.getType());
        if (tensor.getElementType() != element(i))
          return fail(op,
                      "kernel '" + kernel.str() + "' result argument " +
                          std::to_string(i) + " is not of element type " +
                          llvm::formatv("{0}", tensor.getElementType()).str());
        shape.assign(tensor.getShape().begin(), tensor.getShape().end());
        buffer =
            addBuffer(value, llvm::json::Object{{"kind", host::kBufferTemp}});
      } else {
        shape = workspaceShapes[w++];
        StringRef dtype = dtypeName(element(i));
        if (dtype.empty())
          return fail(op, "no GPU buffer of kernel '" + kernel.str() +
                              "' argument " + std::to_string(i));
        buffer = static_cast<int64_t>(buffers.size());
        buffers.push_back(
            llvm::json::Object{{"kind", host::kBufferTemp},
                               {"dtype", dtype},
                               {"shape", llvm::json::Array(shape)}});
      }
      if (failed(buffer))
        return failure();
      push(*buffer, shape);
      ++i;
      written.push_back(*buffer);
    }
    llvm::json::Object step{{"kind", host::kStepLaunch},
                            {"op", op->getName().getStringRef()},
                            {"kernel", kernel.str()},
                            {"args", std::move(args)}};
    if (results.size() != 1)
      step["results"] = static_cast<int64_t>(results.size());
    steps.push_back(std::move(step));
    return written;
  }

  /// seq.scan / seq.scan_step (inputs, init; output, final state) and
  /// seq.causal_conv1d (input, weight, bias, state; output, final state):
  /// one kernel over the whole tensors writing both results.
  LogicalResult visitTwoResults(Operation *op) {
    std::string kernel = kernelName(op);
    if (kernel.empty())
      return fail(op, "'" + op->getName().getStringRef().str() +
                          "' has no GPU kernel");
    SmallVector<Value> operands(op->getOperands());
    SmallVector<Value> results(op->getResults());
    return launchWhole(op, kernel, operands, results);
  }

  /// seq.moe_experts: the kernel sequence the MoE kernel pass named
  /// (gate/up, down, the shared experts' two, the combine) over workspaces
  /// the plan allocates: H [S, F] and Ys [S, Dm] (f32), the shared
  /// experts' Hs [T, Fs] and Ys [T, Dm].
  LogicalResult visitExperts(MoeExpertsOp op) {
    auto refs = op->getAttrOfType<ArrayAttr>("seq.gpu_kernels");
    bool shared = static_cast<bool>(op.getSharedUp());
    if (!refs || refs.size() != (shared ? 5u : 3u))
      return fail(op, "'seq.moe_experts' has no GPU kernels");
    auto name = [&](unsigned i) {
      return cast<SymbolRefAttr>(refs[i]).getLeafReference().getValue();
    };
    if (!op.getGate())
      return fail(op, "the GPU experts are SwiGLU (they need gate weights)");
    auto shape = [](Value v) { return cast<RankedTensorType>(v.getType()); };
    int64_t tokens = shape(op.getInput()).getDimSize(0);
    int64_t slots = shape(op.getPermutation()).getDimSize(0);
    int64_t ffn = shape(op.getUp()).getDimSize(1);
    int64_t model = shape(op.getDown()).getDimSize(1);
    if (shape(op.getInput()).getRank() != 2)
      return fail(op, "the GPU experts take [T, Dm] tokens");
    FailureOr<SmallVector<int64_t>> h =
        launchWhole(op, name(0),
                    {op.getInput(), op.getPermutation(), op.getExpertOffsets(),
                     op.getGate(), op.getUp()},
                    {Value()}, {{slots, ffn}});
    if (failed(h))
      return failure();
    FailureOr<SmallVector<int64_t>> ys =
        launchWhole(op, name(1),
                    {op.getPermutation(), op.getExpertOffsets(), op.getDown(),
                     op.getWeights()},
                    {Value()}, {{slots, model}}, {(*h)[0]});
    if (failed(ys))
      return failure();
    SmallVector<int64_t> combined = {(*ys)[0]};
    if (shared) {
      int64_t sharedFfn = shape(op.getSharedUp()).getDimSize(0);
      FailureOr<SmallVector<int64_t>> hs = launchWhole(
          op, name(2), {op.getInput(), op.getSharedGate(), op.getSharedUp()},
          {Value()}, {{tokens, sharedFfn}});
      if (failed(hs))
        return failure();
      FailureOr<SmallVector<int64_t>> yss =
          launchWhole(op, name(3), {op.getSharedDown()}, {Value()},
                      {{tokens, model}}, {(*hs)[0]});
      if (failed(yss))
        return failure();
      combined.push_back((*yss)[0]);
    }
    return success(succeeded(launchWhole(op, name(refs.size() - 1), {},
                                         {op.getOutput()}, {}, combined)));
  }

  LogicalResult visitAttention(AttentionOp op) {
    auto refs = op->getAttrOfType<ArrayAttr>("seq.gpu_kernels");
    if (!refs || refs.empty())
      return fail(op, "'seq.attention' has no GPU kernel");
    RankedTensorType query = op.getQuery().getType();
    RankedTensorType key = op.getKey().getType();
    Type type = query.getElementType();
    LinearElementType elementType =
        type.isF16() ? LinearElementType::F16 : LinearElementType::BF16;
    // The kernel pass made the form the target's table chose; the runtime
    // chooses on the device's SM count (seqrt/GpuHost.h), so every form
    // the shape allows must exist: the tiled prefill kernel, its split-KV
    // kernel when the keys allow a split (two K/V tiles each), and the
    // decode form (few query rows, long KV) when its mapping applies.
    std::string error;
    auto select = [&](bool allowDecode) {
      return selectGPUAttentionConfig(
          target, elementType, op.getGroupSize(), query.getDimSize(3),
          op.getValue().getType().getDimSize(3), query.getDimSize(0),
          key.getDimSize(1), query.getDimSize(2), key.getDimSize(2), error,
          allowDecode);
    };
    std::optional<GPUAttentionConfig> config = select(/*allowDecode=*/false);
    if (!config)
      return fail(op, error);
    std::optional<GPUAttentionConfig> decodeConfig = select(true);
    if (decodeConfig && !decodeConfig->decode)
      decodeConfig.reset();
    double scale = op.getEffectiveScale();
    std::optional<float> explicitScale =
        op.getScaleAttr() ? std::optional<float>(float(scale)) : std::nullopt;
    // Ragged KV (kv_lengths): the kernels read the counts on the device and
    // store a count past the cache in a status word.
    bool ragged = static_cast<bool>(op.getKvLengths());
    std::string base = attentionKernelName(*config, elementType, op.getCausal(),
                                           explicitScale);
    std::string prefill = ragged ? base + kRaggedAttentionSuffix.str() : base;
    std::string split = prefill + "_split";
    std::string decode =
        decodeConfig
            ? attentionKernelName(*decodeConfig, elementType, op.getCausal(),
                                  explicitScale) +
                  (ragged ? kRaggedAttentionSuffix.str() : "") + "_decode"
            : std::string();
    std::string merge =
        std::string("attention_merge_") + (type.isF16() ? "f16" : "bf16");
    bool canSplit = key.getDimSize(2) / (2 * config->blockKV) >= 2;
    auto kernels = module.lookupSymbol<gpu::GPUModuleOp>(kKernelModuleName);
    OpBuilder builder(module.getContext());
    auto ensure = [&](StringRef name, const GPUAttentionConfig &c,
                      AttentionKernelKind kind) {
      if (kernels.lookupSymbol(name))
        return;
      if (ragged && kind != AttentionKernelKind::Merge)
        buildRaggedAttentionKernel(builder, kernels, name, c, elementType, kind,
                                   op.getCausal(), scale, KernelMutation::None,
                                   RaggedMutation::None);
      else
        buildAttentionKernel(builder, kernels, name, c, elementType, kind,
                             op.getCausal(), scale, KernelMutation::None);
    };
    ensure(prefill, *config, AttentionKernelKind::Prefill);
    if (canSplit)
      ensure(split, *config, AttentionKernelKind::SplitPartial);
    if (decodeConfig)
      ensure(decode, *decodeConfig, AttentionKernelKind::SplitPartial);
    if (canSplit || decodeConfig)
      ensure(merge, *config, AttentionKernelKind::Merge);
    llvm::json::Array args;
    SmallVector<Value, 4> read = {op.getQuery(), op.getKey(), op.getValue()};
    if (ragged)
      read.push_back(op.getKvLengths());
    for (Value v : read) {
      FailureOr<llvm::json::Value> a =
          arg(op, v, cast<RankedTensorType>(v.getType()).getShape());
      if (failed(a))
        return failure();
      args.push_back(std::move(*a));
    }
    FailureOr<int64_t> out = addBuffer(
        op.getOutput(), llvm::json::Object{{"kind", host::kBufferTemp}});
    if (failed(out))
      return failure();
    args.push_back(llvm::json::Object{
        {"buffer", *out},
        {"shape", llvm::json::Array(op.getOutput().getType().getShape())}});
    if (ragged) {
      int64_t status = workspace("i32", {1});
      args.push_back(llvm::json::Object{{"buffer", status},
                                        {"shape", llvm::json::Array{1}}});
    }
    llvm::json::Object step{{"kind", host::kStepAttention},
                            {"op", "seq.attention"},
                            {"kernel", prefill},
                            {"positions_per_block", config->positionsPerBlock},
                            {"block_kv", config->blockKV},
                            {"args", std::move(args)}};
    if (canSplit)
      step["split_kernel"] = split;
    if (decodeConfig) {
      step["decode_kernel"] = decode;
      step["decode_keys_per_step"] = decodeConfig->decodeKeysPerStep();
    }
    if (canSplit || decodeConfig)
      step["merge_kernel"] = merge;
    steps.push_back(std::move(step));
    return success();
  }

  /// tensor.extract_slice with static offsets, sizes and unit strides
  /// whose elements are contiguous in the source (a prefill's last row):
  /// a view of the source's buffer at an element offset.
  LogicalResult visitSlice(tensor::ExtractSliceOp slice) {
    auto it = bufferOf.find(slice.getSource());
    if (it == bufferOf.end())
      return fail(slice, "the sliced tensor is made by no op with a GPU "
                         "kernel");
    RankedTensorType source = slice.getSourceType();
    ArrayRef<int64_t> offsets = slice.getStaticOffsets();
    ArrayRef<int64_t> sizes = slice.getStaticSizes();
    ArrayRef<int64_t> strides = slice.getStaticStrides();
    if (!source.hasStaticShape() ||
        llvm::any_of(offsets, ShapedType::isDynamic) ||
        llvm::any_of(sizes, ShapedType::isDynamic) ||
        llvm::any_of(strides, [](int64_t s) { return s != 1; }))
      return fail(slice, "a GPU view of a slice needs static offsets and "
                         "sizes and unit strides");
    // Contiguous: unit extents, then one partial extent, then whole ones.
    int64_t rank = source.getRank(), first = 0;
    while (first < rank && sizes[first] == 1)
      ++first;
    for (int64_t d = first + 1; d < rank; ++d)
      if (sizes[d] != source.getDimSize(d))
        return fail(slice, "the slice is not contiguous in its buffer (no "
                           "GPU kernel gathers it)");
    int64_t offset = 0, stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      offset += offsets[d] * stride;
      stride *= source.getDimSize(d);
    }
    bufferOf[slice.getResult()] = it->second;
    offset += offsetOf.lookup(slice.getSource());
    if (offset)
      offsetOf[slice.getResult()] = offset;
    return success();
  }

  /// The input number of `value` if it is an entry input that can be a
  /// position: i32 [1], not updated in place.
  std::optional<int64_t> positionInput(Value value) {
    auto arg = dyn_cast<BlockArgument>(value);
    auto type = arg ? dyn_cast<RankedTensorType>(arg.getType()) : nullptr;
    if (!arg || arg.getOwner() != &func.getBody().front() || !type ||
        type.getShape() != ArrayRef<int64_t>{1} ||
        !type.getElementType().isInteger(32) ||
        func.getArgAttr(arg.getArgNumber(), "seq.inplace"))
      return std::nullopt;
    return static_cast<int64_t>(arg.getArgNumber());
  }

  /// arith.addi of the entry's position input (i32 [1], or the splat of
  /// its element) and an i32 constant c + i (an iota): the values a decode
  /// step derives from its position (RoPE positions, the attention's
  /// valid key count), which the runtime computes at the call (a
  /// "position" buffer, version 5).
  LogicalResult visitPositions(arith::AddIOp add) {
    auto type = cast<RankedTensorType>(add.getType());
    // (the input's number, c) when `position` + `constant` has the form.
    using Match = std::optional<std::pair<int64_t, int64_t>>;
    auto match = [&](Value position, Value constant) -> Match {
      if (auto splat = position.getDefiningOp<tensor::SplatOp>()) {
        auto extract = splat.getInput().getDefiningOp<tensor::ExtractOp>();
        if (!extract)
          return std::nullopt;
        position = extract.getTensor();
      } else if (position.getType() != type) {
        return std::nullopt;
      }
      std::optional<int64_t> index = positionInput(position);
      if (!index)
        return std::nullopt;
      DenseIntElementsAttr values;
      if (!matchPattern(constant, m_Constant(&values)))
        return std::nullopt;
      int64_t start = 0, i = 0;
      for (const APInt &value : values.getValues<APInt>()) {
        int64_t v = value.getSExtValue();
        if (i == 0)
          start = v;
        else if (v != start + i)
          return std::nullopt;
        ++i;
      }
      if (start < INT32_MIN || start > INT32_MAX)
        return std::nullopt;
      return std::make_pair(*index, start);
    };
    Match found = match(add.getLhs(), add.getRhs());
    if (!found)
      found = match(add.getRhs(), add.getLhs());
    if (!found || !type.getElementType().isInteger(32))
      return fail(add, "arith.addi on tensors runs on a GPU only as the "
                       "entry's position input (i32 [1]) plus an i32 iota "
                       "constant (c, c + 1, ...)");
    return success(succeeded(addBuffer(
        add.getResult(), llvm::json::Object{{"kind", host::kBufferPosition},
                                            {"index", found->first},
                                            {"start", found->second}})));
  }

  /// A new temp buffer of `dtype` and `shape` for no op value.
  int64_t workspace(StringRef dtype, ArrayRef<int64_t> shape) {
    int64_t id = static_cast<int64_t>(buffers.size());
    buffers.push_back(llvm::json::Object{{"kind", host::kBufferTemp},
                                         {"dtype", dtype},
                                         {"shape", llvm::json::Array(shape)}});
    return id;
  }

  /// seq.embedding and seq.quantized_embedding (table, ids [N]; out
  /// [N, D], status) and seq.cache_write
  /// (update, positions; the cache, written in place, and status): checked
  /// launches whose status word the runtime reads after the call.
  LogicalResult visitChecked(Operation *op) {
    std::string kernel = kernelName(op);
    if (kernel.empty())
      return fail(op, "'" + op->getName().getStringRef().str() +
                          "' has no GPU kernel");
    auto shape = [](Value v) {
      auto type = cast<RankedTensorType>(v.getType());
      return SmallVector<int64_t>(type.getShape());
    };
    llvm::json::Array args;
    auto push = [&](Value v, ArrayRef<int64_t> s) -> LogicalResult {
      FailureOr<llvm::json::Value> a = arg(op, v, s);
      if (failed(a))
        return failure();
      args.push_back(std::move(*a));
      return success();
    };
    if (isa<EmbeddingOp, QuantizedEmbeddingOp>(op)) {
      // Both: table (a quantized one as its packed i8 rows), ids, output.
      Value table = op->getOperand(0), ids = op->getOperand(1);
      Value output = op->getResult(0);
      auto out = cast<RankedTensorType>(output.getType());
      if (failed(push(table, shape(table))) ||
          failed(push(ids, flat(cast<RankedTensorType>(ids.getType())))))
        return failure();
      FailureOr<int64_t> buffer =
          addBuffer(output, llvm::json::Object{{"kind", host::kBufferTemp}});
      if (failed(buffer))
        return failure();
      args.push_back(llvm::json::Object{
          {"buffer", *buffer}, {"shape", llvm::json::Array(rows(out))}});
    } else {
      auto write = cast<CacheWriteOp>(op);
      Value cache = write.getCache();
      // In place: only when nothing else reads the old cache (the CPU's
      // bufferization would copy it), and only into state the caller lent
      // or a buffer an earlier step of this entry wrote.
      if (!cache.hasOneUse())
        return fail(op, "the cache is read again after seq.cache_write, so "
                        "it cannot be updated in place");
      auto it = bufferOf.find(cache);
      if (it == bufferOf.end() || !stateBuffers.count(it->second))
        return fail(op, "seq.cache_write on a GPU writes into state the "
                        "caller lends (an input marked seq.inplace)");
      if (failed(push(write.getUpdate(), shape(write.getUpdate()))) ||
          failed(push(write.getPositions(), shape(write.getPositions()))) ||
          failed(push(cache, shape(cache))))
        return failure();
      bufferOf[write.getResult()] = bufferOf[cache];
    }
    int64_t status = workspace("i32", {1});
    args.push_back(llvm::json::Object{{"buffer", status},
                                      {"shape", llvm::json::Array({1})}});
    steps.push_back(llvm::json::Object{{"kind", host::kStepChecked},
                                       {"op", op->getName().getStringRef()},
                                       {"kernel", kernel},
                                       {"results", 2},
                                       {"args", std::move(args)}});
    return success();
  }

  LogicalResult visit(Operation *op) {
    auto tensorOf = [](Value v) { return cast<RankedTensorType>(v.getType()); };
    if (auto get = dyn_cast<GetParameterOp>(op)) {
      auto param = module.lookupSymbol<ParameterOp>(get.getNameAttr());
      if (!param)
        return fail(op, "unknown parameter");
      return addBuffer(get.getResult(),
                       llvm::json::Object{{"kind", host::kBufferParam},
                                          {"key", param.getKey()}});
    }
    // Views of a contiguous buffer: the same buffer, another shape.
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::ReshapeOp,
            tensor::CastOp>(op)) {
      auto it = bufferOf.find(op->getOperand(0));
      if (it == bufferOf.end())
        return fail(op, "operand of '" + op->getName().getStringRef().str() +
                            "' is made by no op with a GPU kernel");
      if (!tensorOf(op->getResult(0)).hasStaticShape())
        return fail(op, "the launch plan needs static shapes");
      bufferOf[op->getResult(0)] = it->second;
      if (int64_t offset = offsetOf.lookup(op->getOperand(0)))
        offsetOf[op->getResult(0)] = offset;
      return success();
    }
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
      return visitSlice(slice);
    if (auto add = dyn_cast<arith::AddIOp>(op);
        add && isa<RankedTensorType>(add.getType()))
      return visitPositions(add);
    // The scalar of a position input, and its splat: read by
    // visitPositions' pattern only (any other user has no buffer for it).
    if (auto extract = dyn_cast<tensor::ExtractOp>(op);
        extract && isa<BlockArgument>(extract.getTensor()))
      return success();
    if (auto splat = dyn_cast<tensor::SplatOp>(op)) {
      auto extract = splat.getInput().getDefiningOp<tensor::ExtractOp>();
      if (!extract)
        return fail(op, "a splat of a value that is not the position");
      // One element: the position itself (pos + 0 folded away), start 0.
      std::optional<int64_t> index = positionInput(extract.getTensor());
      if (index && splat.getType().getNumElements() == 1)
        return success(succeeded(
            addBuffer(splat.getResult(),
                      llvm::json::Object{{"kind", host::kBufferPosition},
                                         {"index", *index},
                                         {"start", 0}})));
      return success();
    }
    // Scalar constants feed greedy sampling's seed and counter, which the
    // argmax kernel ignores.
    if (isa<arith::ConstantOp>(op) &&
        !isa<ShapedType>(op->getResult(0).getType()))
      return success();
    // Integer tensor constants: only the iotas visitPositions reads (any
    // other user finds no buffer for them).
    if (auto constant = dyn_cast<arith::ConstantOp>(op);
        constant && isa<RankedTensorType>(constant.getType()) &&
        cast<RankedTensorType>(constant.getType())
            .getElementType()
            .isInteger(32))
      return success();
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands()) {
        auto it = bufferOf.find(v);
        if (it == bufferOf.end())
          return fail(op, "a result is made by no op with a GPU kernel");
        if (offsetOf.lookup(v))
          return fail(op, "a result is a slice of a buffer (no GPU kernel "
                          "copies it out)");
        outputs.push_back(it->second);
      }
      return success();
    }
    if (auto linear = dyn_cast<LinearOp>(op)) {
      RankedTensorType x = tensorOf(linear.getInput());
      RankedTensorType w = tensorOf(linear.getWeight());
      SmallVector<std::pair<Value, SmallVector<int64_t>>> operands{
          {linear.getInput(), rows(x)},
          {linear.getWeight(), SmallVector<int64_t>(w.getShape())}};
      if (linear.getBias())
        operands.push_back(
            {linear.getBias(), flat(tensorOf(linear.getBias()))});
      return launch(op, operands, rows(tensorOf(linear.getResult())));
    }
    // The packed i8 rows as they are bound (QuantLinearKernel.cpp).
    if (auto linear = dyn_cast<QuantizedLinearOp>(op)) {
      RankedTensorType w = tensorOf(linear.getWeight());
      SmallVector<std::pair<Value, SmallVector<int64_t>>> operands{
          {linear.getInput(), rows(tensorOf(linear.getInput()))},
          {linear.getWeight(), SmallVector<int64_t>(w.getShape())}};
      if (linear.getBias())
        operands.push_back(
            {linear.getBias(), flat(tensorOf(linear.getBias()))});
      return launch(op, operands, rows(tensorOf(linear.getResult())));
    }
    if (isa<RMSNormOp, LayerNormOp>(op)) {
      RankedTensorType x = tensorOf(op->getOperand(0));
      SmallVector<std::pair<Value, SmallVector<int64_t>>> operands{
          {op->getOperand(0), rows(x)}};
      for (Value v : op->getOperands().drop_front())
        operands.push_back({v, flat(tensorOf(v))});
      return launch(op, operands, rows(x));
    }
    if (isa<SwiGLUOp>(op) ||
        (isa<arith::AddFOp>(op) &&
         isa<RankedTensorType>(op->getResult(0).getType()))) {
      RankedTensorType t = tensorOf(op->getResult(0));
      return launch(
          op, {{op->getOperand(0), flat(t)}, {op->getOperand(1), flat(t)}},
          flat(t));
    }
    if (auto rope = dyn_cast<RopeOp>(op)) {
      RankedTensorType x = tensorOf(rope.getInput());
      return launch(
          op,
          {{rope.getInput(), SmallVector<int64_t>(x.getShape())},
           {rope.getPositions(),
            SmallVector<int64_t>(tensorOf(rope.getPositions()).getShape())}},
          SmallVector<int64_t>(x.getShape()));
    }
    if (auto sample = dyn_cast<SampleOp>(op)) {
      RankedTensorType logits = tensorOf(sample.getLogits());
      if (!tensorOf(sample.getTokens()).getElementType().isInteger(32))
        return fail(op, "the argmax kernel writes i32 tokens");
      if (!sample.getSampling().isGreedy())
        return fail(op, "temperature sampling has a GPU kernel but no launch "
                        "step yet (the seed and counter words); use greedy "
                        "sampling or the CPU");
      return launch(
          op, {{sample.getLogits(), SmallVector<int64_t>(logits.getShape())}},
          SmallVector<int64_t>(tensorOf(sample.getTokens()).getShape()),
          host::kStepArgmax);
    }
    // The destination of linalg.transpose: the permute kernel's result
    // buffer is the op's own, so the empty tensor needs none.
    if (isa<tensor::EmptyOp>(op))
      return success();
    if (auto transpose = dyn_cast<linalg::TransposeOp>(op)) {
      if (transpose->getNumResults() != 1)
        return fail(op, "linalg.transpose on a GPU takes tensors");
      RankedTensorType x = tensorOf(transpose.getInput());
      RankedTensorType y = tensorOf(transpose->getResult(0));
      return launch(op, {{transpose.getInput(), rank4(x)}}, rank4(y));
    }
    if (isa<arith::ExtFOp, arith::TruncFOp>(op) &&
        isa<RankedTensorType>(op->getResult(0).getType())) {
      RankedTensorType t = tensorOf(op->getResult(0));
      return launch(op, {{op->getOperand(0), flat(t)}}, flat(t));
    }
    if (auto attention = dyn_cast<AttentionOp>(op))
      return visitAttention(attention);
    if (isa<ScanOp, ScanStepOp, CausalConv1dOp, MoeRouteOp, MoeDispatchOp>(op))
      return visitTwoResults(op);
    if (auto experts = dyn_cast<MoeExpertsOp>(op))
      return visitExperts(experts);
    if (isa<EmbeddingOp, QuantizedEmbeddingOp, CacheWriteOp>(op))
      return visitChecked(op);
    return fail(op, "'" + op->getName().getStringRef().str() +
                        "' has no GPU kernel (docs/design/GPU.md lists the "
                        "ops entries on a GPU may use)");
  }

  func::FuncOp func;
  ModuleOp module;
  const TargetDescription &target;
  llvm::DenseMap<Value, int64_t> bufferOf;
  /// Element offsets of values that view their buffer past its start.
  llvm::DenseMap<Value, int64_t> offsetOf;
  llvm::DenseSet<int64_t> stateBuffers;
  llvm::json::Array buffers, steps, outputs;
};
} // namespace

FailureOr<llvm::json::Value>
seq::buildGPUHostPlan(ModuleOp module, const TargetDescription &target) {
  llvm::json::Array entries;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    if (!func.getBody().hasOneBlock())
      return func.emitError()
             << "seqc: entry @" << func.getSymName() << " cannot run on "
             << target.name() << ": control flow in the entry";
    FailureOr<llvm::json::Object> entry =
        EntryPlanBuilder(func, module, target).build();
    if (failed(entry))
      return failure();
    entries.push_back(std::move(*entry));
  }
  // Version 3 only for plans with state or checked launches, 4 for ragged
  // attention (Q, K, V, kv_lengths, O, status), 5 for position buffers and
  // views at an offset, so that older runtimes still run the others.
  int version = 2;
  for (const llvm::json::Value &entry : entries)
    for (const llvm::json::Value &step :
         *entry.getAsObject()->getArray("steps")) {
      const llvm::json::Object &object = *step.getAsObject();
      if (object.getString("kind") == host::kStepChecked)
        version = std::max(version, 3);
      if (object.getString("kind") == host::kStepAttention &&
          object.getArray("args")->size() == 6)
        version = std::max(version, 4);
      for (const llvm::json::Value &arg : *object.getArray("args"))
        if (arg.getAsObject()->get(host::kArgOffset))
          version = std::max(version, 5);
    }
  // Version 5 also for position buffers.
  for (const llvm::json::Value &entry : entries)
    for (const llvm::json::Value &buffer :
         *entry.getAsObject()->getArray("buffers"))
      if (buffer.getAsObject()->getString("kind") == host::kBufferPosition)
        version = std::max(version, 5);
  return llvm::json::Value(llvm::json::Object{{"format", host::kPlanFormat},
                                              {"version", version},
                                              {"entries", std::move(entries)}});
}
