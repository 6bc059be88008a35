//===- Tokenizer.cpp - Byte-level BPE tokenizer ---------------------------===//
//
// This file implements byte-level BPE encoding and decoding the way Hugging
// Face `tokenizers` does it: added tokens split out first (leftmost,
// longest), words from the pre-tokenizer mapped to GPT-2's byte alphabet
// and merged by rank with a priority queue, and decoded through the
// ByteLevel decoder's byte map with String::from_utf8_lossy semantics.
//
//===----------------------------------------------------------------------===//

#include "Tokenizer.h"

#include "PreTokenizer.h"
#include "Unicode.h"

#include <algorithm>
#include <limits>
#include <queue>

using namespace seqrt;

namespace {
/// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves,
/// the others for U+0100 onwards in byte order.
struct ByteAlphabet {
  char32_t byteToChar[256];
  std::unordered_map<char32_t, unsigned char> charToByte;
  ByteAlphabet() {
    char32_t next = 256;
    for (unsigned b = 0; b < 256; ++b) {
      bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) ||
                       (b >= 0xAE && b <= 0xFF);
      byteToChar[b] = printable ? b : next++;
      charToByte[byteToChar[b]] = static_cast<unsigned char>(b);
    }
  }
};
const ByteAlphabet &byteAlphabet() {
  static const ByteAlphabet alphabet;
  return alphabet;
}

std::string hexByte(unsigned char b) {
  static const char digits[] = "0123456789ABCDEF";
  return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

uint64_t pairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
         static_cast<uint32_t>(right);
}

/// What token `text` decodes to under HF's ByteLevel decoder: the bytes of
/// its characters if every one is in the byte alphabet, else its own UTF-8
/// (as for added tokens such as "<|im_start|>" with a plain space).
std::string byteLevelDecode(const std::string &text) {
  const ByteAlphabet &alphabet = byteAlphabet();
  std::vector<char32_t> cps;
  std::vector<uint32_t> offsets;
  size_t bad;
  if (!unicode::decodeUtf8(text, cps, offsets, bad))
    return text;
  std::string bytes;
  for (char32_t c : cps) {
    auto it = alphabet.charToByte.find(c);
    if (it == alphabet.charToByte.end())
      return text;
    bytes += static_cast<char>(it->second);
  }
  return bytes;
}
} // namespace

bool seqrt::parsePreTokenizerKind(std::string_view name,
                                  PreTokenizerKind &out) {
  if (name == "gpt2" || name == "default")
    out = PreTokenizerKind::Gpt2;
  else if (name == "smollm")
    out = PreTokenizerKind::SmolLM;
  else if (name == "llama3" || name == "llama-bpe" || name == "llama-v3")
    out = PreTokenizerKind::Llama3;
  else if (name == "qwen2")
    out = PreTokenizerKind::Qwen2;
  else
    return false;
  return true;
}

const char *seqrt::preTokenizerKindName(PreTokenizerKind kind) {
  switch (kind) {
  case PreTokenizerKind::Gpt2:
    return "gpt2";
  case PreTokenizerKind::SmolLM:
    return "smollm";
  case PreTokenizerKind::Llama3:
    return "llama3";
  case PreTokenizerKind::Qwen2:
    return "qwen2";
  }
  return "?";
}

