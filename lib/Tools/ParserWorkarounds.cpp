//===- ParserWorkarounds.cpp - Inputs that crash the MLIR parser ----------===//
//
// This file implements the scan for the constructs that crash the MLIR 22
// parser. It tokenizes just enough of the text: comments and string
// literals are skipped, identifiers compared whole.
//
//===----------------------------------------------------------------------===//

#include "seqc/Tools/ParserWorkarounds.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

namespace {
bool isIdentifierChar(char c) {
  return llvm::isAlnum(c) || c == '_' || c == '$' || c == '.';
}

/// The word starting at `at` (an identifier), or empty.
llvm::StringRef wordAt(llvm::StringRef text, size_t at) {
  if (at > 0 && isIdentifierChar(text[at - 1]))
    return {};
  size_t end = at;
  while (end < text.size() && isIdentifierChar(text[end]))
    ++end;
  return text.slice(at, end);
}

size_t skipSpace(llvm::StringRef text, size_t at) {
  while (at < text.size() && llvm::isSpace(text[at]))
    ++at;
  return at;
}

/// Whether `token` is an integer literal as the permutation parser expects.
bool isInteger(llvm::StringRef token) {
  token.consume_front("-");
  return !token.empty() && llvm::all_of(token, llvm::isDigit);
}

/// Whether `token` is a float literal (`0.5`, `-1e3`): a number with a
/// fraction or an exponent, not a hex integer.
bool isFloat(llvm::StringRef token) {
  if (!token.consume_front("-"))
    token.consume_front("+");
  return !token.empty() && llvm::isDigit(token.front()) &&
         !token.starts_with_insensitive("0x") &&
         token.find_first_of(".eE") != llvm::StringRef::npos;
}
} // namespace

LogicalResult seq::rejectParserCrashers(llvm::SourceMgr &sourceMgr) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  llvm::StringRef text = buffer->getBuffer();
  auto report = [&](size_t at, const llvm::Twine &message) {
    sourceMgr.PrintMessage(llvm::SMLoc::getFromPointer(text.data() + at),
                           llvm::SourceMgr::DK_Error, message);
    return failure();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '/' && text.substr(i, 2) == "//") {
      i = text.find('\n', i);
      if (i == llvm::StringRef::npos)
        break;
      continue;
    }
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\')
          ++i;
      continue;
    }
    llvm::StringRef word = wordAt(text, i);
    if (word.empty())
      continue;
    size_t next = skipSpace(text, i + word.size());
    if (word == "array" && next < text.size() && text[next] == '<') {
      size_t element = skipSpace(text, next + 1);
      if (wordAt(text, element) == "index")
        return report(element,
                      "dense arrays of 'index' are not supported (the MLIR "
                      "22 parser crashes on them); use i64 or i32");
    }
    // linalg.transpose's `permutation` and linalg.broadcast's and
    // linalg.reduce's `dimensions` (a float in either list crashes the
    // parser; upstream mlir-opt-22 dies of SIGSEGV).
    bool permutation = word == "permutation";
    if ((permutation || word == "dimensions") && next < text.size() &&
        text[next] == '=') {
      size_t open = skipSpace(text, next + 1);
      if (open < text.size() && text[open] == '[') {
        size_t at = open + 1;
        while (true) {
          at = skipSpace(text, at);
          size_t end = at;
          while (end < text.size() && text[end] != ',' && text[end] != ']' &&
                 !llvm::isSpace(text[end]))
            ++end;
          llvm::StringRef token = text.slice(at, end);
          if (!token.empty() &&
              (permutation ? !isInteger(token) : isFloat(token)))
            return report(at, "expected an integer in the " + word + ", got '" +
                                  token +
                                  "' (the MLIR 22 parser crashes on it)");
          at = skipSpace(text, end);
          if (at >= text.size() || text[at] != ',')
            break;
          ++at;
        }
      }
    }
    i += word.size() - 1;
  }
  return success();
}
