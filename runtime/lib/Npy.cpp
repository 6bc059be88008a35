//===- Npy.cpp - Reading and writing .npy files ---------------------------===//
//
// This file implements the .npy format: the "\x93NUMPY" magic, a version,
// a little-endian header length (2 bytes in version 1, 4 in versions 2 and
// 3) and a Python dict literal with 'descr', 'fortran_order' and 'shape',
// followed by the raw data.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include "Dtype.h"
#include "MappedFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

using namespace seqrt;

namespace {
constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

/// The descr seqrt writes for `dtype`.
const char *descrFor(seqrt_dtype dtype) {
  switch (dtype) {
  case SEQRT_DTYPE_F32:
    return "<f4";
  case SEQRT_DTYPE_F16:
    return "<f2";
  case SEQRT_DTYPE_BF16:
    return "<u2";
  case SEQRT_DTYPE_F64:
    return "<f8";
  case SEQRT_DTYPE_I1:
    return "|b1";
  case SEQRT_DTYPE_I8:
    return "|i1";
  case SEQRT_DTYPE_I32:
    return "<i4";
  case SEQRT_DTYPE_I64:
    return "<i8";
  }
  return "?";
}

bool dtypeForDescr(const std::string &descr,
                   std::optional<seqrt_dtype> expected, seqrt_dtype &out,
                   std::string &error) {
  if (descr.size() < 2) {
    error = "unsupported dtype '" + descr + "'";
    return false;
  }
  char order = descr[0];
  std::string kind = descr.substr(1);
  if (order == '>' && kind != "b1" && kind != "i1" && kind != "u1") {
    error = "big-endian dtype '" + descr + "' is not supported";
    return false;
  }
  if (order != '<' && order != '|' && order != '=' && order != '>') {
    error = "unsupported dtype '" + descr + "'";
    return false;
  }
  static const struct {
    const char *kind;
    seqrt_dtype dtype;
  } kinds[] = {{"f4", SEQRT_DTYPE_F32}, {"f2", SEQRT_DTYPE_F16},
               {"f8", SEQRT_DTYPE_F64}, {"i4", SEQRT_DTYPE_I32},
               {"i8", SEQRT_DTYPE_I64}, {"i1", SEQRT_DTYPE_I8},
               {"b1", SEQRT_DTYPE_I1}};
  for (const auto &entry : kinds) {
    if (kind == entry.kind) {
      out = entry.dtype;
      return true;
    }
  }
  if (kind == "u2" && expected == SEQRT_DTYPE_BF16) {
    out = SEQRT_DTYPE_BF16;
    return true;
  }
  error = "unsupported dtype '" + descr +
          "' (supported: <f4, <f2, <f8, <i4, <i8, |i1, |b1, and <u2 for bf16)";
  return false;
}

/// Parses the header's Python dict literal.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text(text) {}

  std::string descr;
  std::optional<bool> fortranOrder;
  std::optional<std::vector<int64_t>> shape;
  std::string error;

  bool parse() {
    skipSpace();
    if (!consume('{'))
      return fail("expected '{'");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return fail("expected a quoted key");
      skipSpace();
      if (!consume(':'))
        return fail("expected ':' after '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (!parseString(descr))
          return fail("'descr' must be a string (structured dtypes are not "
                      "supported)");
      } else if (key == "fortran_order") {
        if (!parseBool())
          return fail("'fortran_order' must be True or False");
      } else if (key == "shape") {
        if (!parseShape())
          return false;
      } else {
        return fail("unexpected key '" + key + "'");
      }
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return fail("expected ',' or '}'");
    }
    skipSpace();
    if (pos != text.size())
      return fail("unexpected text after the dict");
    if (descr.empty() || !fortranOrder || !shape)
      return fail("the dict needs 'descr', 'fortran_order' and 'shape'");
    return true;
  }

private:
  bool fail(const std::string &message) {
    error = "malformed header: " + message;
    return false;
  }

  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n' ||
                                 text[pos] == '\t' || text[pos] == '\r'))
      ++pos;
  }

  bool consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }

  bool parseString(std::string &out) {
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      return false;
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == std::string_view::npos)
      return false;
    out = std::string(text.substr(pos, end - pos));
    pos = end + 1;
    return true;
  }

  bool parseBool() {
    if (text.substr(pos, 4) == "True") {
      pos += 4;
      fortranOrder = true;
      return true;
    }
    if (text.substr(pos, 5) == "False") {
      pos += 5;
      fortranOrder = false;
      return true;
    }
    return false;
  }

  bool parseShape() {
    if (!consume('('))
      return fail("'shape' must be a tuple");
    std::vector<int64_t> extents;
    while (true) {
      skipSpace();
      if (consume(')'))
        break;
      size_t start = pos;
      int64_t value = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (value > (INT64_MAX - 9) / 10)
          return fail("shape extent too large");
        value = value * 10 + (text[pos++] - '0');
      }
      if (pos == start)
        return fail("'shape' must hold non-negative integers");
      consume('L'); // Python 2 longs
      extents.push_back(value);
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume(')'))
        break;
      return fail("expected ',' or ')' in 'shape'");
    }
    shape = std::move(extents);
    return true;
  }

  std::string_view text;
  size_t pos = 0;
};
} // namespace