std::unique_ptr<Tokenizer> Tokenizer::create(TokenizerData data,
                                             std::string &error) {
  if (data.tokens.empty()) {
    error = "the vocabulary is empty";
    return nullptr;
  }
  if (data.tokens.size() >
      static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    error = "the vocabulary has too many tokens";
    return nullptr;
  }
  std::unique_ptr<Tokenizer> tok(new Tokenizer());
  size_t n = data.tokens.size();
  auto validId = [&](int32_t id) {
    return id >= 0 && static_cast<size_t>(id) < n;
  };
  tok->vocab.reserve(n);
  for (size_t id = 0; id < n; ++id) {
    if (data.tokens[id].empty()) {
      error = "token " + std::to_string(id) + " is empty";
      return nullptr;
    }
    // The first id of a string that occurs twice wins.
    tok->vocab.emplace(data.tokens[id], static_cast<int32_t>(id));
  }

  tok->model = data.model;
  tok->specialFlags.assign(n, false);
  if (data.model == TokenizerModel::SentencePieceBpe &&
      !tok->createSentencePiece(data, error))
    return nullptr;

  const ByteAlphabet &alphabet = byteAlphabet();
  for (unsigned b = 0; b < 256; ++b) {
    std::string ch;
    unicode::appendUtf8(ch, alphabet.byteToChar[b]);
    auto it = tok->vocab.find(ch);
    // A byte without a token is dropped when encoding, as in HF.
    tok->byteIds[b] = it == tok->vocab.end() ? -1 : it->second;
  }

  tok->mergeRanks.reserve(data.merges.size());
  for (size_t rank = 0; rank < data.merges.size(); ++rank) {
    const auto &[left, right] = data.merges[rank];
    auto l = tok->vocab.find(left), r = tok->vocab.find(right),
         m = tok->vocab.find(left + right);
    if (l == tok->vocab.end() || r == tok->vocab.end() ||
        m == tok->vocab.end()) {
      error = "merge " + std::to_string(rank) + " ('" + left + "' '" + right +
              "') names a token not in the vocabulary";
      return nullptr;
    }
    if (rank > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      error = "too many merges";
      return nullptr;
    }
    // A pair listed twice keeps its last rank, as in HF.
    tok->mergeRanks[pairKey(l->second, r->second)] = {
        static_cast<int32_t>(rank), m->second};
  }

  for (AddedToken &added : data.addedTokens) {
    if (added.content.empty() || !validId(added.id)) {
      error = "added token '" + added.content + "' has an invalid id " +
              std::to_string(added.id) + " or is empty";
      return nullptr;
    }
    std::vector<char32_t> cps;
    std::vector<uint32_t> offsets;
    size_t bad;
    if (!unicode::decodeUtf8(added.content, cps, offsets, bad)) {
      error = "added token " + std::to_string(added.id) + " is not valid UTF-8";
      return nullptr;
    }
    if (added.special)
      tok->specialFlags[added.id] = true;
    (added.special ? tok->specialTokens : tok->plainAddedTokens)
        .push_back(std::move(added));
  }
  for (auto *list : {&tok->specialTokens, &tok->plainAddedTokens})
    std::stable_sort(list->begin(), list->end(),
                     [](const AddedToken &a, const AddedToken &b) {
                       return a.content.size() > b.content.size();
                     });

  for (int32_t id : data.prefixIds)
    if (!validId(id)) {
      error =
          "post-processor token id " + std::to_string(id) + " is out of range";
      return nullptr;
    }
  for (int32_t id : data.suffixIds)
    if (!validId(id)) {
      error =
          "post-processor token id " + std::to_string(id) + " is out of range";
      return nullptr;
    }
  if ((data.bosId != -1 && !validId(data.bosId)) ||
      (data.eosId != -1 && !validId(data.eosId))) {
    error = "the BOS or EOS id is out of range";
    return nullptr;
  }

  if (data.model == TokenizerModel::ByteLevelBpe) {
    tok->decoded.reserve(n);
    for (const std::string &text : data.tokens)
      tok->decoded.push_back(byteLevelDecode(text));
  }
  tok->tokens = std::move(data.tokens);
  tok->pre = data.preTokenizer;
  tok->ignoreMerges = data.ignoreMerges;
  tok->prefixIds = std::move(data.prefixIds);
  tok->suffixIds = std::move(data.suffixIds);
  tok->bos = data.bosId;
  tok->eos = data.eosId;
  return tok;
}

std::unique_ptr<Tokenizer>
Tokenizer::fromVocab(std::vector<std::string> tokens,
                     const std::vector<int32_t> &tokenTypes,
                     const std::vector<std::string> &merges,
                     std::string_view preName, int32_t bosId, int32_t eosId,
                     bool addBos, bool addEos, std::string &error) {
  TokenizerData data;
  if (!parsePreTokenizerKind(preName, data.preTokenizer)) {
    error = "unsupported pre-tokenizer '" + std::string(preName) + "'";
    return nullptr;
  }
  if (!tokenTypes.empty() && tokenTypes.size() != tokens.size()) {
    error = "there are " + std::to_string(tokenTypes.size()) +
            " token types for " + std::to_string(tokens.size()) + " tokens";
    return nullptr;
  }
  for (size_t id = 0; id < tokenTypes.size(); ++id) {
    // llama.cpp token types: 3 control, 4 user-defined.
    if (tokenTypes[id] == 3 || tokenTypes[id] == 4)
      data.addedTokens.push_back(
          {tokens[id], static_cast<int32_t>(id), tokenTypes[id] == 3});
  }
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string &merge = merges[rank];
    size_t space = merge.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == merge.size() ||
        merge.find(' ', space + 1) != std::string::npos) {
      error = "merge " + std::to_string(rank) + " ('" + merge +
              "') is not two tokens separated by a space";
      return nullptr;
    }
    data.merges.emplace_back(merge.substr(0, space), merge.substr(space + 1));
  }
  data.tokens = std::move(tokens);
  size_t n = data.tokens.size();
  auto checkId = [&](int32_t id, const char *what) {
    if (id == -1 || (id >= 0 && static_cast<size_t>(id) < n))
      return true;
    error = std::string("the ") + what + " id " + std::to_string(id) +
            " is out of range";
    return false;
  };
  if (!checkId(bosId, "BOS") || !checkId(eosId, "EOS"))
    return nullptr;
  if ((addBos && bosId == -1) || (addEos && eosId == -1)) {
    error = "BOS/EOS tokens are to be added but have no id";
    return nullptr;
  }
  data.bosId = bosId;
  data.eosId = eosId;
  if (addBos)
    data.prefixIds.push_back(bosId);
  if (addEos)
    data.suffixIds.push_back(eosId);
  return create(std::move(data), error);
}

