//===- Metadata.cpp - Artifact metadata -----------------------------------===//
//
// This file implements the parser that turns metadata JSON into Metadata,
// rejecting anything the loader or seqrt_call could not use.
//
//===----------------------------------------------------------------------===//

#include "Metadata.h"

#include "Dtype.h"
#include "Gguf.h"
#include "Json.h"

#include <algorithm>
#include <set>

using namespace seqrt;

std::string TensorType::str() const { return formatType(dtype, shape); }

namespace {
/// Walks the JSON document, remembering the first error with its path.
class MetadataReader {
public:
  std::string error;

  bool fail(const std::string &path, const std::string &message) {
    error = "metadata: " + path + ": " + message;
    return false;
  }

  const JsonValue *member(const JsonValue &object, const std::string &path,
                          std::string_view key, JsonValue::Kind kind,
                          bool required = true) {
    const JsonValue *value = object.get(key);
    std::string where =
        path.empty() ? std::string(key) : path + "." + std::string(key);
    if (!value) {
      if (required)
        fail(where, "missing");
      return nullptr;
    }
    if (value->getKind() != kind &&
        !(kind == JsonValue::Kind::Double && value->isInt())) {
      fail(where, std::string("expected ") + jsonKindName(kind) + ", found " +
                      jsonKindName(value->getKind()));
      return nullptr;
    }
    return value;
  }

  bool readString(const JsonValue &object, const std::string &path,
                  std::string_view key, std::string &out,
                  bool required = true) {
    const JsonValue *value =
        member(object, path, key, JsonValue::Kind::String, required);
    if (value)
      out = value->getString();
    return value || (!required && error.empty());
  }

  bool readType(const JsonValue &object, const std::string &path,
                bool staticOnly, TensorType &out) {
    std::string dtypeName;
    if (!readString(object, path, "dtype", dtypeName))
      return false;
    std::optional<seqrt_dtype> dtype = parseDtype(dtypeName);
    if (!dtype)
      return fail(path + ".dtype", "unknown dtype '" + dtypeName + "'");
    out.dtype = *dtype;
    const JsonValue *shape =
        member(object, path, "shape", JsonValue::Kind::Array);
    if (!shape)
      return false;
    if (shape->getArray().size() > SEQRT_MAX_RANK)
      return fail(path + ".shape",
                  "rank " + std::to_string(shape->getArray().size()) +
                      " exceeds the runtime's maximum of " +
                      std::to_string(SEQRT_MAX_RANK));
    out.shape.clear();
    for (const JsonValue &extent : shape->getArray()) {
      int64_t lowest = staticOnly ? 0 : -1;
      if (!extent.isInt() || extent.getInt() < lowest)
        return fail(path + ".shape",
                    staticOnly ? "extents must be integers >= 0"
                               : "extents must be integers >= 0, or -1 for "
                                 "a dynamic extent");
      out.shape.push_back(extent.getInt());
    }
    if (!numElements(out.shape.data(), out.shape.size(),
                     seqrt_dtype_size(out.dtype)) &&
        staticOnly)
      return fail(path + ".shape", "too many elements");
    return true;
  }

  bool readTypes(const JsonValue &entry, const std::string &path,
                 std::string_view key, std::vector<TensorType> &out) {
    const JsonValue *list = member(entry, path, key, JsonValue::Kind::Array);
    if (!list)
      return false;
    std::string listPath = path + "." + std::string(key);
    for (size_t i = 0; i < list->getArray().size(); ++i) {
      const JsonValue &item = list->getArray()[i];
      std::string itemPath = listPath + "[" + std::to_string(i) + "]";
      if (!item.isObject())
        return fail(itemPath, "expected object");
      TensorType type;
      if (!readType(item, itemPath, /*staticOnly=*/false, type))
        return false;
      out.push_back(std::move(type));
    }
    return true;
  }

  bool readTarget(const JsonValue &root, TargetInfo &out) {
    const JsonValue *target =
        member(root, "", "target", JsonValue::Kind::Object);
    return target && readString(*target, "target", "kind", out.kind) &&
           readString(*target, "target", "triple", out.triple) &&
           readString(*target, "target", "cpu", out.cpu,
                      /*required=*/false);
  }

