//===- SentencePiece.cpp - SentencePiece BPE encoding ---------------------===//
//
// This file implements the SentencePiece BPE model of Tokenizer, as the
// sentencepiece library encodes with byte_fallback and the identity
// normalizer (Llama-2 style; llama.cpp's "llama" vocabulary): spaces
// become U+2581 with one put before the text, user-defined symbols are
// kept whole, adjacent symbols are merged while their concatenation is a
// piece (highest score first, then leftmost), unused pieces are split back
// into what formed them, and what is not a piece becomes <0xXX> byte
// pieces.
//
//===----------------------------------------------------------------------===//

#include "Tokenizer.h"

#include "Unicode.h"

#include <algorithm>
#include <functional>
#include <queue>

using namespace seqrt;

namespace {
constexpr std::string_view kSpaceMark = "\xE2\x96\x81";        // U+2581
constexpr std::string_view kUnknownSurface = " \xE2\x81\x87 "; // " ⁇ "

/// The byte value of a "<0xXX>" piece, or -1.
int byteOfPiece(const std::string &piece) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  };
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>')
    return -1;
  int hi = hex(piece[3]), lo = hex(piece[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}
} // namespace

std::unique_ptr<Tokenizer> Tokenizer::fromSentencePiece(
    std::vector<std::string> tokens, std::vector<float> scores,
    std::vector<int32_t> types, bool addSpacePrefix, int32_t bosId,
    int32_t eosId, bool addBos, bool addEos, std::string &error) {
  TokenizerData data;
  data.model = TokenizerModel::SentencePieceBpe;
  size_t n = tokens.size();
  for (int32_t id : {bosId, eosId})
    if (id < -1 || (id >= 0 && static_cast<size_t>(id) >= n)) {
      error = "the BOS or EOS id " + std::to_string(id) + " is out of range";
      return nullptr;
    }
  if ((addBos && bosId == -1) || (addEos && eosId == -1)) {
    error = "BOS/EOS tokens are to be added but have no id";
    return nullptr;
  }
  data.tokens = std::move(tokens);
  data.scores = std::move(scores);
  data.types = std::move(types);
  data.addSpacePrefix = addSpacePrefix;
  data.bosId = bosId;
  data.eosId = eosId;
  if (addBos)
    data.prefixIds.push_back(bosId);
  if (addEos)
    data.suffixIds.push_back(eosId);
  return create(std::move(data), error);
}

bool Tokenizer::createSentencePiece(TokenizerData &data, std::string &error) {
  size_t n = data.tokens.size();
  if (data.scores.size() != n || data.types.size() != n) {
    error = "there are " + std::to_string(data.scores.size()) + " scores and " +
            std::to_string(data.types.size()) + " token types for " +
            std::to_string(n) + " tokens";
    return false;
  }
  if (!data.merges.empty() || !data.addedTokens.empty()) {
    error = "a SentencePiece vocabulary has no merges or added tokens";
    return false;
  }
  std::fill(std::begin(spByteIds), std::end(spByteIds), -1);
  decoded.assign(n, std::string());
  for (size_t id = 0; id < n; ++id) {
    const std::string &piece = data.tokens[id];
    int32_t type = data.types[id];
    switch (type) {
    case kSpNormal:
    case kSpUserDefined:
    case kSpUnused:
      pieces.emplace(piece, static_cast<int32_t>(id));
      if (type == kSpUserDefined)
        userSymbols.push_back(piece);
      // U+2581 stands for a space.
      for (size_t pos = 0; pos < piece.size();) {
        if (piece.compare(pos, kSpaceMark.size(), kSpaceMark) == 0) {
          decoded[id] += ' ';
          pos += kSpaceMark.size();
        } else {
          decoded[id] += piece[pos++];
        }
      }
      break;
    case kSpUnknown:
      if (unk < 0)
        unk = static_cast<int32_t>(id);
      decoded[id] = std::string(kUnknownSurface);
      break;
    case kSpControl:
      specialFlags[id] = true;
      break;
    case kSpByte: {
      int b = byteOfPiece(piece);
      if (b < 0) {
        error = "byte token " + std::to_string(id) + " ('" + piece +
                "') is not <0xXX>";
        return false;
      }
      if (spByteIds[b] < 0)
        spByteIds[b] = static_cast<int32_t>(id);
      decoded[id] = std::string(1, static_cast<char>(b));
      break;
    }
    default:
      error = "token " + std::to_string(id) + " has an invalid type " +
              std::to_string(type);
      return false;
    }
  }
  std::stable_sort(userSymbols.begin(), userSymbols.end(),
                   [](const std::string &a, const std::string &b) {
                     return a.size() > b.size();
                   });
  scores = std::move(data.scores);
  types = std::move(data.types);
  addSpacePrefix = data.addSpacePrefix;
  return true;
}