bool seqrt::parseNpy(std::string_view bytes, seqrt_tensor &out,
                     std::string &error, std::optional<seqrt_dtype> expected) {
  std::memset(&out, 0, sizeof(out));
  if (bytes.size() < kMagicSize + 4 ||
      bytes.substr(0, kMagicSize) != std::string_view(kMagic, kMagicSize)) {
    error = "not a .npy file (bad magic)";
    return false;
  }
  auto byte = [&](size_t i) {
    return static_cast<uint64_t>(static_cast<unsigned char>(bytes[i]));
  };
  unsigned major = static_cast<unsigned>(byte(6));
  size_t headerStart, headerSize;
  if (major == 1) {
    headerStart = 10;
    headerSize = byte(8) | byte(9) << 8;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      error = "truncated .npy header";
      return false;
    }
    headerStart = 12;
    headerSize = byte(8) | byte(9) << 8 | byte(10) << 16 | byte(11) << 24;
  } else {
    error = "unsupported .npy format version " + std::to_string(major);
    return false;
  }
  if (headerSize > bytes.size() - headerStart) {
    error = "truncated .npy header";
    return false;
  }
  HeaderParser header(bytes.substr(headerStart, headerSize));
  if (!header.parse()) {
    error = header.error;
    return false;
  }
  if (*header.fortranOrder) {
    error = "fortran_order arrays are not supported; save a C-order array "
            "(numpy.ascontiguousarray)";
    return false;
  }
  seqrt_dtype dtype;
  if (!dtypeForDescr(header.descr, expected, dtype, error))
    return false;
  const std::vector<int64_t> &shape = *header.shape;
  if (shape.size() > SEQRT_MAX_RANK) {
    error = "rank " + std::to_string(shape.size()) + " exceeds " +
            std::to_string(SEQRT_MAX_RANK);
    return false;
  }
  std::optional<int64_t> count = numElements(shape, seqrt_dtype_size(dtype));
  size_t dataStart = headerStart + headerSize;
  size_t available = bytes.size() - dataStart;
  if (!count ||
      static_cast<uint64_t>(*count) * seqrt_dtype_size(dtype) != available) {
    error = "data size mismatch: " + header.descr + " " + formatShape(shape) +
            " needs " +
            (count ? std::to_string(*count * seqrt_dtype_size(dtype))
                   : std::string("too many")) +
            " bytes, the file holds " + std::to_string(available);
    return false;
  }
  if (seqrt_tensor_alloc(dtype, static_cast<int32_t>(shape.size()),
                         shape.data(), &out) != SEQRT_OK) {
    error = seqrt_last_error();
    return false;
  }
  if (available)
    std::memcpy(out.data, bytes.data() + dataStart, available);
  return true;
}

bool seqrt::readNpy(const std::string &path, seqrt_tensor &out,
                    std::string &error, std::optional<seqrt_dtype> expected) {
  std::memset(&out, 0, sizeof(out));
  std::unique_ptr<MappedFile> file = MappedFile::open(path, error);
  if (!file)
    return false;
  if (!parseNpy(file->bytes(), out, error, expected)) {
    error = "'" + path + "': " + error;
    return false;
  }
  return true;
}

namespace {
/// Magic, version, header length and the padded header dict.
std::string npyHeader(const seqrt_tensor &tensor) {
  std::string dict = std::string("{'descr': '") + descrFor(tensor.dtype) +
                     "', 'fortran_order': False, 'shape': (";
  for (int32_t d = 0; d < tensor.rank; ++d)
    dict += std::to_string(tensor.shape[d]) + (tensor.rank == 1      ? ","
                                               : d + 1 < tensor.rank ? ", "
                                                                     : "");
  dict += "), }";
  // Pad with spaces and a newline so that the data starts 64-byte aligned.
  auto padded = [&](size_t prefix) {
    return (prefix + dict.size() + 1 + 63) / 64 * 64 - prefix;
  };
  bool large = padded(10) > 65535;
  size_t prefix = large ? 12 : 10;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict.push_back('\n');

  std::string out(kMagic, kMagicSize);
  out.push_back(static_cast<char>(large ? 2 : 1));
  out.push_back(0);
  size_t length = dict.size();
  for (size_t i = 0; i < (large ? 4u : 2u); ++i)
    out.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  return out + dict;
}
} // namespace

std::string seqrt::encodeNpy(const seqrt_tensor &tensor) {
  std::string out = npyHeader(tensor);
  if (size_t size = seqrt_tensor_byte_size(&tensor))
    out.append(static_cast<const char *>(tensor.data), size);
  return out;
}

bool seqrt::writeNpy(const std::string &path, const seqrt_tensor &tensor,
                     std::string &error) {
  // Header and data are written separately: no copy of a large tensor.
  std::string header = npyHeader(tensor);
  size_t size = seqrt_tensor_byte_size(&tensor);
  FILE *file = std::fopen(path.c_str(), "wb");
  if (!file) {
    error = "cannot open '" + path + "' for writing: " + strerror(errno);
    return false;
  }
  bool ok =
      std::fwrite(header.data(), 1, header.size(), file) == header.size() &&
      (size == 0 || std::fwrite(tensor.data, 1, size, file) == size);
  ok = std::fclose(file) == 0 && ok;
  if (!ok) {
    error = "cannot write '" + path + "': " + strerror(errno);
    return false;
  }
  return true;
}
