//===- AbiRecord.cpp - the ABI record compiled into artifact code ---------===//
//
// This file emits `__seq_abi`, a constant string in the CPU code that
// records the entry signatures and parameter globals the code was compiled
// with (the encoding is documented in seqrt/Abi.h). The runtime compares it
// with the artifact metadata when loading, so metadata edited after
// compilation is an error instead of wrong buffers passed to the code.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "seqrt/Abi.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"

using namespace mlir;

/// Names keep [A-Za-z0-9_.$-]; any other byte becomes %XX.
static std::string escapeName(StringRef name) {
  std::string out;
  for (unsigned char c : name) {
    if (llvm::isAlnum(c) || c == '_' || c == '.' || c == '$' || c == '-')
      out += static_cast<char>(c);
    else
      out += llvm::formatv("%{0:X2}", static_cast<unsigned>(c)).str();
  }
  return out;
}

/// `dtype[e0xe1...]` of a metadata `{"dtype", "shape"}` object.
static FailureOr<std::string> encodeType(const llvm::json::Object &desc) {
  std::optional<StringRef> dtype = desc.getString("dtype");
  const llvm::json::Array *shape = desc.getArray("shape");
  if (!dtype || !shape)
    return failure();
  std::string out = dtype->str() + "[";
  for (auto [i, extent] : llvm::enumerate(*shape)) {
    std::optional<int64_t> value = extent.getAsInteger();
    if (!value)
      return failure();
    out += (i ? "x" : "") +
           (*value < 0 ? std::string("?") : std::to_string(*value));
  }
  return out + "]";
}

static FailureOr<std::string> encodeTypes(const llvm::json::Array *types) {
  if (!types)
    return failure();
  std::string out;
  for (auto [i, type] : llvm::enumerate(*types)) {
    const llvm::json::Object *desc = type.getAsObject();
    FailureOr<std::string> encoded =
        desc ? encodeType(*desc) : FailureOr<std::string>(failure());
    if (failed(encoded))
      return failure();
    out += (i ? "," : "") + *encoded;
  }
  return out;
}

FailureOr<std::string> seq::buildArtifactAbiRecord(StringRef metadataJson) {
  llvm::Expected<llvm::json::Value> root = llvm::json::parse(metadataJson);
  if (!root) {
    llvm::consumeError(root.takeError());
    return failure();
  }
  const llvm::json::Object *object = root->getAsObject();
  const llvm::json::Array *entries =
      object ? object->getArray("entries") : nullptr;
  const llvm::json::Array *parameters =
      object ? object->getArray("parameters") : nullptr;
  if (!entries || !parameters)
    return failure();
  std::string record = seqrt::abi::kAbiRecordVersion;
  for (const llvm::json::Value &value : *entries) {
    const llvm::json::Object *entry = value.getAsObject();
    if (!entry || !entry->getString("function"))
      return failure();
    FailureOr<std::string> inputs = encodeTypes(entry->getArray("inputs"));
    FailureOr<std::string> outputs = encodeTypes(entry->getArray("outputs"));
    if (failed(inputs) || failed(outputs))
      return failure();
    std::string inplace;
    if (const llvm::json::Array *pairs = entry->getArray("inplace"))
      for (const llvm::json::Value &pair : *pairs) {
        const llvm::json::Array *io = pair.getAsArray();
        if (!io || io->size() != 2 || !(*io)[0].getAsInteger() ||
            !(*io)[1].getAsInteger())
          return failure();
        inplace += (inplace.empty() ? "" : ",") +
                   std::to_string(*(*io)[0].getAsInteger()) + "=" +
                   std::to_string(*(*io)[1].getAsInteger());
      }
    record += ";e:" + escapeName(*entry->getString("function")) + ":" +
              *inputs + ":" + *outputs + ":" + inplace;
  }
  for (const llvm::json::Value &value : *parameters) {
    const llvm::json::Object *param = value.getAsObject();
    if (!param || !param->getString("global"))
      return failure();
    FailureOr<std::string> type = encodeType(*param);
    if (failed(type))
      return failure();
    record += ";p:" + escapeName(*param->getString("global")) + ":" + *type +
              ":" + param->getString("encoding").value_or("").str();
  }
  return record;
}

LogicalResult seq::emitAbiRecord(ModuleOp module, StringRef metadataJson,
                                 std::optional<uint64_t> gpuDigest) {
  FailureOr<std::string> record = buildArtifactAbiRecord(metadataJson);
  if (failed(record))
    return module.emitError("cannot encode the artifact metadata as an ABI "
                            "record");
  if (module.lookupSymbol(seqrt::abi::kAbiRecord))
    return module.emitError("the module already defines '")
           << seqrt::abi::kAbiRecord << "'";
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  std::string bytes = *record;
  if (module->hasAttr(seq::kStatusMessagesAttr))
    bytes += std::string(";") + seqrt::abi::kStatusMessageItem + ":" +
             std::to_string(seqrt::abi::kStatusMessageBytes);
  if (gpuDigest) {
    std::string hex = llvm::utohexstr(*gpuDigest, /*LowerCase=*/true);
    bytes += std::string(";") + seqrt::abi::kGpuDigestItem + ":" +
             std::string(16 - hex.size(), '0') + hex;
  }
  bytes += '\0';
  auto type = LLVM::LLVMArrayType::get(builder.getI8Type(), bytes.size());
  LLVM::GlobalOp::create(builder, module.getLoc(), type, /*isConstant=*/true,
                         LLVM::Linkage::External, seqrt::abi::kAbiRecord,
                         builder.getStringAttr(bytes));
  return success();
}