int32_t Tokenizer::tokenId(std::string_view text) const {
  auto it = vocab.find(std::string(text));
  return it == vocab.end() ? -1 : it->second;
}

void Tokenizer::splitAddedTokens(
    std::string_view text, bool special,
    std::vector<std::pair<std::string_view, int32_t>> &pieces) const {
  const std::vector<AddedToken> &list =
      special ? specialTokens : plainAddedTokens;
  // Leftmost match, longest at that position (aho-corasick LeftmostLongest
  // in HF); the list is sorted longest first.
  size_t start = 0, i = 0;
  while (i < text.size()) {
    const AddedToken *match = nullptr;
    for (const AddedToken &added : list)
      if (text.compare(i, added.content.size(), added.content) == 0) {
        match = &added;
        break;
      }
    if (!match) {
      ++i;
      continue;
    }
    if (i > start)
      pieces.emplace_back(text.substr(start, i - start), -1);
    pieces.emplace_back(text.substr(i, match->content.size()), match->id);
    i += match->content.size();
    start = i;
  }
  if (start < text.size())
    pieces.emplace_back(text.substr(start), -1);
}

void Tokenizer::encodeWord(std::string_view bytes,
                           std::vector<int32_t> &out) const {
  if (ignoreMerges) {
    std::string mapped;
    for (char b : bytes)
      unicode::appendUtf8(mapped,
                          byteAlphabet().byteToChar[static_cast<uint8_t>(b)]);
    auto it = vocab.find(mapped);
    if (it != vocab.end()) {
      out.push_back(it->second);
      return;
    }
  }

  struct Symbol {
    int32_t id;
    int32_t prev;
    int32_t next;
    bool alive;
  };
  std::vector<Symbol> symbols;
  symbols.reserve(bytes.size());
  for (char b : bytes) {
    int32_t id = byteIds[static_cast<uint8_t>(b)];
    if (id < 0)
      continue;
    int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({id, index - 1, index + 1, true});
  }
  if (symbols.empty())
    return;
  symbols.back().next = -1;

  // Candidate merges: lowest rank first, then leftmost.
  struct Candidate {
    int32_t rank;
    int32_t pos;
    int32_t newId;
    bool operator<(const Candidate &other) const {
      return rank != other.rank ? rank > other.rank : pos > other.pos;
    }
  };
  std::priority_queue<Candidate> queue;
  auto consider = [&](int32_t pos) {
    int32_t next = symbols[pos].next;
    if (next < 0)
      return;
    auto it = mergeRanks.find(pairKey(symbols[pos].id, symbols[next].id));
    if (it != mergeRanks.end())
      queue.push({it->second.first, pos, it->second.second});
  };
  for (int32_t pos = 0; pos + 1 < static_cast<int32_t>(symbols.size()); ++pos)
    consider(pos);

  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    Symbol &left = symbols[top.pos];
    if (!left.alive || left.next < 0)
      continue;
    // Skip stale candidates: the pair at `pos` changed since it was queued.
    auto it = mergeRanks.find(pairKey(left.id, symbols[left.next].id));
    if (it == mergeRanks.end() || it->second.second != top.newId)
      continue;
    Symbol &right = symbols[left.next];
    left.id = top.newId;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0)
      symbols[right.next].prev = top.pos;
    if (left.prev >= 0)
      consider(left.prev);
    consider(top.pos);
  }
  for (const Symbol &symbol : symbols)
    if (symbol.alive)
      out.push_back(symbol.id);
}

