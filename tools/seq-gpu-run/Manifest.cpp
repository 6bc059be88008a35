//===- Manifest.cpp - The launch manifest of compiled GPU kernels ---------===//
//
// This file parses the kernel manifest with seqrt's JSON reader and checks
// it as untrusted input: kinds, ranks, block sizes, grid rules that name
// existing parameters and dimensions.
//
//===----------------------------------------------------------------------===//

#include "Manifest.h"

#include "Json.h"

using namespace seqgpurun;
using seqrt::JsonValue;

namespace {
bool getInt(const JsonValue &object, const char *key, int64_t low, int64_t high,
            int64_t &out, std::string &error, const std::string &where) {
  const JsonValue *value = object.get(key);
  if (!value || !value->isInt() || value->getInt() < low ||
      value->getInt() > high) {
    error = where + ": \"" + key + "\" must be an integer in [" +
            std::to_string(low) + ", " + std::to_string(high) + "]";
    return false;
  }
  out = value->getInt();
  return true;
}
} // namespace

bool seqgpurun::parseManifest(const std::string &text, Manifest &out,
                              std::string &error) {
  JsonValue root;
  if (!seqrt::parseJson(text, root, error)) {
    error = "malformed JSON: " + error;
    return false;
  }
  const JsonValue *format = root.get("format");
  const JsonValue *version = root.get("version");
  if (!format || !format->isString() ||
      format->getString() != "seqc-gpu-kernels" || !version ||
      !version->isInt() || version->getInt() != 1) {
    error = "not a seqc-gpu-kernels manifest of version 1";
    return false;
  }
  const JsonValue *abi = root.get("abi");
  if (!abi || !abi->isString() || abi->getString() != "memref-descriptor") {
    error = "unsupported kernel ABI (expected \"memref-descriptor\")";
    return false;
  }
  const JsonValue *target = root.get("target");
  if (!target || !target->isString()) {
    error = "no \"target\"";
    return false;
  }
  out.target = target->getString();
  const JsonValue *kernels = root.get("kernels");
  if (!kernels || !kernels->isArray()) {
    error = "no \"kernels\" array";
    return false;
  }
  for (const JsonValue &k : kernels->getArray()) {
    Kernel kernel;
    const JsonValue *name = k.get("name");
    if (!name || !name->isString() || name->getString().empty()) {
      error = "a kernel without a name";
      return false;
    }
    kernel.name = name->getString();
    std::string where = "kernel '" + kernel.name + "'";
    const JsonValue *block = k.get("block");
    if (!block || !block->isArray() || block->getArray().size() != 3) {
      error = where + ": \"block\" must be [x, y, z]";
      return false;
    }
    int64_t threads = 1;
    for (int i = 0; i < 3; ++i) {
      const JsonValue &d = block->getArray()[i];
      if (!d.isInt() || d.getInt() < 1 || d.getInt() > 1024) {
        error = where + ": block extents must be in [1, 1024]";
        return false;
      }
      kernel.block[i] = uint32_t(d.getInt());
      threads *= d.getInt();
    }
    if (threads > 1024) {
      error = where + ": more than 1024 threads per block";
      return false;
    }
    const JsonValue *params = k.get("params");
    if (!params || !params->isArray() || params->getArray().size() > 64) {
      error = where + ": \"params\" must be an array of at most 64";
      return false;
    }
    for (const JsonValue &p : params->getArray()) {
      const JsonValue *kind = p.get("kind");
      const JsonValue *element = p.get("element");
      Param param;
      if (!kind || !kind->isString() || kind->getString() != "memref" ||
          !element || !element->isString() ||
          seqrt_dtype_parse(element->getString().c_str(), &param.element) !=
              SEQRT_OK ||
          param.element == SEQRT_DTYPE_I1) {
        error = where + ": parameters must be memrefs of f32, f16, bf16, "
                        "f64, i8, i32 or i64";
        return false;
      }
      if (!getInt(p, "rank", 1, SEQRT_MAX_RANK, param.rank, error, where))
        return false;
      kernel.params.push_back(param);
    }
    const JsonValue *grid = k.get("grid");
    if (!grid || !grid->isArray() || grid->getArray().empty() ||
        grid->getArray().size() > 3) {
      error = where + ": \"grid\" must hold 1 to 3 rules";
      return false;
    }
    for (const JsonValue &g : grid->getArray()) {
      GridRule rule;
      if (!getInt(g, "arg", 0, int64_t(kernel.params.size()) - 1, rule.arg,
                  error, where + " grid") ||
          !getInt(g, "dim", 0, kernel.params[rule.arg].rank - 1, rule.dim,
                  error, where + " grid") ||
          !getInt(g, "tile", 1, int64_t(1) << 31, rule.tile, error,
                  where + " grid"))
        return false;
      kernel.grid.push_back(rule);
    }
    int64_t dynamicShared;
    if (!getInt(k, "static_shared_bytes", 0, int64_t(1) << 20,
                kernel.staticSharedBytes, error, where) ||
        !getInt(k, "dynamic_shared_bytes", 0, int64_t(1) << 20, dynamicShared,
                error, where))
      return false;
    kernel.dynamicSharedBytes = uint32_t(dynamicShared);
    out.kernels.push_back(std::move(kernel));
  }
  if (out.kernels.empty()) {
    error = "the manifest lists no kernel";
    return false;
  }
  return true;
}
