//===- PreTokenizer.cpp - Regex word splitting for BPE --------------------===//
//
// This file implements the pre-tokenizer regexes. Each matcher returns the
// length of the regex's match at a position, trying the alternatives in
// order as a backtracking engine (Oniguruma, which HF tokenizers uses)
// does. No alternative matches the empty string and together they match
// every code point, so the matches tile the text.
//
//===----------------------------------------------------------------------===//

#include "PreTokenizer.h"

#include "Unicode.h"

using namespace seqrt;

namespace {
using unicode::isLetter;
using unicode::isNumber;
using unicode::isWhitespace;

bool isOther(char32_t c) {
  return !isWhitespace(c) && !isLetter(c) && !isNumber(c);
}

bool isNewline(char32_t c) { return c == '\r' || c == '\n'; }

/// Simple case folding of what the contractions spell: ASCII letters, and
/// U+017F LATIN SMALL LETTER LONG S, which folds to 's' (Oniguruma's (?i)
/// matches it; U+212A KELVIN SIGN folds to 'k', which no contraction has).
char32_t foldCase(char32_t c) {
  if (c >= 'A' && c <= 'Z')
    return c + 32;
  return c == 0x17F ? U's' : c;
}

/// 's|'t|'re|'ve|'m|'ll|'d, optionally case-insensitive.
size_t matchContraction(const char32_t *c, size_t i, size_t n,
                        bool ignoreCase) {
  if (c[i] != '\'' || i + 1 >= n)
    return 0;
  auto fold = [&](char32_t x) { return ignoreCase ? foldCase(x) : x; };
  char32_t a = fold(c[i + 1]);
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if (i + 2 >= n)
    return 0;
  char32_t b = fold(c[i + 2]);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
      (a == 'l' && b == 'l'))
    return 3;
  return 0;
}

/// The end of the run of code points from `i` satisfying `pred`.
template <typename Pred>
size_t runEnd(const char32_t *c, size_t i, size_t n, Pred pred) {
  while (i < n && pred(c[i]))
    ++i;
  return i;
}

/// ` ?CLASS+` at i.
template <typename Pred>
size_t matchSpacePrefixed(const char32_t *c, size_t i, size_t n, Pred pred) {
  size_t start = i;
  if (c[i] == ' ' && i + 1 < n && pred(c[i + 1]))
    start = i + 1;
  if (!pred(c[start]))
    return 0;
  return runEnd(c, start, n, pred) - i;
}

/// \s+(?!\S)|\s+ at i (c[i] is whitespace): the whole run if it ends the
/// text or is one code point, else the run less its last code point.
size_t matchWhitespace(const char32_t *c, size_t i, size_t n) {
  size_t end = runEnd(c, i, n, isWhitespace);
  if (end == n || end - i == 1)
    return end - i;
  return end - i - 1;
}

size_t matchGpt2(const char32_t *c, size_t i, size_t n) {
  if (size_t len = matchContraction(c, i, n, /*ignoreCase=*/false))
    return len;
  if (size_t len = matchSpacePrefixed(c, i, n, isLetter))
    return len;
  if (size_t len = matchSpacePrefixed(c, i, n, isNumber))
    return len;
  if (size_t len = matchSpacePrefixed(c, i, n, isOther))
    return len;
  return matchWhitespace(c, i, n);
}

size_t matchLlama3(const char32_t *c, size_t i, size_t n, size_t maxDigits) {
  if (size_t len = matchContraction(c, i, n, /*ignoreCase=*/true))
    return len;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  {
    size_t start = i;
    if (!isNewline(c[i]) && !isLetter(c[i]) && !isNumber(c[i]) && i + 1 < n &&
        isLetter(c[i + 1]))
      start = i + 1;
    if (isLetter(c[start]))
      return runEnd(c, start, n, isLetter) - i;
  }
  // \p{N}{1,maxDigits}
  if (isNumber(c[i])) {
    size_t end = i;
    while (end < n && end - i < maxDigits && isNumber(c[end]))
      ++end;
    return end - i;
  }
  // ?[^\s\p{L}\p{N}]+[\r\n]*
  if (size_t len = matchSpacePrefixed(c, i, n, isOther))
    return runEnd(c, i + len, n, isNewline) - i;
  // \s*[\r\n]+: up to and including the last newline of the whitespace run.
  size_t end = runEnd(c, i, n, isWhitespace);
  for (size_t p = end; p > i; --p)
    if (isNewline(c[p - 1]))
      return p - i;
  return matchWhitespace(c, i, n);
}

void splitRange(PreTokenizerKind kind, const char32_t *c, size_t begin,
                size_t end, std::vector<uint32_t> &ends) {
  // The matchers see [begin, end) as the whole text.
  const char32_t *base = c + begin;
  size_t n = end - begin;
  size_t i = 0;
  while (i < n) {
    size_t len;
    switch (kind) {
    case PreTokenizerKind::Llama3:
      len = matchLlama3(base, i, n, 3);
      break;
    case PreTokenizerKind::Qwen2:
      len = matchLlama3(base, i, n, 1);
      break;
    default:
      len = matchGpt2(base, i, n);
      break;
    }
    // Every code point starts a match; guard against looping regardless.
    if (len == 0)
      len = 1;
    i += len;
    ends.push_back(static_cast<uint32_t>(begin + i));
  }
}
} // namespace

void seqrt::splitWords(PreTokenizerKind kind, const char32_t *cps, size_t count,
                       std::vector<uint32_t> &ends) {
  if (kind != PreTokenizerKind::SmolLM) {
    splitRange(kind, cps, 0, count, ends);
    return;
  }
  // HF Digits(individual_digits=true): each numeric code point (Rust's
  // char::is_numeric) is a piece of its own; the ByteLevel regex then
  // splits every other piece.
  size_t i = 0;
  while (i < count) {
    if (unicode::isNumeric(cps[i])) {
      ++i;
      ends.push_back(static_cast<uint32_t>(i));
      continue;
    }
    size_t end = i;
    while (end < count && !unicode::isNumeric(cps[end]))
      ++end;
    splitRange(PreTokenizerKind::Gpt2, cps, i, end, ends);
    i = end;
  }
}