void Tokenizer::encodeText(std::string_view text,
                           const std::vector<char32_t> &cps,
                           const std::vector<uint32_t> &offsets,
                           std::vector<int32_t> &out) const {
  std::vector<uint32_t> ends;
  splitWords(pre, cps.data(), cps.size(), ends);
  uint32_t begin = 0;
  for (uint32_t end : ends) {
    encodeWord(text.substr(offsets[begin], offsets[end] - offsets[begin]), out);
    begin = end;
  }
}

bool Tokenizer::encode(std::string_view text, bool addSpecial,
                       std::vector<int32_t> &out, std::string &error) const {
  if (text.size() >= std::numeric_limits<uint32_t>::max()) {
    error = "the text is too long to encode (4 GiB or more)";
    return false;
  }
  std::vector<char32_t> cps;
  std::vector<uint32_t> offsets;
  size_t bad;
  if (!unicode::decodeUtf8(text, cps, offsets, bad)) {
    error = "the text is not valid UTF-8 (byte " +
            hexByte(static_cast<uint8_t>(text[bad])) + " at offset " +
            std::to_string(bad) + ")";
    return false;
  }

  if (model == TokenizerModel::SentencePieceBpe) {
    if (addSpecial)
      out.insert(out.end(), prefixIds.begin(), prefixIds.end());
    encodeSentencePiece(text, out);
    if (addSpecial)
      out.insert(out.end(), suffixIds.begin(), suffixIds.end());
    return true;
  }
  if (addSpecial)
    out.insert(out.end(), prefixIds.begin(), prefixIds.end());
  std::vector<std::pair<std::string_view, int32_t>> specialPieces, pieces;
  splitAddedTokens(text, /*special=*/true, specialPieces);
  for (const auto &[piece, id] : specialPieces) {
    if (id >= 0)
      pieces.emplace_back(piece, id);
    else
      splitAddedTokens(piece, /*special=*/false, pieces);
  }
  for (const auto &[piece, id] : pieces) {
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    // Pieces start and end on code point boundaries (added tokens are valid
    // UTF-8), so they decode again without error.
    unicode::decodeUtf8(piece, cps, offsets, bad);
    encodeText(piece, cps, offsets, out);
  }
  if (addSpecial)
    out.insert(out.end(), suffixIds.begin(), suffixIds.end());
  return true;
}

void Tokenizer::appendTokenBytes(int32_t id, std::string &bytes) const {
  bytes += decoded[id];
}

bool Tokenizer::decode(const int32_t *ids, size_t count, bool skipSpecial,
                       std::string &out, std::string &error) const {
  std::string bytes;
  for (size_t i = 0; i < count; ++i) {
    if (!isValidId(ids[i])) {
      error = "token id " + std::to_string(ids[i]) + " at position " +
              std::to_string(i) + " is out of range [0, " +
              std::to_string(tokens.size()) + ")";
      return false;
    }
    if (skipSpecial && specialFlags[ids[i]])
      continue;
    bytes += decoded[ids[i]];
  }
  if (stripsLeadingSpace() && !bytes.empty() && bytes[0] == ' ')
    bytes.erase(0, 1);
  unicode::appendUtf8Lossy(out, bytes);
  return true;
}

bool Detokenizer::push(int32_t id, std::string &out, std::string &error) {
  if (!tokenizer.isValidId(id)) {
    error = "token id " + std::to_string(id) + " is out of range [0, " +
            std::to_string(tokenizer.vocabSize()) + ")";
    return false;
  }
  if (skipSpecial && tokenizer.isSpecial(id))
    return true;
  tokenizer.appendTokenBytes(id, pending);
  if (atStart && !pending.empty()) {
    atStart = false;
    if (tokenizer.stripsLeadingSpace() && pending[0] == ' ')
      pending.erase(0, 1);
  }
  // Emit everything up to a trailing proper prefix of a UTF-8 sequence;
  // ill-formed bytes before it are final and become U+FFFD now.
  size_t keep = pending.size();
  size_t lookback = std::min<size_t>(pending.size(), 3);
  for (size_t back = 1; back <= lookback; ++back) {
    size_t pos = pending.size() - back;
    auto b = static_cast<uint8_t>(pending[pos]);
    if ((b & 0xC0) == 0x80)
      continue; // a continuation byte: look further back for the lead
    if (unicode::sequenceLength(std::string_view(pending).substr(pos)) < 0)
      keep = pos;
    break;
  }
  unicode::appendUtf8Lossy(out, std::string_view(pending).substr(0, keep));
  pending.erase(0, keep);
  return true;
}

void Detokenizer::finish(std::string &out) {
  unicode::appendUtf8Lossy(out, pending);
  pending.clear();
  atStart = true;
}
