//===- AbiRecord.cpp - The ABI recorded inside artifact code --------------===//
//
// This file implements encoding and parsing the `__seq_abi` record and
// comparing it with the artifact metadata.
//
//===----------------------------------------------------------------------===//

#include "AbiRecord.h"

#include "Dtype.h"
#include "seqrt/Abi.h"

#include <cstdio>
#include <map>

using namespace seqrt;

namespace {
const char *dtypeName(seqrt_dtype dtype) {
  switch (dtype) {
  case SEQRT_DTYPE_F32:
    return "f32";
  case SEQRT_DTYPE_F16:
    return "f16";
  case SEQRT_DTYPE_BF16:
    return "bf16";
  case SEQRT_DTYPE_F64:
    return "f64";
  case SEQRT_DTYPE_I1:
    return "i1";
  case SEQRT_DTYPE_I8:
    return "i8";
  case SEQRT_DTYPE_I32:
    return "i32";
  case SEQRT_DTYPE_I64:
    return "i64";
  }
  return "?";
}

/// Names keep [A-Za-z0-9_.$-]; any other byte becomes %XX.
std::string escape(std::string_view name) {
  static const char digits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if (isalnum(c) || c == '_' || c == '.' || c == '$' || c == '-') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

std::string encodeType(const TensorType &type) {
  std::string out = std::string(dtypeName(type.dtype)) + "[";
  for (size_t i = 0; i < type.shape.size(); ++i) {
    if (i)
      out += 'x';
    out += type.shape[i] < 0 ? "?" : std::to_string(type.shape[i]);
  }
  return out + "]";
}

std::string encodeTypes(const std::vector<TensorType> &types) {
  std::string out;
  for (size_t i = 0; i < types.size(); ++i)
    out += (i ? "," : "") + encodeType(types[i]);
  return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos)
      return parts;
    start = end + 1;
  }
}

bool unescape(std::string_view text, std::string &out) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size() || !isxdigit(text[i + 1]) ||
        !isxdigit(text[i + 2]))
      return false;
    out += static_cast<char>(
        std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return true;
}

bool parseInt(std::string_view text, int64_t &value) {
  if (text.empty() || text.size() > 18)
    return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

bool parseType(std::string_view text, TensorType &type) {
  size_t open = text.find('[');
  if (open == std::string_view::npos || text.back() != ']')
    return false;
  std::optional<seqrt_dtype> dtype = parseDtype(text.substr(0, open));
  if (!dtype)
    return false;
  type.dtype = *dtype;
  type.shape.clear();
  std::string_view dims = text.substr(open + 1, text.size() - open - 2);
  if (dims.empty())
    return true;
  for (std::string_view dim : split(dims, 'x')) {
    int64_t extent = -1;
    if (dim != "?" && !parseInt(dim, extent))
      return false;
    type.shape.push_back(extent);
  }
  return type.shape.size() <= SEQRT_MAX_RANK;
}

bool parseTypes(std::string_view text, std::vector<TensorType> &types) {
  types.clear();
  if (text.empty())
    return true;
  for (std::string_view part : split(text, ',')) {
    types.emplace_back();
    if (!parseType(part, types.back()))
      return false;
  }
  return true;
}

struct RecordedEntry {
  std::vector<TensorType> inputs, outputs;
  std::vector<int64_t> inplaceInput; ///< per output, as in EntryInfo
};

struct RecordedParameter {
  TensorType type;
  std::string encoding;
};

/// Compares one list of tensor types; `what` is "input" or "output".
bool compareTypes(const std::string &entry, const char *what,
                  const std::vector<TensorType> &metadata,
                  const std::vector<TensorType> &code, std::string &error) {
  std::string prefix = "entry '" + entry + "': ";
  if (metadata.size() != code.size()) {
    error = prefix + "the metadata has " + std::to_string(metadata.size()) +
            " " + what + "s, the code " + std::to_string(code.size());
    return false;
  }
  for (size_t i = 0; i < code.size(); ++i) {
    std::string field = prefix + what + " " + std::to_string(i) + " ";
    if (metadata[i].dtype != code[i].dtype) {
      error = field + "dtype: " + dtypeName(metadata[i].dtype) +
              " in the metadata, " + dtypeName(code[i].dtype) + " in the code";
      return false;
    }
    if (metadata[i].rank() != code[i].rank()) {
      error = field + "rank: " + std::to_string(metadata[i].rank()) +
              " in the metadata, " + std::to_string(code[i].rank()) +
              " in the code";
      return false;
    }
    if (metadata[i].shape != code[i].shape) {
      error = field + "shape: " + metadata[i].str() + " in the metadata, " +
              code[i].str() + " in the code";
      return false;
    }
  }
  return true;
}
} // namespace

std::string seqrt::encodeAbiRecord(const Metadata &metadata) {
  std::string out = abi::kAbiRecordVersion;
  for (const EntryInfo &entry : metadata.entries) {
    out += ";e:" + escape(entry.function) + ":" + encodeTypes(entry.inputs) +
           ":" + encodeTypes(entry.outputs) + ":";
    bool first = true;
    for (size_t o = 0; o < entry.inplaceInput.size(); ++o)
      if (entry.inplaceInput[o] >= 0) {
        out += (first ? "" : ",") + std::to_string(entry.inplaceInput[o]) +
               "=" + std::to_string(o);
        first = false;
      }
  }
  for (const ParameterInfo &param : metadata.parameters)
    out += ";p:" + escape(param.global) + ":" + encodeType(param.type) + ":" +
           param.encoding;
  return out;
}