  /// An encoding names a quantized ggml type (or the half-precision f16,
  /// bf16) whose blocks fill the rows of an i8 parameter.
  bool checkEncoding(const ParameterInfo &param, const std::string &path) {
    if (param.encoding.empty())
      return true;
    const GgmlTypeInfo *type = ggmlTypeByName(param.encoding);
    if (!type || !(type->quantized || type->type == GgmlType::F16 ||
                   type->type == GgmlType::BF16))
      return fail(path + ".encoding",
                  "unknown encoding '" + param.encoding +
                      "' (expected a quantized ggml type, f16 or bf16 in "
                      "lower case, e.g. q4_1, q8_0, q4_k, f16)");
    if (param.type.dtype != SEQRT_DTYPE_I8)
      return fail(path + ".encoding", "a " + param.encoding +
                                          "-encoded parameter holds raw bytes "
                                          "and must be i8, not " +
                                          param.type.str());
    if (param.type.shape.empty() ||
        param.type.shape.back() % type->blockBytes != 0)
      return fail(path + ".encoding",
                  param.type.str() + " is not rows of whole " + param.encoding +
                      " blocks (" + std::to_string(type->blockBytes) +
                      " bytes each)");
    return true;
  }

  /// `parts`: one distinct non-empty key per row of the first dimension of
  /// a plain (not encoded) parameter of rank >= 2.
  bool readParts(const JsonValue &item, const std::string &path,
                 ParameterInfo &param) {
    const JsonValue *parts =
        member(item, path, "parts", JsonValue::Kind::Array, /*required=*/false);
    if (!parts)
      return error.empty();
    std::string where = path + ".parts";
    if (!param.encoding.empty())
      return fail(where, "an encoded parameter cannot have parts");
    const std::vector<JsonValue> &list = parts->getArray();
    if (param.type.rank() < 2 ||
        static_cast<int64_t>(list.size()) != param.type.shape[0])
      return fail(where, std::to_string(list.size()) +
                             " parts do not fill the first dimension of " +
                             param.type.str());
    std::set<std::string> seen;
    for (size_t j = 0; j < list.size(); ++j) {
      if (!list[j].isString() || list[j].getString().empty())
        return fail(where + "[" + std::to_string(j) + "]",
                    "expected a non-empty string");
      if (!seen.insert(list[j].getString()).second)
        return fail(where + "[" + std::to_string(j) + "]",
                    "repeated part '" + list[j].getString() + "'");
      param.parts.push_back(list[j].getString());
    }
    return true;
  }

  bool readParameters(const JsonValue &root, std::vector<ParameterInfo> &out) {
    const JsonValue *list =
        member(root, "", "parameters", JsonValue::Kind::Array,
               /*required=*/false);
    if (!list)
      return error.empty();
    for (size_t i = 0; i < list->getArray().size(); ++i) {
      const JsonValue &item = list->getArray()[i];
      std::string path = "parameters[" + std::to_string(i) + "]";
      if (!item.isObject())
        return fail(path, "expected object");
      ParameterInfo param;
      if (!readString(item, path, "symbol", param.symbol) ||
          !readString(item, path, "key", param.key) ||
          !readString(item, path, "global", param.global) ||
          !readType(item, path, /*staticOnly=*/true, param.type) ||
          !readString(item, path, "encoding", param.encoding,
                      /*required=*/false) ||
          !checkEncoding(param, path) || !readParts(item, path, param))
        return false;
      out.push_back(std::move(param));
    }
    return true;
  }

  /// `ignored_weights`: non-empty tensor names.
  bool readIgnoredWeights(const JsonValue &root,
                          std::vector<std::string> &out) {
    const JsonValue *list = member(root, "", "ignored_weights",
                                   JsonValue::Kind::Array, /*required=*/false);
    if (!list)
      return error.empty();
    for (size_t i = 0; i < list->getArray().size(); ++i) {
      const JsonValue &name = list->getArray()[i];
      if (!name.isString() || name.getString().empty())
        return fail("ignored_weights[" + std::to_string(i) + "]",
                    "expected a non-empty string");
      out.push_back(name.getString());
    }
    return true;
  }

