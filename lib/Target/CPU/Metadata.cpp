//===- Metadata.cpp - artifact metadata of a seq module -------------------===//
//
// This file builds the JSON metadata of a .seqpkg artifact (entries with
// their signatures, parameters, target) from the seq-level module, before
// lowering erases what it describes.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "seq/IR/SeqOps.h"
#include "seqc/Version.h"
#include "seqrt/Abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

/// The artifact dtype name of an element type, or empty if unsupported.
/// Whether `value` counts a seq.decode_loop's generated tokens: its
/// num_generated, that plus a constant (an importer's `generate` counts the
/// token sampled before the loop), or a result of an scf.if with such a
/// count in a branch (the other branch, a first token that was EOS,
/// yields a constant count).
static bool isDecodeCount(Value value, int depth = 0) {
  if (depth > 8)
    return false;
  if (auto loop = value.getDefiningOp<seq::DecodeLoopOp>())
    return value == loop.getNumGenerated();
  if (auto add = value.getDefiningOp<arith::AddIOp>())
    return (isDecodeCount(add.getLhs(), depth + 1) &&
            matchPattern(add.getRhs(), m_Constant())) ||
           (isDecodeCount(add.getRhs(), depth + 1) &&
            matchPattern(add.getLhs(), m_Constant()));
  if (auto branch = value.getDefiningOp<scf::IfOp>()) {
    unsigned index = cast<OpResult>(value).getResultNumber();
    for (Region *region : {&branch.getThenRegion(), &branch.getElseRegion()})
      if (!region->empty() &&
          isDecodeCount(region->front().getTerminator()->getOperand(index),
                        depth + 1))
        return true;
  }
  return false;
}

static StringRef dtypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isF64())
    return "f64";
  if (type.isInteger(1))
    return "i1";
  if (type.isInteger(8))
    return "i8";
  if (type.isInteger(32))
    return "i32";
  if (type.isInteger(64))
    return "i64";
  return "";
}

/// `{"dtype": ..., "shape": [...]}` for an entry argument or result.
static FailureOr<llvm::json::Object> describe(Type type) {
  Type element = type;
  llvm::json::Array shape;
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    element = tensor.getElementType();
    for (int64_t extent : tensor.getShape())
      shape.push_back(ShapedType::isDynamic(extent) ? -1 : extent);
  }
  StringRef dtype = dtypeName(element);
  if (dtype.empty())
    return failure();
  return llvm::json::Object{{"dtype", dtype}, {"shape", std::move(shape)}};
}

