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
#include "seqc/Target/GPU/GPUEntries.h"
#include "seqc/Target/GPU/GPUTarget.h"
#include "seqc/Target/KernelDispatchWgmma.h"
#include "seqrt/GpuHost.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
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

/// An extent of a plan: mul x S + add, S the entry's dynamic extent (a
/// prompt length; plan version 6), or a constant (mul 0).
struct Affine {
  int64_t mul = 0, add = 0;
  bool isConst() const { return mul == 0; }
  bool operator==(const Affine &other) const {
    return mul == other.mul && add == other.add;
  }
};
using Extents = SmallVector<Affine, 4>;

/// An i32 tensor derived from an entry's position input: element i of the
/// flattened tensor is [the position of input `input`] + start + step * i.
struct LinearI32 {
  std::optional<int64_t> input;
  Affine start;
  int64_t step = 1;
};

Affine sum(Affine a, Affine b) { return Affine{a.mul + b.mul, a.add + b.add}; }

/// The JSON of an extent: an integer, or {"sym", "mul", "add"}.
llvm::json::Value toJson(Affine a) {
  if (a.isConst())
    return a.add;
  return llvm::json::Object{{host::kExtentSymbol, 0},
                            {host::kExtentMul, a.mul},
                            {host::kExtentAdd, a.add}};
}
llvm::json::Array toJson(ArrayRef<Affine> extents) {
  llvm::json::Array array;
  for (Affine a : extents)
    array.push_back(toJson(a));
  return array;
}

/// The plan of one entry function.
class EntryPlanBuilder {
public:
  EntryPlanBuilder(func::FuncOp func, ModuleOp module,
                   const TargetDescription &target)
      : func(func), module(module), target(target) {}

  FailureOr<llvm::json::Object> build() {
    // The entry's one dynamic extent S (a prompt of any length): the first
    // dynamic extent of an input, read from it at the call (version 6).
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      auto type = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
      if (!type)
        continue;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d))
          continue;
        if (symbolInput >= 0)
          return fail(func, "a launch plan takes one dynamic extent, but "
                            "the inputs have several");
        symbolInput = i;
        symbolAxis = d;
      }
    }
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
      if (!shapeError.empty())
        return fail(&op, shapeError);
    }
    llvm::json::Object entry{{"name", func.getSymName()},
                             {"buffers", std::move(buffers)},
                             {"steps", std::move(steps)},
                             {"outputs", std::move(outputs)}};
    if (symbolInput >= 0)
      entry[host::kEntryDims] = llvm::json::Array{llvm::json::Object{
          {"input", symbolInput}, {"axis", symbolAxis}}};
    return entry;
  }