  bool readEntries(const JsonValue &root, std::vector<EntryInfo> &out) {
    const JsonValue *list = member(root, "", "entries", JsonValue::Kind::Array);
    if (!list)
      return false;
    std::set<std::string> names;
    for (size_t i = 0; i < list->getArray().size(); ++i) {
      const JsonValue &item = list->getArray()[i];
      std::string path = "entries[" + std::to_string(i) + "]";
      if (!item.isObject())
        return fail(path, "expected object");
      EntryInfo entry;
      if (!readString(item, path, "name", entry.name) ||
          !readString(item, path, "function", entry.function) ||
          !readTypes(item, path, "inputs", entry.inputs) ||
          !readTypes(item, path, "outputs", entry.outputs))
        return false;
      // Outputs that count per row: i32 [B].
      for (auto [key, field] :
           {std::make_pair("generated_count_output",
                           &entry.generatedCountOutput),
            std::make_pair("verify_steps_output", &entry.verifyStepsOutput),
            std::make_pair("accepted_drafts_output",
                           &entry.acceptedDraftsOutput),
            std::make_pair("drafted_tokens_output",
                           &entry.draftedTokensOutput)}) {
        const JsonValue *count = item.get(key);
        if (!count)
          continue;
        if (!count->isInt() || count->getInt() < 0 ||
            count->getInt() >= static_cast<int64_t>(entry.outputs.size()))
          return fail(path + "." + key, "expected an output index");
        const TensorType &type = entry.outputs[count->getInt()];
        if (type.dtype != SEQRT_DTYPE_I32 || type.rank() != 1)
          return fail(path + "." + key, "expected an i32 [B] output");
        *field = count->getInt();
      }
      entry.inplaceInput.assign(entry.outputs.size(), -1);
      if (const JsonValue *pairs = item.get("inplace")) {
        std::string where = path + ".inplace";
        if (!pairs->isArray())
          return fail(where, "expected an array of [input, output] pairs");
        for (const JsonValue &pair : pairs->getArray()) {
          if (!pair.isArray() || pair.getArray().size() != 2 ||
              !pair.getArray()[0].isInt() || !pair.getArray()[1].isInt())
            return fail(where, "expected [input, output] index pairs");
          int64_t in = pair.getArray()[0].getInt();
          int64_t o = pair.getArray()[1].getInt();
          if (in < 0 || in >= static_cast<int64_t>(entry.inputs.size()) ||
              o < 0 || o >= static_cast<int64_t>(entry.outputs.size()))
            return fail(where, "index out of range");
          const TensorType &a = entry.inputs[in], &b = entry.outputs[o];
          if (a.dtype != b.dtype || a.shape != b.shape || a.rank() == 0 ||
              std::find(a.shape.begin(), a.shape.end(), -1) != a.shape.end())
            return fail(where, "input " + std::to_string(in) + " and output " +
                                   std::to_string(o) +
                                   " must have one static tensor type");
          if (entry.inplaceInput[o] != -1 ||
              std::count(entry.inplaceInput.begin(), entry.inplaceInput.end(),
                         in))
            return fail(where, "an input or output appears twice");
          entry.inplaceInput[o] = in;
        }
      }
      entry.recurrentInput.assign(entry.inputs.size(), false);
      if (const JsonValue *list = item.get("recurrent")) {
        std::string where = path + ".recurrent";
        if (!list->isArray())
          return fail(where, "expected an array of input indices");
        for (const JsonValue &index : list->getArray()) {
          if (!index.isInt() || index.getInt() < 0 ||
              index.getInt() >= static_cast<int64_t>(entry.inputs.size()))
            return fail(where, "expected input indices");
          int64_t in = index.getInt();
          if (!std::count(entry.inplaceInput.begin(), entry.inplaceInput.end(),
                          in))
            return fail(where, "input " + std::to_string(in) +
                                   " is not in-place state");
          entry.recurrentInput[in] = true;
        }
      }
      entry.nonemptyInput.assign(entry.inputs.size(), false);
      if (const JsonValue *list = item.get("nonempty")) {
        std::string where = path + ".nonempty";
        if (!list->isArray())
          return fail(where, "expected an array of input indices");
        for (const JsonValue &index : list->getArray()) {
          if (!index.isInt() || index.getInt() < 0 ||
              index.getInt() >= static_cast<int64_t>(entry.inputs.size()))
            return fail(where, "expected input indices");
          entry.nonemptyInput[index.getInt()] = true;
        }
      }
      if (!names.insert(entry.name).second)
        return fail(path + ".name", "duplicate entry '" + entry.name + "'");
      out.push_back(std::move(entry));
    }
    return true;
  }
};
} // namespace

bool seqrt::parseMetadata(std::string_view json, Metadata &out,
                          std::string &error, uint32_t containerVersion) {
  JsonValue root;
  std::string jsonError;
  if (!parseJson(json, root, jsonError)) {
    error = "metadata: malformed JSON: " + jsonError;
    return false;
  }
  if (!root.isObject()) {
    error = "metadata: expected a JSON object";
    return false;
  }
  MetadataReader reader;
  Metadata metadata;
  if (const JsonValue *version = reader.member(root, "", "format_version",
                                               JsonValue::Kind::Int, false)) {
    if (version->getInt() != containerVersion) {
      error = "metadata: format_version " + std::to_string(version->getInt()) +
              " does not match the container's version " +
              std::to_string(containerVersion);
      return false;
    }
    metadata.formatVersion = version->getInt();
  }
  if (!reader.error.empty() ||
      !reader.readString(root, "", "producer", metadata.producer,
                         /*required=*/false) ||
      !reader.readTarget(root, metadata.target) ||
      !reader.readParameters(root, metadata.parameters) ||
      !reader.readIgnoredWeights(root, metadata.ignoredWeights) ||
      !reader.readEntries(root, metadata.entries)) {
    error = reader.error;
    return false;
  }
  out = std::move(metadata);
  return true;
}