FailureOr<std::string>
seq::buildArtifactMetadata(ModuleOp module, StringRef triple, StringRef cpu) {
  llvm::json::Array parameters;
  for (auto parameter : module.getOps<ParameterOp>()) {
    auto type = cast<RankedTensorType>(parameter.getType());
    FailureOr<llvm::json::Object> desc = describe(type);
    if (failed(desc))
      return parameter.emitError("unsupported parameter element type ")
             << type.getElementType();
    llvm::json::Object entry{
        {"symbol", parameter.getSymName()},
        {"key", parameter.getKey()},
        {"global", (seqrt::abi::kParamPrefix + parameter.getSymName()).str()}};
    entry["dtype"] = std::move((*desc)["dtype"]);
    entry["shape"] = std::move((*desc)["shape"]);
    // Packed block-quantized bytes: the runtime checks the weights file
    // stores this format.
    if (std::optional<seq::QuantFormat> quant = parameter.getQuant())
      entry["encoding"] = seq::stringifyQuantFormat(*quant);
    // Stacked at bind time: the runtime copies part i into row i.
    if (std::optional<ArrayAttr> parts = parameter.getParts()) {
      llvm::json::Array keys;
      for (Attribute part : *parts)
        keys.push_back(cast<StringAttr>(part).getValue());
      entry["parts"] = std::move(keys);
    }
    parameters.push_back(std::move(entry));
  }

  llvm::json::Array entries;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    llvm::json::Array inputs, outputs;
    for (Type type : func.getArgumentTypes()) {
      // The ABI passes integer scalars by pointer and tensors by
      // descriptor; a 0-d integer tensor would look like a scalar.
      if (auto tensor = dyn_cast<RankedTensorType>(type);
          tensor && tensor.getRank() == 0 &&
          isa<IntegerType>(tensor.getElementType()))
        return func.emitError("entry @")
               << func.getSymName()
               << ": pass integer scalars as scalars, not 0-d tensors (" << type
               << ")";
      if (!isa<RankedTensorType>(type) && !isa<IntegerType>(type))
        return func.emitError("entry @")
               << func.getSymName()
               << ": scalar arguments must be integers (pass floats as "
                  "0-d tensors), got "
               << type;
      FailureOr<llvm::json::Object> desc = describe(type);
      if (failed(desc))
        return func.emitError("entry @")
               << func.getSymName() << ": unsupported argument type " << type;
      inputs.push_back(std::move(*desc));
    }
    for (Type type : func.getResultTypes()) {
      FailureOr<llvm::json::Object> desc = describe(type);
      if (!isa<RankedTensorType>(type) || failed(desc))
        return func.emitError("entry @")
               << func.getSymName()
               << ": results must be ranked tensors of a supported type, got "
               << type;
      outputs.push_back(std::move(*desc));
    }
    // In-place state: `seq.inplace = k` on input i makes output k the
    // caller's buffer of input i, updated in place.
    llvm::json::Array inplace;
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      auto attr =
          func.getArgAttrOfType<IntegerAttr>(i, seqrt::abi::kInPlaceAttr);
      if (!attr) {
        if (func.getArgAttr(i, seqrt::abi::kInPlaceAttr))
          return func.emitError("entry @")
                 << func.getSymName() << ": '" << seqrt::abi::kInPlaceAttr
                 << "' of argument " << i << " must be an output index";
        continue;
      }
      int64_t k = attr.getInt();
      if (k < 0 || k >= static_cast<int64_t>(func.getNumResults()) ||
          func.getResultTypes()[k] != func.getArgumentTypes()[i] ||
          !isa<RankedTensorType>(func.getArgumentTypes()[i]) ||
          !cast<RankedTensorType>(func.getArgumentTypes()[i]).hasStaticShape())
        return func.emitError("entry @")
               << func.getSymName() << ": argument " << i << " is in place "
               << "as output " << k << ", which must exist and have the "
               << "argument's static tensor type";
      for (const llvm::json::Value &pair : inplace)
        if ((*pair.getAsArray())[1].getAsInteger() == k)
          return func.emitError("entry @")
                 << func.getSymName() << ": output " << k
                 << " is in place for two arguments";
      inplace.push_back(llvm::json::Array{int64_t(i), k});
    }
    // Recurrent state (no sequence capacity) among the in-place inputs.
    llvm::json::Array recurrent;
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      if (!func.getArgAttr(i, seqrt::abi::kRecurrentAttr))
        continue;
      if (!func.getArgAttrOfType<IntegerAttr>(i, seqrt::abi::kInPlaceAttr))
        return func.emitError("entry @")
               << func.getSymName() << ": argument " << i << " is '"
               << seqrt::abi::kRecurrentAttr << "' but not in place";
      recurrent.push_back(int64_t(i));
    }
    // Inputs that must not be empty (prompts).
    llvm::json::Array nonempty;
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      if (func.getArgAttr(i, seqrt::abi::kNonEmptyAttr))
        nonempty.push_back(int64_t(i));
    llvm::json::Object entry{
        {"name", func.getSymName()},
        {"function", (seqrt::abi::kPackedPrefix + func.getSymName()).str()},
        {"inputs", std::move(inputs)},
        {"outputs", std::move(outputs)}};
    if (!inplace.empty())
      entry["inplace"] = std::move(inplace);
    if (!recurrent.empty())
      entry["recurrent"] = std::move(recurrent);
    if (!nonempty.empty())
      entry["nonempty"] = std::move(nonempty);
    // A generating entry: the output that counts the generated tokens;
    // for speculative decoding also the verify steps and accepted drafts.
    if (!func.getBody().empty()) {
      Operation *terminator = func.getBody().back().getTerminator();
      auto noteSpeculative = [&](Value value, Value generated, Value steps,
                                 Value accepted, int64_t position) {
        if (value == generated && !entry.get("generated_count_output"))
          entry["generated_count_output"] = position;
        else if (value == steps && !entry.get("verify_steps_output"))
          entry["verify_steps_output"] = position;
        else if (value == accepted && !entry.get("accepted_drafts_output"))
          entry["accepted_drafts_output"] = position;
      };
      // Adaptive K: the drafted tokens (the k of each verify step, summed).
      auto noteDrafted = [&](Value value, Value drafted, int64_t position) {
        if (drafted && value == drafted && !entry.get("drafted_tokens_output"))
          entry["drafted_tokens_output"] = position;
      };
      for (auto [index, value] : llvm::enumerate(terminator->getOperands())) {
        auto position = static_cast<int64_t>(index);
        if (isDecodeCount(value)) {
          if (!entry.get("generated_count_output"))
            entry["generated_count_output"] = position;
        } else if (auto loop = value.getDefiningOp<SpeculativeDecodeLoopOp>()) {
          noteSpeculative(value, loop.getNumGenerated(),
                          loop.getNumVerifySteps(), loop.getNumAccepted(),
                          position);
          noteDrafted(value, loop.getNumDrafted(), position);
        } else if (auto loop =
                       value.getDefiningOp<TreeSpeculativeDecodeLoopOp>()) {
          noteSpeculative(value, loop.getNumGenerated(),
                          loop.getNumVerifySteps(), loop.getNumAccepted(),
                          position);
        }
      }
    }
    entries.push_back(std::move(entry));
  }

  llvm::json::Object root{
      {"format_version", 1},
      {"producer", "seqc " SEQC_VERSION_STRING},
      {"target",
       llvm::json::Object{{"kind", "cpu"}, {"triple", triple}, {"cpu", cpu}}},
      {"parameters", std::move(parameters)},
      {"entries", std::move(entries)}};
  // Checkpoint tensors the importer left out on purpose: the runtime
  // accepts a weights file holding them.
  if (auto ignored = module->getAttrOfType<ArrayAttr>(
          seqrt::abi::kIgnoredWeightsAttr)) {
    llvm::json::Array names;
    for (Attribute name : ignored) {
      auto text = dyn_cast<StringAttr>(name);
      if (!text || text.getValue().empty())
        return module.emitError("'")
               << seqrt::abi::kIgnoredWeightsAttr
               << "' must be an array of non-empty strings";
      names.push_back(text.getValue());
    }
    root["ignored_weights"] = std::move(names);
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root)));
  return text;
}