void Tokenizer::encodeSentencePiece(std::string_view text,
                                    std::vector<int32_t> &out) const {
  if (text.empty())
    return;
  std::string normalized;
  normalized.reserve(text.size() * 3 + 3);
  if (addSpacePrefix)
    normalized += kSpaceMark;
  for (char c : text) {
    if (c == ' ')
      normalized += kSpaceMark;
    else
      normalized += c;
  }

  struct Symbol {
    size_t begin;
    size_t size; // 0 once merged into its left neighbour
    int prev;
    int next;
    bool freeze; // a user-defined symbol: never merged
  };
  std::vector<Symbol> symbols;
  for (size_t pos = 0; pos < normalized.size();) {
    std::string_view rest = std::string_view(normalized).substr(pos);
    size_t size = 0;
    bool freeze = false;
    for (const std::string &symbol : userSymbols)
      if (rest.compare(0, symbol.size(), symbol) == 0) {
        size = symbol.size();
        freeze = true;
        break;
      }
    if (!size) {
      // The text is valid UTF-8, so is the normalized form.
      int len = unicode::sequenceLength(rest);
      size = len > 0 ? static_cast<size_t>(len) : 1;
    }
    int index = static_cast<int>(symbols.size());
    symbols.push_back({pos, size, index - 1, index + 1, freeze});
    pos += size;
  }
  symbols.back().next = -1;

  struct Candidate {
    float score;
    int left;
    int right;
    size_t size;
    bool operator<(const Candidate &other) const {
      return score != other.score ? score < other.score : left > other.left;
    }
  };
  std::priority_queue<Candidate> agenda;
  // Unused pieces formed by a merge, with the two pieces that formed them.
  std::unordered_map<std::string, std::pair<std::string, std::string>> unmerge;
  auto pieceOf = [&](const Symbol &s) {
    return normalized.substr(s.begin, s.size);
  };
  auto consider = [&](int left, int right) {
    if (left < 0 || right < 0 || symbols[left].freeze || symbols[right].freeze)
      return;
    std::string piece = normalized.substr(
        symbols[left].begin, symbols[left].size + symbols[right].size);
    auto it = pieces.find(piece);
    if (it == pieces.end())
      return;
    agenda.push({scores[it->second], left, right, piece.size()});
    if (types[it->second] == kSpUnused)
      unmerge[piece] = {pieceOf(symbols[left]), pieceOf(symbols[right])};
  };
  for (int i = 1; i < static_cast<int>(symbols.size()); ++i)
    consider(i - 1, i);

  while (!agenda.empty()) {
    Candidate top = agenda.top();
    agenda.pop();
    Symbol &left = symbols[top.left];
    Symbol &right = symbols[top.right];
    if (left.size == 0 || right.size == 0 ||
        left.size + right.size != top.size || left.next != top.right)
      continue;
    left.size += right.size;
    left.next = right.next;
    if (right.next >= 0)
      symbols[right.next].prev = top.left;
    right.size = 0;
    consider(left.prev, top.left);
    consider(top.left, left.next);
  }

  // Runs of unknown characters become one unknown piece, as in
  // sentencepiece.
  bool lastWasUnknown = false;
  std::function<void(const std::string &)> emit =
      [&](const std::string &piece) {
        auto it = pieces.find(piece);
        if (it != pieces.end() && types[it->second] == kSpUnused) {
          auto split = unmerge.find(piece);
          if (split != unmerge.end()) {
            emit(split->second.first);
            emit(split->second.second);
            return;
          }
        }
        if (it != pieces.end()) {
          out.push_back(it->second);
          lastWasUnknown = false;
          return;
        }
        // Not a piece: its bytes as byte pieces, else the unknown piece.
        bool allBytes = true;
        for (char b : piece)
          allBytes = allBytes && spByteIds[static_cast<uint8_t>(b)] >= 0;
        if (allBytes) {
          for (char b : piece)
            out.push_back(spByteIds[static_cast<uint8_t>(b)]);
          lastWasUnknown = false;
        } else if (unk >= 0 && !lastWasUnknown) {
          out.push_back(unk);
          lastWasUnknown = true;
        }
      };
  for (int i = 0; i >= 0; i = symbols[i].next)
    emit(pieceOf(symbols[i]));
}