bool seqrt::checkAbiRecord(const Metadata &metadata, std::string_view record,
                           std::string &error,
                           std::optional<uint64_t> gpuDigest) {
  std::vector<std::string_view> items = split(record, ';');
  if (items[0] != abi::kAbiRecordVersion) {
    error = "the code's ABI record '" + std::string(abi::kAbiRecord) +
            "' is not " + abi::kAbiRecordVersion;
    return false;
  }
  std::map<std::string, RecordedEntry> entries;
  std::map<std::string, RecordedParameter> parameters;
  std::optional<uint64_t> recordedGpuDigest;
  for (size_t i = 1; i < items.size(); ++i) {
    std::vector<std::string_view> fields = split(items[i], ':');
    std::string name;
    bool ok = fields.size() >= 2 && unescape(fields[1], name);
    if (ok && fields[0] == "e" && fields.size() == 5) {
      RecordedEntry entry;
      ok = parseTypes(fields[2], entry.inputs) &&
           parseTypes(fields[3], entry.outputs);
      entry.inplaceInput.assign(entry.outputs.size(), -1);
      if (ok && !fields[4].empty())
        for (std::string_view pair : split(fields[4], ',')) {
          size_t eq = pair.find('=');
          int64_t input = 0, output = 0;
          ok = ok && eq != std::string_view::npos &&
               parseInt(pair.substr(0, eq), input) &&
               parseInt(pair.substr(eq + 1), output) &&
               output < static_cast<int64_t>(entry.outputs.size());
          if (ok)
            entry.inplaceInput[output] = input;
        }
      ok = ok && entries.emplace(name, entry).second;
    } else if (fields[0] == abi::kStatusMessageItem && fields.size() == 2) {
      // The code writes messages into a StatusRecord of this runtime's
      // size; another size is a record this runtime cannot serve.
      int64_t bytes = 0;
      ok = parseInt(fields[1], bytes) && bytes == abi::kStatusMessageBytes;
    } else if (fields[0] == abi::kGpuDigestItem && fields.size() == 2) {
      uint64_t digest = 0;
      ok = fields[1].size() == 16 && !recordedGpuDigest;
      for (char c : fields[1]) {
        int digit = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                           : -1;
        ok = ok && digit >= 0;
        digest = digest << 4 | static_cast<uint64_t>(digit & 15);
      }
      if (ok)
        recordedGpuDigest = digest;
    } else if (ok && fields[0] == "p" && fields.size() == 4) {
      RecordedParameter param;
      param.encoding = std::string(fields[3]);
      ok = parseType(fields[2], param.type) &&
           parameters.emplace(name, param).second;
    } else {
      ok = false;
    }
    if (!ok) {
      error = "the code's ABI record '" + std::string(abi::kAbiRecord) +
              "' is malformed at item " + std::to_string(i);
      return false;
    }
  }

  if (recordedGpuDigest && recordedGpuDigest != gpuDigest) {
    auto hex = [](std::optional<uint64_t> value) {
      if (!value)
        return std::string("none");
      char text[17];
      std::snprintf(text, sizeof text, "%016llx",
                    static_cast<unsigned long long>(*value));
      return std::string(text);
    };
    error = "the GPU targets' launch manifests and plans (in the metadata) "
            "or GPU images are not those the code was compiled with "
            "(digest " +
            hex(gpuDigest) + ", the code records " + hex(recordedGpuDigest) +
            ")";
    return false;
  }
  for (const EntryInfo &entry : metadata.entries) {
    auto it = entries.find(entry.function);
    if (it == entries.end()) {
      error = "entry '" + entry.name + "': the code records no entry '" +
              entry.function + "'";
      return false;
    }
    const RecordedEntry &code = it->second;
    if (!compareTypes(entry.name, "input", entry.inputs, code.inputs, error) ||
        !compareTypes(entry.name, "output", entry.outputs, code.outputs, error))
      return false;
    for (size_t o = 0; o < code.outputs.size(); ++o) {
      int64_t metadataInput =
          o < entry.inplaceInput.size() ? entry.inplaceInput[o] : -1;
      if (metadataInput != code.inplaceInput[o]) {
        auto describe = [](int64_t input) {
          return input < 0 ? std::string("not in place")
                           : "in place on input " + std::to_string(input);
        };
        error = "entry '" + entry.name + "': output " + std::to_string(o) +
                " inplace: " + describe(metadataInput) + " in the metadata, " +
                describe(code.inplaceInput[o]) + " in the code";
        return false;
      }
    }
  }
  for (const ParameterInfo &param : metadata.parameters) {
    std::string prefix = "parameter '" + param.key + "' (" + param.global + ")";
    auto it = parameters.find(param.global);
    if (it == parameters.end()) {
      error = prefix + ": the code records no such parameter";
      return false;
    }
    const RecordedParameter &code = it->second;
    if (param.type.dtype != code.type.dtype ||
        param.type.shape != code.type.shape) {
      error = prefix + " type: " + param.type.str() + " in the metadata, " +
              code.type.str() + " in the code";
      return false;
    }
    if (param.encoding != code.encoding) {
      auto describe = [](const std::string &encoding) {
        return encoding.empty() ? std::string("none") : "'" + encoding + "'";
      };
      error = prefix + " encoding: " + describe(param.encoding) +
              " in the metadata, " + describe(code.encoding) + " in the code";
      return false;
    }
  }
  for (const auto &[global, code] : parameters) {
    bool listed = false;
    for (const ParameterInfo &param : metadata.parameters)
      listed |= param.global == global;
    if (!listed) {
      error = "the code's parameter '" + global + "' (" + code.type.str() +
              ") is not in the metadata, so it could never be bound";
      return false;
    }
  }
  return true;
}
