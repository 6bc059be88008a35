//===- Unicode.cpp - Code point classes and UTF-8 -------------------------===//
//
// This file implements the code point classes over the generated range
// tables and strict and lossy UTF-8 decoding.
//
//===----------------------------------------------------------------------===//

#include "Unicode.h"

#include <algorithm>
#include <iterator>

using namespace seqrt;

namespace {
struct CodePointRange {
  char32_t first;
  char32_t last;
};

#include "UnicodeTables.inc"

template <size_t N>
bool inRanges(const CodePointRange (&table)[N], char32_t c) {
  const CodePointRange *end = table + N;
  const CodePointRange *it = std::upper_bound(
      table, end, c,
      [](char32_t value, const CodePointRange &r) { return value < r.first; });
  return it != table && c <= std::prev(it)->last;
}

/// Per-byte classes of ASCII: bit 0 letter, bit 1 number, bit 2 space.
struct AsciiClasses {
  unsigned char bits[128] = {};
  AsciiClasses() {
    for (char32_t c = 0; c < 128; ++c)
      bits[c] = (inRanges(kLetterRanges, c) ? 1 : 0) |
                (inRanges(kNumberRanges, c) ? 2 : 0) |
                (inRanges(kWhitespaceRanges, c) ? 4 : 0);
  }
};
const AsciiClasses kAscii;
} // namespace

const char *unicode::version() { return SEQRT_UNICODE_VERSION; }

bool unicode::isLetter(char32_t c) {
  return c < 128 ? (kAscii.bits[c] & 1) : inRanges(kLetterRanges, c);
}

bool unicode::isNumber(char32_t c) {
  return c < 128 ? (kAscii.bits[c] & 2) : inRanges(kNumberRanges, c);
}

bool unicode::isNumeric(char32_t c) {
  return c < 128 ? (kAscii.bits[c] & 2) : inRanges(kNumericRanges, c);
}

bool unicode::isWhitespace(char32_t c) {
  return c < 128 ? (kAscii.bits[c] & 4) : inRanges(kWhitespaceRanges, c);
}

void unicode::appendUtf8(std::string &out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

namespace {
/// The number of bytes a sequence starting with `lead` takes (0 for a byte
/// that cannot start one), and the range its second byte must lie in
/// (Unicode Table 3-7, which excludes overlongs, surrogates and values
/// past U+10FFFF).
int expectedLength(unsigned char lead, unsigned char &lo, unsigned char &hi) {
  lo = 0x80;
  hi = 0xBF;
  if (lead < 0x80)
    return 1;
  if (lead >= 0xC2 && lead <= 0xDF)
    return 2;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (lead == 0xE0)
      lo = 0xA0;
    else if (lead == 0xED)
      hi = 0x9F;
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (lead == 0xF0)
      lo = 0x90;
    else if (lead == 0xF4)
      hi = 0x8F;
    return 4;
  }
  return 0;
}

/// How many bytes of `text` (at most the expected length) form a valid
/// prefix of the sequence starting at text[0]; sets `length` to the
/// expected length (0 if text[0] cannot start a sequence).
size_t validPrefix(std::string_view text, int &length) {
  unsigned char lo, hi;
  auto lead = static_cast<unsigned char>(text[0]);
  length = expectedLength(lead, lo, hi);
  if (length <= 1)
    return length;
  size_t i = 1;
  for (; i < static_cast<size_t>(length) && i < text.size(); ++i) {
    auto b = static_cast<unsigned char>(text[i]);
    unsigned char min = i == 1 ? lo : 0x80, max = i == 1 ? hi : 0xBF;
    if (b < min || b > max)
      break;
  }
  return i;
}
} // namespace

int unicode::sequenceLength(std::string_view text) {
  if (text.empty())
    return -1;
  int length;
  size_t valid = validPrefix(text, length);
  if (length == 0)
    return 0;
  if (valid == static_cast<size_t>(length))
    return length;
  return valid == text.size() ? -1 : 0;
}

bool unicode::decodeUtf8(std::string_view text,
                         std::vector<char32_t> &codePoints,
                         std::vector<uint32_t> &offsets, size_t &badOffset) {
  codePoints.clear();
  offsets.clear();
  codePoints.reserve(text.size());
  offsets.reserve(text.size() + 1);
  size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      codePoints.push_back(lead);
      offsets.push_back(static_cast<uint32_t>(i));
      ++i;
      continue;
    }
    int length = sequenceLength(text.substr(i));
    if (length <= 0) {
      badOffset = i;
      return false;
    }
    char32_t c = lead & (0x7F >> length);
    for (int k = 1; k < length; ++k)
      c = (c << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    codePoints.push_back(c);
    offsets.push_back(static_cast<uint32_t>(i));
    i += length;
  }
  offsets.push_back(static_cast<uint32_t>(text.size()));
  return true;
}

void unicode::appendUtf8Lossy(std::string &out, std::string_view bytes) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  size_t i = 0;
  while (i < bytes.size()) {
    int length;
    size_t valid = validPrefix(bytes.substr(i), length);
    if (length > 0 && valid == static_cast<size_t>(length)) {
      out.append(bytes.data() + i, length);
      i += length;
    } else {
      // A maximal ill-formed subsequence: the valid prefix of a sequence
      // (at least its lead byte) becomes one U+FFFD.
      out += kReplacement;
      i += valid > 0 ? valid : 1;
    }
  }
}