private:
  /// a x b; an extent quadratic in S is an error (shapeError).
  Affine product(Affine a, Affine b) {
    if (!a.isConst() && !b.isConst()) {
      if (shapeError.empty())
        shapeError = "an extent quadratic in the dynamic extent";
      return Affine{};
    }
    if (a.isConst())
      return Affine{b.mul * a.add, b.add * a.add};
    return Affine{a.mul * b.add, a.add * b.add};
  }

  /// The value of an index (a constant, tensor.dim, their sums and
  /// products by constants, index casts), or std::nullopt.
  std::optional<Affine> indexAffine(OpFoldResult value) {
    if (auto attr = dyn_cast<Attribute>(value)) {
      if (auto integer = dyn_cast<IntegerAttr>(attr))
        return Affine{0, integer.getInt()};
      return std::nullopt;
    }
    Value v = cast<Value>(value);
    APInt constant;
    if (matchPattern(v, m_ConstantInt(&constant)))
      return Affine{0, constant.getSExtValue()};
    Operation *def = v.getDefiningOp();
    if (!def)
      return std::nullopt;
    if (auto dim = dyn_cast<tensor::DimOp>(def)) {
      std::optional<int64_t> axis = dim.getConstantIndex();
      auto type = dyn_cast<RankedTensorType>(dim.getSource().getType());
      if (!axis || !type || *axis < 0 || *axis >= type.getRank())
        return std::nullopt;
      return extentsOf(dim.getSource())[*axis];
    }
    if (auto cast = dyn_cast<arith::IndexCastOp>(def))
      return indexAffine(OpFoldResult(cast.getIn()));
    if (isa<arith::AddIOp, arith::SubIOp, arith::MulIOp>(def)) {
      std::optional<Affine> a = indexAffine(OpFoldResult(def->getOperand(0)));
      std::optional<Affine> b = indexAffine(OpFoldResult(def->getOperand(1)));
      if (!a || !b)
        return std::nullopt;
      if (isa<arith::AddIOp>(def))
        return sum(*a, *b);
      if (isa<arith::SubIOp>(def))
        return Affine{a->mul - b->mul, a->add - b->add};
      if (!a->isConst() && !b->isConst())
        return std::nullopt;
      return product(*a, *b);
    }
    return std::nullopt;
  }

  /// The extents of `value`: its static ones, and each dynamic one as an
  /// affine function of the entry's dynamic extent S, from the ops that
  /// make it (an input's; tensor.empty, expand_shape, extract_slice and
  /// splat sizes; collapse_shape's products; a destination-style op's
  /// init; else an operand of the same rank dynamic in that dimension).
  /// Sets shapeError when one is not known.
  Extents extentsOf(Value value) {
    if (auto it = extentCache.find(value); it != extentCache.end())
      return it->second;
    auto type = cast<RankedTensorType>(value.getType());
    Extents extents;
    for (int64_t d : type.getShape())
      extents.push_back(Affine{0, ShapedType::isDynamic(d) ? 0 : d});
    auto unknown = [&](int64_t d) {
      if (shapeError.empty())
        shapeError = "dimension " + std::to_string(d) + " of " +
                     llvm::formatv("{0}", type).str() +
                     " is not a known function of the entry's dynamic extent";
    };
    // The sizes an op gives its result's dynamic dimensions, in order.
    auto fromSizes = [&](ValueRange sizes) {
      size_t next = 0;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d))
          continue;
        std::optional<Affine> a =
            next < sizes.size() ? indexAffine(OpFoldResult(sizes[next++]))
                                : std::nullopt;
        if (!a)
          unknown(d);
        else
          extents[d] = *a;
      }
    };
    Operation *def = value.getDefiningOp();
    if (!type.hasStaticShape()) {
      if (auto arg = dyn_cast<BlockArgument>(value)) {
        for (int64_t d = 0; d < type.getRank(); ++d)
          if (type.isDynamicDim(d)) {
            if (static_cast<int64_t>(arg.getArgNumber()) == symbolInput &&
                d == symbolAxis)
              extents[d] = Affine{1, 0};
            else
              unknown(d);
          }
      } else if (auto castOp = dyn_cast<tensor::CastOp>(def)) {
        // The same tensor, its extents less (or more) known.
        extents = extentsOf(castOp.getSource());
      } else if (auto empty = dyn_cast<tensor::EmptyOp>(def)) {
        fromSizes(empty.getDynamicSizes());
      } else if (auto splat = dyn_cast<tensor::SplatOp>(def)) {
        fromSizes(splat.getDynamicSizes());
      } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
        fromSizes(expand.getOutputShape());
      } else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(def)) {
        fromSizes(slice.getSizes());
      } else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
        Extents source = extentsOf(collapse.getSrc());
        for (auto [d, group] :
             llvm::enumerate(collapse.getReassociationIndices())) {
          Affine a{0, 1};
          for (int64_t i : group)
            a = product(a, source[i]);
          extents[d] = a;
        }
      } else if (auto dps = dyn_cast<DestinationStyleOpInterface>(def)) {
        unsigned index = cast<OpResult>(value).getResultNumber();
        extents = extentsOf(dps.getDpsInits()[index]);
      } else {
        for (int64_t d = 0; d < type.getRank(); ++d) {
          if (!type.isDynamicDim(d))
            continue;
          bool found = false;
          for (Value operand : def->getOperands()) {
            auto other = dyn_cast<RankedTensorType>(operand.getType());
            if (other && other.getRank() > d && other.isDynamicDim(d) &&
                (other.getRank() == type.getRank() ||
                 isa<EmbeddingOp, QuantizedEmbeddingOp>(def))) {
              extents[d] = extentsOf(operand)[d];
              found = true;
              break;
            }
          }
          if (!found)
            unknown(d);
        }
      }
    }
    extentCache[value] = extents;
    return extents;
  }

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
    if (dtype.empty())
      return fail(owner, "no GPU buffer of element type " +
                             llvm::formatv("{0}", type.getElementType()).str());
    Extents shape = extentsOf(value);
    if (!shapeError.empty())
      return fail(owner, shapeError);
    desc["dtype"] = dtype;
    desc["shape"] = toJson(shape);
    int64_t id = static_cast<int64_t>(buffers.size());
    buffers.push_back(std::move(desc));
    bufferOf[value] = id;
    return id;
  }

  /// A kernel argument: buffer of `value` viewed with `shape`.
  FailureOr<llvm::json::Value> arg(Operation *op, Value value,
                                   ArrayRef<Affine> shape) {
    auto it = bufferOf.find(value);
    // An i32 value derived from the position, first read here.
    if (it == bufferOf.end() && succeeded(materializePosition(value)))
      it = bufferOf.find(value);
    if (it == bufferOf.end())
      return fail(op, "operand " + llvm::formatv("{0}", value.getType()).str() +
                          " is made by no op with a GPU kernel");
    llvm::json::Object object{{"buffer", it->second}, {"shape", toJson(shape)}};
    // A contiguous slice of the buffer (version 5; an offset in S, 6).
    auto offset = offsetOf.find(value);
    if (offset != offsetOf.end() && !(offset->second == Affine{}))
      object[host::kArgOffset] = toJson(offset->second);
    return llvm::json::Value(std::move(object));
  }

  /// The extents of `value` as [product of the leading ones, last one].
  Extents rows(Value value) {
    Extents e = extentsOf(value);
    Affine leading{0, 1};
    for (size_t d = 0; d + 1 < e.size(); ++d)
      leading = product(leading, e[d]);
    return {leading, e.empty() ? Affine{0, 1} : e.back()};
  }
  Extents flat(Value value) {
    Affine count{0, 1};
    for (Affine a : extentsOf(value))
      count = product(count, a);
    return {count};
  }
  /// The extents with leading unit extents up to rank 4 (the permute
  /// kernel's view).
  Extents rank4(Value value) {
    Extents e = extentsOf(value);
    Extents shape(4 - std::min<size_t>(4, e.size()), Affine{0, 1});
    shape.append(e.begin(), e.end());
    return shape;
  }
  Extents whole(Value value) { return extentsOf(value); }

  static std::string kernelName(Operation *op) {
    if (auto ref = op->getAttrOfType<SymbolRefAttr>("seq.gpu_kernel"))
      return ref.getLeafReference().str();
    return "";
  }

  /// Appends a launch of `op`'s kernel over `args`; its result gets a buffer.
  LogicalResult
  launch(Operation *op, ArrayRef<std::pair<Value, Extents>> operands,
         Extents resultShape, StringRef kind = host::kStepLaunch) {
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
    args.push_back(
        llvm::json::Object{{"buffer", *buffer}, {"shape", toJson(resultShape)}});
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
  /// `trailingBuffers` (workspaces too) go between the operands and the
  /// results. Returns the buffers of the results.
  FailureOr<SmallVector<int64_t>>
  launchWhole(Operation *op, StringRef kernel, ArrayRef<Value> operands,
              ArrayRef<Value> results,
              ArrayRef<SmallVector<int64_t>> workspaceShapes = {},
              ArrayRef<int64_t> operandBuffers = {},
              ArrayRef<int64_t> trailingBuffers = {}) {
    FailureOr<gpu::GPUFuncOp> func = kernelFunc(op, kernel);
    if (failed(func))
      return failure();
    FunctionType type = func->getFunctionType();
    size_t count = operandBuffers.size() + operands.size() +
                   trailingBuffers.size() + results.size();
    if (type.getNumInputs() != count)
      return fail(op, "kernel '" + kernel.str() + "' takes " +
                          std::to_string(type.getNumInputs()) +
                          " arguments, the plan has " + std::to_string(count));
    llvm::json::Array args;
    SmallVector<int64_t> written;
    auto element = [&](size_t i) {
      return cast<MemRefType>(type.getInput(i)).getElementType();
    };
    auto push = [&](int64_t buffer, llvm::json::Array shape) {
      args.push_back(
          llvm::json::Object{{"buffer", buffer}, {"shape", std::move(shape)}});
    };
    size_t i = 0;
    for (int64_t buffer : operandBuffers) {
      const llvm::json::Object *desc = buffers[buffer].getAsObject();
      push(buffer, *desc->getArray("shape"));
      ++i;
    }
    for (Value value : operands) {
      auto tensor = cast<RankedTensorType>(value.getType());
      if (tensor.getElementType() != element(i))
        return fail(op,
                    "kernel '" + kernel.str() + "' argument " +
                        std::to_string(i) + " is not of element type " +
                        llvm::formatv("{0}", tensor.getElementType()).str());
      FailureOr<llvm::json::Value> a = arg(op, value, whole(value));
      if (failed(a))
        return failure();
      args.push_back(std::move(*a));
      ++i;
    }
    for (int64_t buffer : trailingBuffers) {
      const llvm::json::Object *desc = buffers[buffer].getAsObject();
      push(buffer, *desc->getArray("shape"));
      ++i;
    }
    size_t w = 0;
    for (Value value : results) {
      FailureOr<int64_t> buffer;
      llvm::json::Array shape;
      if (value) {
        auto tensor = cast<RankedTensorType>(value.getType());
        if (tensor.getElementType() != element(i))
          return fail(op,
                      "kernel '" + kernel.str() + "' result argument " +
                          std::to_string(i) + " is not of element type " +
                          llvm::formatv("{0}", tensor.getElementType()).str());
        shape = toJson(whole(value));
        buffer =
            addBuffer(value, llvm::json::Object{{"kind", host::kBufferTemp}});
      } else {
        if (llvm::any_of(workspaceShapes[w], ShapedType::isDynamic))
          return fail(op, "kernel '" + kernel.str() +
                              "' needs a workspace of static shape");
        shape = llvm::json::Array(workspaceShapes[w++]);
        StringRef dtype = dtypeName(element(i));
        if (dtype.empty())
          return fail(op, "no GPU buffer of kernel '" + kernel.str() +
                              "' argument " + std::to_string(i));
        buffer = static_cast<int64_t>(buffers.size());
        buffers.push_back(llvm::json::Object{
            {"kind", host::kBufferTemp},
            {"dtype", dtype},
            {"shape", llvm::json::Array(shape)}});
      }
      if (failed(buffer))
        return failure();
      push(*buffer, std::move(shape));
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

  /// Whether `op` is the only reader of `state`: its other uses only
  /// materialize a value in it (the importers' final states).
  static bool isOnlyReader(Value state, Operation *op) {
    for (OpOperand &use : state.getUses())
      if (use.getOwner() != op &&
          !(isa<bufferization::MaterializeInDestinationOp>(use.getOwner()) &&
            use.getOperandNumber() == 1))
        return false;
    return true;
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
    // A scan over state the caller lends (an input marked seq.inplace, a
    // session's device copy) writes its final state over it in place
    // (version 6): each lane reads its own state element before the walk
    // and writes it after, and no lane reads another's, so the init and
    // final-state views may be the same buffer. Only when nothing else
    // reads the old state (as for seq.cache_write).
    Value init;
    if (auto scan = dyn_cast<ScanOp>(op))
      init = scan.getInit();
    else if (auto step = dyn_cast<ScanStepOp>(op))
      init = step.getInit();
    else if (auto conv = dyn_cast<CausalConv1dOp>(op);
             conv && StringRef(kernel).ends_with(host::kConvInPlaceTag))
      init = conv.getState(); // the convolution's in-place form
    auto state = init ? bufferOf.find(init) : bufferOf.end();
    bool inPlace = state != bufferOf.end() && stateBuffers.count(state->second);
    if (inPlace && !isOnlyReader(init, op))
      return fail(op, "the state is read again after the scan, so it cannot "
                      "be updated in place");
    FailureOr<SmallVector<int64_t>> written =
        launchWhole(op, kernel, operands, results);
    if (failed(written))
      return failure();
    if (inPlace) {
      // The final state's buffer (the last one added) becomes the state's.
      buffers.pop_back();
      bufferOf[results.back()] = state->second;
      llvm::json::Object &step = *steps.back().getAsObject();
      (*step.getArray("args")->back().getAsObject())["buffer"] = state->second;
      step[host::kStepInPlace] = true;
    }
    return success();
  }

  /// seq.moe_experts: the kernel sequence the MoE kernel pass named
  /// (the tile list, gate/up, down, the shared experts' two, the combine)
  /// over workspaces the plan allocates: the tile list [ceil(S / rows) +
  /// E, 2] and its status word (a checked launch), H [S, F] and Ys [S, Dm]
  /// (f32), the shared experts' Hs [T, Fs] and Ys [T, Dm].
  LogicalResult visitExperts(MoeExpertsOp op) {
    auto refs = op->getAttrOfType<ArrayAttr>("seq.gpu_kernels");
    bool shared = static_cast<bool>(op.getSharedUp());
    if (!refs || refs.size() != (shared ? 6u : 4u))
      return fail(op, "'seq.moe_experts' has no GPU kernels");
    auto name = [&](unsigned i) {
      return cast<SymbolRefAttr>(refs[i]).getLeafReference().getValue();
    };
    auto shape = [](Value v) { return cast<RankedTensorType>(v.getType()); };
    int64_t tokens = shape(op.getInput()).getDimSize(0);
    int64_t slots = shape(op.getPermutation()).getDimSize(0);
    int64_t ffn = shape(op.getUp()).getDimSize(1);
    int64_t model = shape(op.getDown()).getDimSize(1);
    if (shape(op.getInput()).getRank() != 2)
      return fail(op, "the GPU experts take [T, Dm] tokens");
    // GELU experts have no gate operands.
    auto gated = [](Value gate, Value up) {
      return gate ? SmallVector<Value>{gate, up} : SmallVector<Value>{up};
    };
    // The tile list: ceil(S / rows) + E entries hold every row tile of
    // E + 1 groups (the last: the dropped slots).
    StringRef tilesKernel = name(0);
    int64_t rowsPerTile = 0;
    if (!tilesKernel.starts_with(seqrt::gpuhost::kMoeTilesKernelPrefix) ||
        tilesKernel.rsplit(seqrt::gpuhost::kMoeRowTileTag)
            .second.getAsInteger(10, rowsPerTile) ||
        rowsPerTile < 1)
      return fail(op, "'seq.moe_experts' has no tile-list kernel");
    int64_t experts = shape(op.getUp()).getDimSize(0);
    int64_t listLength =
        ShapedType::isDynamic(slots) || ShapedType::isDynamic(experts)
            ? ShapedType::kDynamic
            : (slots + rowsPerTile - 1) / rowsPerTile + experts;
    FailureOr<SmallVector<int64_t>> list = launchWhole(
        op, tilesKernel, {op.getPermutation(), op.getExpertOffsets()},
        {Value(), Value()}, {{listLength, 2}, {1}});
    if (failed(list))
      return failure();
    (*steps.back().getAsObject())["kind"] = host::kStepChecked;
    SmallVector<Value> gateUp = {op.getInput(), op.getPermutation(),
                                 op.getExpertOffsets()};
    llvm::append_range(gateUp, gated(op.getGate(), op.getUp()));
    // The plan's arguments: whole tensors, then workspaces an earlier step
    // wrote (the tile list goes before the result).
    FailureOr<SmallVector<int64_t>> h = launchWhole(
        op, name(1), gateUp, {Value()}, {{slots, ffn}}, {}, {(*list)[0]});
    if (failed(h))
      return failure();
    FailureOr<SmallVector<int64_t>> ys =
        launchWhole(op, name(2),
                    {op.getPermutation(), op.getExpertOffsets(), op.getDown(),
                     op.getWeights()},
                    {Value()}, {{slots, model}}, {(*h)[0]}, {(*list)[0]});
    if (failed(ys))
      return failure();
    SmallVector<int64_t> combined = {(*ys)[0]};
    if (shared) {
      int64_t sharedFfn = shape(op.getSharedUp()).getDimSize(0);
      SmallVector<Value> sharedGateUp = {op.getInput()};
      llvm::append_range(sharedGateUp,
                         gated(op.getSharedGate(), op.getSharedUp()));
      FailureOr<SmallVector<int64_t>> hs = launchWhole(
          op, name(3), sharedGateUp, {Value()}, {{tokens, sharedFfn}});
      if (failed(hs))
        return failure();
      FailureOr<SmallVector<int64_t>> yss =
          launchWhole(op, name(4), {op.getSharedDown()}, {Value()},
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
    // The paged kernels exist (emulated); the plan format has no block
    // table argument yet.
    if (op.isPaged())
      return fail(op, "paged 'seq.attention' (block_table) has GPU kernels "
                      "but no launch plan yet");
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
    // A dynamic extent (the prompt length) is unknown here, as in the
    // kernel pass: no split count from it, and no decode form (the decode
    // kernels take few query rows).
    auto extent = [](int64_t d) {
      return ShapedType::isDynamic(d) ? int64_t(0) : d;
    };
    auto select = [&](bool allowDecode) {
      return selectGPUAttentionConfig(
          target, elementType, op.getGroupSize(), query.getDimSize(3),
          op.getValue().getType().getDimSize(3), extent(query.getDimSize(0)),
          extent(key.getDimSize(1)), extent(query.getDimSize(2)),
          extent(key.getDimSize(2)), error, allowDecode);
    };
    std::optional<GPUAttentionConfig> config = select(/*allowDecode=*/false);
    if (!config)
      return fail(op, error);
    std::optional<GPUAttentionConfig> decodeConfig;
    if (query.hasStaticShape() && key.hasStaticShape())
      decodeConfig = select(true);
    if (decodeConfig && !decodeConfig->decode)
      decodeConfig.reset();
    double scale = op.getEffectiveScale();
    std::optional<float> explicitScale =
        op.getScaleAttr() ? std::optional<float>(float(scale)) : std::nullopt;
    // Ragged KV (kv_lengths): the kernels read the counts on the device and
    // store a count past the cache in a status word.
    bool ragged = static_cast<bool>(op.getKvLengths());
    AttentionScoreMods mods = attentionScoreMods(op);
    std::string base = attentionKernelName(*config, elementType, op.getCausal(),
                                           explicitScale, mods);
    std::string prefill = ragged ? base + kRaggedAttentionSuffix.str() : base;
    std::string split = prefill + "_split";
    std::string decode =
        decodeConfig
            ? attentionKernelName(*decodeConfig, elementType, op.getCausal(),
                                  explicitScale, mods) +
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
                                   RaggedMutation::None, mods);
      else
        buildAttentionKernel(builder, kernels, name, c, elementType, kind,
                             op.getCausal(), scale, KernelMutation::None, mods);
    };
    // sm_90a: the prefill kernel on wgmma (as the kernel pass builds it);
    // the split kernel keeps the warp-level form.
    std::optional<GPUAttentionConfig> wgmmaConfig =
        selectGPUAttentionWgmmaConfig(target, elementType, *config);
    ensure(prefill, wgmmaConfig ? *wgmmaConfig : *config,
           AttentionKernelKind::Prefill);
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
      FailureOr<llvm::json::Value> a = arg(op, v, whole(v));
      if (failed(a))
        return failure();
      args.push_back(std::move(*a));
    }
    FailureOr<int64_t> out = addBuffer(
        op.getOutput(), llvm::json::Object{{"kind", host::kBufferTemp}});
    if (failed(out))
      return failure();
    args.push_back(llvm::json::Object{{"buffer", *out},
                                      {"shape", toJson(whole(op.getOutput()))}});
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

  /// tensor.extract_slice with static sizes and unit strides whose
  /// elements are contiguous in the source (a prefill's last row): a view
  /// of the source's buffer at an element offset, which may be affine in
  /// the entry's dynamic extent (offsets from tensor.dim: S - 1). A slice
  /// of an i32 value derived from the position keeps that derivation.
  LogicalResult visitSlice(tensor::ExtractSliceOp slice) {
    auto it = bufferOf.find(slice.getSource());
    auto linear = linearOf.find(slice.getSource());
    if (it == bufferOf.end() && linear == linearOf.end())
      return fail(slice, "the sliced tensor is made by no op with a GPU "
                         "kernel");
    // A window of the last dimension of rows that are not contiguous.
    if (!kernelName(slice).empty())
      return visitSliceKernel(slice);
    ArrayRef<int64_t> sizes = slice.getStaticSizes();
    ArrayRef<int64_t> strides = slice.getStaticStrides();
    if (llvm::any_of(sizes, ShapedType::isDynamic) ||
        llvm::any_of(strides, [](int64_t s) { return s != 1; }))
      return fail(slice, "a GPU view of a slice needs static sizes and unit "
                         "strides");
    Extents source = extentsOf(slice.getSource());
    Extents offsets;
    for (OpFoldResult offset : slice.getMixedOffsets()) {
      std::optional<Affine> a = indexAffine(offset);
      if (!a)
        return fail(slice, "a GPU view of a slice needs offsets that are "
                           "constants or affine in the prompt length");
      offsets.push_back(*a);
    }
    // Contiguous: unit extents, then one partial extent, then whole ones.
    int64_t rank = static_cast<int64_t>(source.size()), first = 0;
    while (first < rank && sizes[first] == 1)
      ++first;
    for (int64_t d = first + 1; d < rank; ++d)
      if (!(Affine{0, sizes[d]} == source[d]))
        return visitSliceKernel(slice);
    Affine offset, stride{0, 1};
    for (int64_t d = rank - 1; d >= 0; --d) {
      offset = sum(offset, product(offsets[d], stride));
      stride = product(stride, source[d]);
    }
    if (!shapeError.empty())
      return fail(slice, shapeError);
    // A slice of position values is position values of its own (a buffer
    // made when a kernel reads it): a view of a part at offset 0 is not
    // expressible (an argument at offset 0 views its whole buffer).
    if (linear != linearOf.end()) {
      LinearI32 derived = linear->second;
      derived.start =
          sum(derived.start, product(Affine{0, derived.step}, offset));
      linearOf[slice.getResult()] = derived;
      if (derived.input)
        return success();
    }
    if (it == bufferOf.end())
      return success();
    bufferOf[slice.getResult()] = it->second;
    offset = sum(offset, offsetOf.lookup(slice.getSource()));
    if (!(offset == Affine{}))
      offsetOf[slice.getResult()] = offset;
    return success();
  }

  /// A slice whose rows are not contiguous in its source: the slice
  /// kernel the elementwise pass gave a window of the last dimension
  /// (ElementwiseKernels.cpp), over the source and result as rows.
  LogicalResult visitSliceKernel(tensor::ExtractSliceOp slice) {
    if (kernelName(slice).empty() || !bufferOf.count(slice.getSource()))
      return fail(slice, "the slice is not contiguous in its buffer (the "
                         "slice kernel takes a window of the last dimension "
                         "of every row)");
    Extents source = extentsOf(slice.getSource());
    Extents result = extentsOf(slice.getResult());
    for (size_t d = 0; d + 1 < source.size(); ++d)
      if (!(source[d] == result[d]))
        return fail(slice, "the slice kernel takes whole leading dimensions");
    return launch(slice, {{slice.getSource(), rows(slice.getSource())}},
                  rows(slice.getResult()));
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

  /// The derivation of an i32 tensor from the position (element i of the
  /// flattened tensor = [position of input `input`] + start + step * i), or
  /// std::nullopt. Its forms: the position input; the splat of its
  /// element (tensor.extract); an iota (an i32 constant c, c + 1, ..., or
  /// the importers' linalg.generic yielding linalg.index over one non-unit
  /// dimension); tensor.from_elements of an extent (S); their sums
  /// (arith.addi) and contiguous slices.
  std::optional<LinearI32> linearI32(Value value) {
    auto type = dyn_cast<RankedTensorType>(value.getType());
    if (!type || !type.getElementType().isInteger(32))
      return std::nullopt;
    if (auto it = linearOf.find(value); it != linearOf.end())
      return it->second;
    if (std::optional<int64_t> index = positionInput(value))
      return LinearI32{*index, Affine{}, 1};
    Operation *def = value.getDefiningOp();
    if (!def)
      return std::nullopt;
    if (auto castOp = dyn_cast<tensor::CastOp>(def))
      return linearI32(castOp.getSource());
    if (auto splat = dyn_cast<tensor::SplatOp>(def)) {
      auto extract = splat.getInput().getDefiningOp<tensor::ExtractOp>();
      std::optional<int64_t> index =
          extract ? positionInput(extract.getTensor()) : std::nullopt;
      if (!index)
        return std::nullopt;
      return LinearI32{*index, Affine{}, type.getNumElements() == 1 ? 1 : 0};
    }
    DenseIntElementsAttr values;
    if (matchPattern(value, m_Constant(&values))) {
      int64_t start = 0, i = 0;
      for (const APInt &v : values.getValues<APInt>()) {
        int64_t e = v.getSExtValue();
        if (i == 0)
          start = e;
        else if (e != start + i)
          return std::nullopt;
        ++i;
      }
      if (start < INT32_MIN || start > INT32_MAX)
        return std::nullopt;
      return LinearI32{std::nullopt, Affine{0, start}, 1};
    }
    if (auto from = dyn_cast<tensor::FromElementsOp>(def)) {
      if (from.getElements().size() != 1)
        return std::nullopt;
      Value element = from.getElements()[0];
      auto cast = element.getDefiningOp<arith::IndexCastOp>();
      std::optional<Affine> a =
          cast ? indexAffine(OpFoldResult(cast.getIn())) : std::nullopt;
      if (!a)
        return std::nullopt;
      return LinearI32{std::nullopt, *a, 1};
    }
    if (auto generic = dyn_cast<linalg::GenericOp>(def)) {
      // outs(tensor.empty) { linalg.index k -> index_cast -> yield }, every
      // dimension but k of extent 1: the flattened iota.
      if (generic.getNumDpsInputs() != 0 || generic->getNumResults() != 1 ||
          !llvm::all_of(generic.getIndexingMapsArray(),
                        [](AffineMap m) { return m.isIdentity(); }))
        return std::nullopt;
      Block &body = generic.getRegion().front();
      auto yield = cast<linalg::YieldOp>(body.getTerminator());
      // The iota of a unit extent, folded: a constant.
      APInt constant;
      if (body.getOperations().size() == 1 &&
          matchPattern(yield.getValues()[0], m_ConstantInt(&constant))) {
        int64_t c = constant.getSExtValue();
        if (c < INT32_MIN || c > INT32_MAX)
          return std::nullopt;
        return LinearI32{std::nullopt, Affine{0, c},
                         type.getNumElements() == 1 ? 1 : 0};
      }
      auto cast = yield.getValues()[0].getDefiningOp<arith::IndexCastOp>();
      auto index = cast ? cast.getIn().getDefiningOp<linalg::IndexOp>()
                        : linalg::IndexOp();
      if (!index || body.getOperations().size() != 3)
        return std::nullopt;
      Extents e = extentsOf(value);
      for (size_t d = 0; d < e.size(); ++d)
        if (d != index.getDim() && !(e[d] == Affine{0, 1}))
          return std::nullopt;
      return LinearI32{std::nullopt, Affine{}, 1};
    }
    if (auto add = dyn_cast<arith::AddIOp>(def)) {
      std::optional<LinearI32> a = linearI32(add.getLhs());
      std::optional<LinearI32> b = linearI32(add.getRhs());
      bool one = type.getNumElements() == 1;
      if (!a || !b || (a->input && b->input) ||
          (!one && a->step + b->step > 1))
        return std::nullopt;
      return LinearI32{a->input ? a->input : b->input, sum(a->start, b->start),
                       one ? 1 : a->step + b->step};
    }
    return std::nullopt;
  }

  /// A position buffer for `value` (version 5; its start affine in S,
  /// version 6) when it derives from the position with step 1 (or is one
  /// element).
  LogicalResult materializePosition(Value value) {
    std::optional<LinearI32> linear = linearI32(value);
    if (!linear || !linear->input || linear->step != 1)
      return failure();
    return success(succeeded(addBuffer(
        value, llvm::json::Object{{"kind", host::kBufferPosition},
                                  {"index", *linear->input},
                                  {"start", toJson(linear->start)}})));
  }

  /// arith.addi of the entry's position input (i32 [1], or the splat of
  /// its element) and an iota or an extent: the values a step derives from
  /// its position (RoPE positions, the attention's valid key count), which
  /// the runtime computes at the call (a "position" buffer, version 5).
  LogicalResult visitPositions(arith::AddIOp add) {
    std::optional<LinearI32> linear = linearI32(add.getResult());
    if (!linear || !linear->input || linear->step != 1)
      return fail(add, "arith.addi on tensors runs on a GPU only as the "
                       "entry's position input (i32 [1]) plus an i32 iota "
                       "constant (c, c + 1, ...)");
    linearOf[add.getResult()] = *linear;
    return materializePosition(add.getResult());
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
    auto shape = [&](Value v) { return whole(v); };
    llvm::json::Array args;
    auto push = [&](Value v, ArrayRef<Affine> s) -> LogicalResult {
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
      if (failed(push(table, shape(table))) || failed(push(ids, flat(ids))))
        return failure();
      FailureOr<int64_t> buffer =
          addBuffer(output, llvm::json::Object{{"kind", host::kBufferTemp}});
      if (failed(buffer))
        return failure();
      args.push_back(llvm::json::Object{{"buffer", *buffer},
                                        {"shape", toJson(rows(output))}});
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
      // A cast of an i32 value derived from the position keeps it.
      if (it == bufferOf.end() && isa<tensor::CastOp>(op))
        if (std::optional<LinearI32> linear = linearI32(op->getResult(0))) {
          linearOf[op->getResult(0)] = *linear;
          return success();
        }
      if (it == bufferOf.end())
        return fail(op, "operand of '" + op->getName().getStringRef().str() +
                            "' is made by no op with a GPU kernel");
      // Its extents must be known (constants or affine in S).
      (void)extentsOf(op->getResult(0));
      bufferOf[op->getResult(0)] = it->second;
      if (auto offset = offsetOf.find(op->getOperand(0));
          offset != offsetOf.end())
        offsetOf[op->getResult(0)] = offset->second;
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
      if (std::optional<LinearI32> linear = linearI32(splat.getResult()))
        linearOf[splat.getResult()] = *linear;
      // One element: the position itself (pos + 0 folded away), start 0.
      std::optional<int64_t> index = positionInput(extract.getTensor());
      if (index && splat.getType().getNumElements() == 1)
        return materializePosition(splat.getResult());
      return success();
    }
    // An elementwise linalg.generic (the generic kernel): its inputs and
    // output whole; a splat constant (the fill kernel).
    if (isa<linalg::GenericOp>(op) && !kernelName(op).empty()) {
      auto generic = cast<linalg::GenericOp>(op);
      SmallVector<std::pair<Value, Extents>> operands;
      for (Value input : generic.getDpsInputs())
        operands.push_back({input, whole(input)});
      return launch(op, operands, whole(op->getResult(0)));
    }
    if (isa<arith::ConstantOp>(op) && !kernelName(op).empty())
      return launch(op, {}, flat(op->getResult(0)));
    // The importers' state results: the scan's or convolution's final
    // state, written in place, materialized in the state it was read from.
    if (auto materialize = dyn_cast<bufferization::MaterializeInDestinationOp>(op)) {
      auto source = bufferOf.find(materialize.getSource());
      auto dest = bufferOf.find(materialize.getDest());
      if (source == bufferOf.end() || dest == bufferOf.end() ||
          source->second != dest->second || offsetOf.count(materialize.getSource()) ||
          !materialize->getNumResults())
        return fail(op, "the value materialized in the state is not written "
                        "in place (a step that writes the state's buffer)");
      bufferOf[materialize->getResult(0)] = dest->second;
      return success();
    }
    // The importers' iota (linalg.generic yielding linalg.index) and the
    // extent S as an i32 [1] (tensor.from_elements): read by the position
    // analysis only.
    if (isa<linalg::GenericOp, tensor::FromElementsOp>(op)) {
      std::optional<LinearI32> linear = linearI32(op->getResult(0));
      if (!linear)
        return fail(op, "'" + op->getName().getStringRef().str() +
                            "' runs on a GPU only as an i32 iota or extent "
                            "added to the position");
      linearOf[op->getResult(0)] = *linear;
      return success();
    }
    // Index arithmetic on extents (tensor.dim, S - 1) and scalar casts:
    // read through indexAffine by the ops that take them.
    if (isa<tensor::DimOp, arith::IndexCastOp, arith::SubIOp, arith::AddIOp,
            arith::MulIOp>(op) &&
        op->getResult(0).getType().isIntOrIndex())
      return success();
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
        if (offsetOf.count(v))
          return fail(op, "a result is a slice of a buffer (no GPU kernel "
                          "copies it out)");
        outputs.push_back(it->second);
      }
      return success();
    }
    if (isa<LinearOp, QuantizedLinearOp>(op)) {
      // Input and result as rows; the weight (a quantized one as its
      // packed i8 rows, QuantLinearKernel.cpp) whole; the bias flat.
      Value weight = op->getOperand(1);
      SmallVector<std::pair<Value, Extents>> operands{
          {op->getOperand(0), rows(op->getOperand(0))},
          {weight, whole(weight)}};
      if (op->getNumOperands() > 2)
        operands.push_back({op->getOperand(2), flat(op->getOperand(2))});
      return launch(op, operands, rows(op->getResult(0)));
    }
    if (isa<RMSNormOp, LayerNormOp>(op)) {
      Value x = op->getOperand(0);
      SmallVector<std::pair<Value, Extents>> operands{{x, rows(x)}};
      for (Value v : op->getOperands().drop_front())
        operands.push_back({v, flat(v)});
      return launch(op, operands, rows(x));
    }
    if (isa<SwiGLUOp>(op) ||
        (isa<arith::AddFOp>(op) &&
         isa<RankedTensorType>(op->getResult(0).getType()))) {
      Extents n = flat(op->getResult(0));
      return launch(op, {{op->getOperand(0), n}, {op->getOperand(1), n}}, n);
    }
    if (auto rope = dyn_cast<RopeOp>(op)) {
      return launch(op,
                    {{rope.getInput(), whole(rope.getInput())},
                     {rope.getPositions(), whole(rope.getPositions())}},
                    whole(rope.getInput()));
    }
    if (auto sample = dyn_cast<SampleOp>(op)) {
      if (!tensorOf(sample.getTokens()).getElementType().isInteger(32))
        return fail(op, "the argmax kernel writes i32 tokens");
      if (!sample.getSampling().isGreedy())
        return fail(op, "temperature sampling has a GPU kernel but no launch "
                        "step yet (the seed and counter words); use greedy "
                        "sampling or the CPU");
      return launch(op, {{sample.getLogits(), whole(sample.getLogits())}},
                    whole(sample.getTokens()), host::kStepArgmax);
    }
    // The destination of linalg.transpose: the permute kernel's result
    // buffer is the op's own, so the empty tensor needs none.
    if (isa<tensor::EmptyOp>(op))
      return success();
    if (auto transpose = dyn_cast<linalg::TransposeOp>(op)) {
      if (transpose->getNumResults() != 1)
        return fail(op, "linalg.transpose on a GPU takes tensors");
      return launch(op, {{transpose.getInput(), rank4(transpose.getInput())}},
                    rank4(transpose->getResult(0)));
    }
    if (isa<arith::ExtFOp, arith::TruncFOp>(op) &&
        isa<RankedTensorType>(op->getResult(0).getType())) {
      Extents n = flat(op->getResult(0));
      return launch(op, {{op->getOperand(0), n}}, n);
    }
    if (auto attention = dyn_cast<AttentionOp>(op))
      return visitAttention(attention);
    if (isa<ScanOp, ScanStepOp, CausalConv1dOp, MoeRouteOp, MoeDispatchOp>(op))
      return visitTwoResults(op);
    if (auto experts = dyn_cast<MoeExpertsOp>(op))
      return visitExperts(experts);
    if (auto grouped = dyn_cast<GroupedMatmulOp>(op)) {
      // A checked launch: invalid offsets store kIndexOutOfRange.
      if (failed(launchWhole(
              op, kernelName(op),
              {grouped.getInput(), grouped.getWeight(), grouped.getOffsets()},
              {grouped.getOutput(), Value()}, {{1}})))
        return failure();
      (*steps.back().getAsObject())["kind"] = host::kStepChecked;
      return success();
    }
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
  llvm::DenseMap<Value, Affine> offsetOf;
  /// i32 values derived from the position (linearI32).
  llvm::DenseMap<Value, LinearI32> linearOf;
  /// The extents of values, memoized by extentsOf.
  llvm::DenseMap<Value, Extents> extentCache;
  /// The input and axis of the entry's dynamic extent S, if it has one.
  int64_t symbolInput = -1, symbolAxis = -1;
  /// Why an extent is not known (set by extentsOf, reported on the op).
  std::string shapeError;
  llvm::DenseSet<int64_t> stateBuffers;
  llvm::json::Array buffers, steps, outputs;
};
} // namespace

FailureOr<llvm::json::Value>
seq::buildGPUHostPlan(ModuleOp module, const TargetDescription &target) {
  return buildGPUHostPlanWithCpuOnly(module, target, {});
}

FailureOr<llvm::json::Value>
seq::buildGPUHostPlanWithCpuOnly(ModuleOp module,
                                 const TargetDescription &target,
                                 ArrayRef<std::string> cpuOnly) {
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
      if (object.get(host::kStepInPlace))
        version = std::max(version, 6);
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
  // Version 6 for a dynamic extent (its extents, offsets and position
  // starts affine in it) and for entries left to the CPU.
  for (const llvm::json::Value &entry : entries)
    if (entry.getAsObject()->get(host::kEntryDims))
      version = std::max(version, 6);
  llvm::json::Object plan{{"format", host::kPlanFormat},
                          {"version", version},
                          {"entries", std::move(entries)}};
  if (!cpuOnly.empty()) {
    plan["version"] = std::max(version, 6);
    plan[host::kPlanCpuOnly] = llvm::json::Array(cpuOnly);
  }
  return llvm::json::Value(std::move(plan));
}
