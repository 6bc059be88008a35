//===- TokenizerTest.cpp - Tests of the byte-level BPE tokenizer ----------===//
//
// Tests of runtime/lib/Tokenizer.h and the seqrt_tokenizer_* C API against
// golden ids and decodes from Hugging Face `tokenizers` for SmolLM2's
// tokenizer (Inputs/gen_tokenizer_golden.py), also with the GPT-2, Llama-3
// and Qwen2 pre-tokenizers over the same vocabulary, plus streaming
// decoding and hostile inputs.
//
//===----------------------------------------------------------------------===//

#include "Tokenizer.h"
#include "Json.h"
#include "PreTokenizer.h"
#include "RuntimeTestUtils.h"
#include "Unicode.h"

#include "seqrt/seqrt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

using namespace seqrt;
using ::testing::HasSubstr;

namespace {
const std::string kInputs = SEQRT_TEST_INPUTS_DIR;
const std::string kTokenizerJson =
    kInputs + "/smollm2_tokenizer/tokenizer.json";

const JsonValue &golden() {
  static const JsonValue value = [] {
    JsonValue v;
    std::string error;
    bool ok =
        parseJson(test::readFile(kInputs + "/tokenizer_golden.json"), v, error);
    EXPECT_TRUE(ok) << error;
    return v;
  }();
  return value;
}

std::vector<int32_t> idsOf(const JsonValue &array) {
  std::vector<int32_t> ids;
  for (const JsonValue &v : array.getArray())
    ids.push_back(static_cast<int32_t>(v.getInt()));
  return ids;
}

/// The SmolLM2 tokenizer through the C API, loaded once.
seqrt_tokenizer *smolTokenizer() {
  static seqrt_tokenizer *tok = [] {
    seqrt_tokenizer *t = nullptr;
    EXPECT_EQ(seqrt_tokenizer_load_json(kTokenizerJson.c_str(), &t), SEQRT_OK)
        << seqrt_last_error();
    return t;
  }();
  return tok;
}

std::vector<int32_t> encode(const seqrt_tokenizer *tok, const std::string &s,
                            bool addSpecial) {
  size_t count = 0;
  EXPECT_EQ(seqrt_tokenizer_encode(tok, s.data(), s.size(), addSpecial, nullptr,
                                   0, &count),
            SEQRT_OK)
      << seqrt_last_error();
  std::vector<int32_t> ids(count);
  size_t written = 0;
  EXPECT_EQ(seqrt_tokenizer_encode(tok, s.data(), s.size(), addSpecial,
                                   ids.data(), ids.size(), &written),
            SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(written, count);
  return ids;
}

std::string decode(const seqrt_tokenizer *tok, const std::vector<int32_t> &ids,
                   bool skipSpecial) {
  size_t len = 0;
  EXPECT_EQ(seqrt_tokenizer_decode(tok, ids.data(), ids.size(), skipSpecial,
                                   nullptr, 0, &len),
            SEQRT_OK)
      << seqrt_last_error();
  std::string text(len + 1, '\x7f');
  EXPECT_EQ(seqrt_tokenizer_decode(tok, ids.data(), ids.size(), skipSpecial,
                                   text.data(), text.size(), &len),
            SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(text[len], '\0');
  text.resize(len);
  return text;
}

bool isValidUtf8(const std::string &s) {
  std::vector<char32_t> cps;
  std::vector<uint32_t> offsets;
  size_t bad;
  return unicode::decodeUtf8(s, cps, offsets, bad);
}

/// GPT-2's bytes_to_unicode, written out again for the tests.
std::string byteChar(unsigned b) {
  unsigned next = 256;
  for (unsigned x = 0; x < 256; ++x) {
    bool printable = (x >= 33 && x <= 126) || (x >= 161 && x <= 172) ||
                     (x >= 174 && x <= 255);
    unsigned c = printable ? x : next++;
    if (x == b) {
      std::string s;
      unicode::appendUtf8(s, c);
      return s;
    }
  }
  return "";
}

TEST(TokenizerGolden, Properties) {
  seqrt_tokenizer *tok = smolTokenizer();
  ASSERT_NE(tok, nullptr);
  EXPECT_EQ(seqrt_tokenizer_vocab_size(tok),
            static_cast<size_t>(golden().get("vocab_size")->getInt()));
  EXPECT_EQ(seqrt_tokenizer_bos_id(tok), golden().get("bos_id")->getInt());
  EXPECT_EQ(seqrt_tokenizer_eos_id(tok), golden().get("eos_id")->getInt());
  EXPECT_STREQ(seqrt_tokenizer_token_text(tok, 1), "<|im_start|>");
  EXPECT_EQ(seqrt_tokenizer_token_id(tok, "<|im_end|>"), 2);
  EXPECT_EQ(seqrt_tokenizer_token_id(tok, "no such token"), -1);
  EXPECT_EQ(seqrt_tokenizer_token_text(tok, -1), nullptr);
  EXPECT_EQ(seqrt_tokenizer_token_text(tok, 49152), nullptr);
  EXPECT_EQ(seqrt_tokenizer_is_special(tok, 0), 1);
  EXPECT_EQ(seqrt_tokenizer_is_special(tok, 16), 1);
  EXPECT_EQ(seqrt_tokenizer_is_special(tok, 17), 0);
  EXPECT_EQ(seqrt_tokenizer_is_special(tok, 1 << 30), 0);
}

TEST(TokenizerGolden, EncodeDecodeSmolLM2) {
  seqrt_tokenizer *tok = smolTokenizer();
  ASSERT_NE(tok, nullptr);
  size_t cases = 0, curated = 0, roundTrips = 0;
  for (const JsonValue &c : golden().get("cases")->getArray()) {
    const std::string &text = c.get("text")->getString();
    std::vector<int32_t> want = idsOf(*c.get("ids")->get("smollm"));
    EXPECT_EQ(encode(tok, text, false), want) << "text: " << text;
    EXPECT_EQ(encode(tok, text, true),
              idsOf(*c.get("ids_with_special")->get("smollm")))
        << "text: " << text;
    EXPECT_EQ(decode(tok, want, false), c.get("decoded")->getString());
    EXPECT_EQ(decode(tok, want, true),
              c.get("decoded_skip_special")->getString());
    // Text round-trips unless it holds bytes without a token.
    if (c.get("decoded")->getString() == text)
      ++roundTrips;
    curated += !c.get("random")->getBool();
    ++cases;
  }
  EXPECT_GE(curated, 40u);
  EXPECT_GE(cases, 100u);
  EXPECT_EQ(roundTrips, cases - 2);
}

TEST(TokenizerGolden, IgnoreMerges) {
  std::string json = test::readFile(kTokenizerJson);
  const std::string flag = "\"ignore_merges\":false";
  size_t pos = json.find(flag);
  ASSERT_NE(pos, std::string::npos);
  json.replace(pos, flag.size(), "\"ignore_merges\":true");
  std::string error;
  std::unique_ptr<Tokenizer> tok = Tokenizer::fromJson(json, "", error);
  ASSERT_TRUE(tok) << error;
  for (const JsonValue &c : golden().get("cases")->getArray()) {
    const std::string &text = c.get("text")->getString();
    std::vector<int32_t> ids;
    ASSERT_TRUE(tok->encode(text, false, ids, error)) << error;
    EXPECT_EQ(ids, idsOf(*c.get("ids")->get("smollm_ignore_merges")))
        << "text: " << text;
  }
}

TEST(TokenizerGolden, StreamingDecode) {
  seqrt_tokenizer *tok = smolTokenizer();
  ASSERT_NE(tok, nullptr);
  for (bool skip : {false, true}) {
    seqrt_detokenizer *detok = nullptr;
    ASSERT_EQ(seqrt_detokenizer_create(tok, skip, &detok), SEQRT_OK);
    for (const JsonValue &c : golden().get("cases")->getArray()) {
      std::string all;
      size_t heldBack = 0;
      for (int32_t id : idsOf(*c.get("ids")->get("smollm"))) {
        const char *chunk;
        size_t len;
        ASSERT_EQ(seqrt_detokenizer_push(detok, id, &chunk, &len), SEQRT_OK);
        std::string piece(chunk, len);
        EXPECT_TRUE(isValidUtf8(piece)) << "id " << id;
        heldBack += piece.empty();
        all += piece;
      }
      const char *rest;
      size_t len;
      ASSERT_EQ(seqrt_detokenizer_flush(detok, &rest, &len), SEQRT_OK);
      // Golden ids decode to valid text: nothing is left at the end.
      EXPECT_EQ(len, 0u);
      EXPECT_EQ(all,
                c.get(skip ? "decoded_skip_special" : "decoded")->getString());
    }
    seqrt_detokenizer_free(detok);
  }
}

TEST(TokenizerGolden, StreamingHoldsPartialCharacters) {
  seqrt_tokenizer *tok = smolTokenizer();
  ASSERT_NE(tok, nullptr);
  // "€" is E2 82 AC: fed one byte token at a time.
  std::vector<int32_t> bytes;
  for (unsigned b : {0xE2u, 0x82u, 0xACu, 0x21u}) {
    int32_t id = seqrt_tokenizer_token_id(tok, byteChar(b).c_str());
    ASSERT_GE(id, 0) << b;
    bytes.push_back(id);
  }
  seqrt_detokenizer *detok = nullptr;
  ASSERT_EQ(seqrt_detokenizer_create(tok, 0, &detok), SEQRT_OK);
  const char *text;
  size_t len;
  std::vector<std::string> chunks;
  for (int32_t id : bytes) {
    ASSERT_EQ(seqrt_detokenizer_push(detok, id, &text, &len), SEQRT_OK);
    chunks.emplace_back(text, len);
  }
  EXPECT_THAT(chunks, ::testing::ElementsAre("", "", "\xE2\x82\xAC", "!"));

  // A stream ending inside a character: the flush gives one U+FFFD, as the
  // full decode does.
  ASSERT_EQ(seqrt_detokenizer_push(detok, bytes[0], &text, &len), SEQRT_OK);
  ASSERT_EQ(seqrt_detokenizer_push(detok, bytes[1], &text, &len), SEQRT_OK);
  EXPECT_EQ(len, 0u);
  ASSERT_EQ(seqrt_detokenizer_flush(detok, &text, &len), SEQRT_OK);
  EXPECT_EQ(std::string(text, len), "\xEF\xBF\xBD");
  EXPECT_EQ(decode(tok, {bytes[0], bytes[1]}, false), "\xEF\xBF\xBD");

  // An ill-formed sequence followed by more text: replaced as soon as it is
  // known to be ill-formed, matching the full decode.
  std::vector<int32_t> broken = {bytes[0], bytes[3], bytes[1], bytes[2]};
  std::string streamed;
  for (int32_t id : broken) {
    ASSERT_EQ(seqrt_detokenizer_push(detok, id, &text, &len), SEQRT_OK);
    EXPECT_TRUE(isValidUtf8(std::string(text, len)));
    streamed.append(text, len);
  }
  ASSERT_EQ(seqrt_detokenizer_flush(detok, &text, &len), SEQRT_OK);
  streamed.append(text, len);
  EXPECT_EQ(streamed, decode(tok, broken, false));
  EXPECT_EQ(streamed, "\xEF\xBF\xBD!\xEF\xBF\xBD\xEF\xBF\xBD");

  // A bad id is an error and loses nothing held back.
  ASSERT_EQ(seqrt_detokenizer_push(detok, bytes[0], &text, &len), SEQRT_OK);
  EXPECT_EQ(seqrt_detokenizer_push(detok, 49152, &text, &len),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("out of range"));
  ASSERT_EQ(seqrt_detokenizer_push(detok, bytes[1], &text, &len), SEQRT_OK);
  ASSERT_EQ(seqrt_detokenizer_push(detok, bytes[2], &text, &len), SEQRT_OK);
  EXPECT_EQ(std::string(text, len), "\xE2\x82\xAC");
  seqrt_detokenizer_free(detok);
}

/// Vocabulary, token types and merges of the committed tokenizer.json, as
/// a GGUF file holds them.
struct VocabData {
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::vector<std::string> merges;
};

const VocabData &vocabData() {
  static const VocabData data = [] {
    VocabData d;
    JsonValue root;
    std::string error;
    EXPECT_TRUE(parseJson(test::readFile(kTokenizerJson), root, error))
        << error;
    const JsonValue *model = root.get("model");
    d.tokens.resize(model->get("vocab")->getObject().size());
    d.types.assign(d.tokens.size(), 1);
    for (const auto &[text, id] : model->get("vocab")->getObject())
      d.tokens[id.getInt()] = text;
    for (const JsonValue &added : root.get("added_tokens")->getArray())
      d.types[added.get("id")->getInt()] = 3;
    for (const JsonValue &merge : model->get("merges")->getArray()) {
      if (merge.isString())
        d.merges.push_back(merge.getString());
      else
        d.merges.push_back(merge.getArray()[0].getString() + " " +
                           merge.getArray()[1].getString());
    }
    return d;
  }();
  return data;
}

class TokenizerPreTokenizers : public ::testing::TestWithParam<const char *> {};

TEST_P(TokenizerPreTokenizers, EncodeFromVocab) {
  // As the GGUF path will: the GGUF file's arrays equal tokenizer.json's
  // (checked by the generator), with its settings.
  const VocabData &vocab = vocabData();
  const JsonValue &gguf = *golden().get("gguf");
  ASSERT_EQ(gguf.get("model")->getString(), "gpt2");
  ASSERT_EQ(gguf.get("pre")->getString(), "smollm");
  std::string error;
  std::unique_ptr<Tokenizer> tok = Tokenizer::fromVocab(
      vocab.tokens, vocab.types, vocab.merges, GetParam(),
      static_cast<int32_t>(gguf.get("bos_token_id")->getInt()),
      static_cast<int32_t>(gguf.get("eos_token_id")->getInt()),
      gguf.get("add_bos_token")->getBool(), /*addEos=*/false, error);
  ASSERT_TRUE(tok) << error;
  for (const JsonValue &c : golden().get("cases")->getArray()) {
    const std::string &text = c.get("text")->getString();
    std::vector<int32_t> ids;
    ASSERT_TRUE(tok->encode(text, false, ids, error)) << error;
    EXPECT_EQ(ids, idsOf(*c.get("ids")->get(GetParam()))) << "text: " << text;
    ids.clear();
    ASSERT_TRUE(tok->encode(text, true, ids, error)) << error;
    EXPECT_EQ(ids, idsOf(*c.get("ids_with_special")->get(GetParam())))
        << "text: " << text;
    std::string decoded;
    ASSERT_TRUE(tok->decode(ids.data(), ids.size(), false, decoded, error));
    EXPECT_EQ(decoded, c.get("decoded")->getString());
  }
}

TEST_P(TokenizerPreTokenizers, Splits) {
  PreTokenizerKind kind;
  ASSERT_TRUE(parsePreTokenizerKind(GetParam(), kind));
  for (const JsonValue &c : golden().get("cases")->getArray()) {
    const std::string &text = c.get("text")->getString();
    std::vector<char32_t> cps;
    std::vector<uint32_t> offsets;
    size_t bad;
    ASSERT_TRUE(unicode::decodeUtf8(text, cps, offsets, bad));
    std::vector<uint32_t> ends;
    splitWords(kind, cps.data(), cps.size(), ends);
    std::vector<uint32_t> want;
    for (const JsonValue &end : c.get("splits")->get(GetParam())->getArray())
      want.push_back(static_cast<uint32_t>(end.getInt()));
    EXPECT_EQ(ends, want) << "text: " << text;
  }
}

/// tokenizer.json with the pre-tokenizer HF uses for `name`.
std::string jsonWithPreTokenizer(const std::string &name) {
  std::string json = test::readFile(kTokenizerJson);
  const std::string smollm =
      R"("pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Digits",)"
      R"("individual_digits":true},{"type":"ByteLevel","add_prefix_space":)"
      R"(false,"trim_offsets":true,"use_regex":true}]})";
  auto split = [](const std::string &digits) {
    return R"("pre_tokenizer":{"type":"Sequence","pretokenizers":[)"
           R"({"type":"Split","pattern":{"Regex":"(?i:'s|'t|'re|'ve|'m|'ll)"
           R"(|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N})" +
           digits +
           R"(| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+)"
           R"(|\\s+(?!\\S)|\\s+"},"behavior":"Isolated","invert":false},)"
           R"({"type":"ByteLevel","add_prefix_space":false,"trim_offsets":)"
           R"(true,"use_regex":false}]})";
  };
  std::string replacement =
      name == "gpt2"
          ? R"("pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,)"
            R"("trim_offsets":true,"use_regex":true})"
      : name == "llama3" ? split("{1,3}")
      : name == "qwen2"  ? split("")
                         : smollm;
  size_t pos = json.find(smollm);
  EXPECT_NE(pos, std::string::npos);
  return json.replace(pos, smollm.size(), replacement);
}

TEST_P(TokenizerPreTokenizers, EncodeFromJson) {
  std::string error;
  std::unique_ptr<Tokenizer> tok =
      Tokenizer::fromJson(jsonWithPreTokenizer(GetParam()), "", error);
  ASSERT_TRUE(tok) << error;
  EXPECT_STREQ(preTokenizerKindName(tok->preTokenizer()), GetParam());
  for (const JsonValue &c : golden().get("cases")->getArray()) {
    const std::string &text = c.get("text")->getString();
    std::vector<int32_t> ids;
    ASSERT_TRUE(tok->encode(text, false, ids, error)) << error;
    EXPECT_EQ(ids, idsOf(*c.get("ids")->get(GetParam()))) << "text: " << text;
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizer, TokenizerPreTokenizers,
                         ::testing::Values("smollm", "gpt2", "llama3",
                                           "qwen2"));

TEST(TokenizerFromVocab, AddsBosAndEos) {
  const VocabData &vocab = vocabData();
  std::string error;
  std::unique_ptr<Tokenizer> tok =
      Tokenizer::fromVocab(vocab.tokens, vocab.types, vocab.merges, "smollm", 1,
                           2, true, true, error);
  ASSERT_TRUE(tok) << error;
  std::vector<int32_t> plain, special;
  ASSERT_TRUE(tok->encode("Hi", false, plain, error));
  ASSERT_TRUE(tok->encode("Hi", true, special, error));
  ASSERT_EQ(special.size(), plain.size() + 2);
  EXPECT_EQ(special.front(), 1);
  EXPECT_EQ(special.back(), 2);

  // Errors of the GGUF-style data.
  EXPECT_FALSE(Tokenizer::fromVocab(vocab.tokens, vocab.types, vocab.merges,
                                    "nonesuch", -1, -1, false, false, error));
  EXPECT_THAT(error, HasSubstr("unsupported pre-tokenizer 'nonesuch'"));
  EXPECT_FALSE(Tokenizer::fromVocab(vocab.tokens, {1, 2}, vocab.merges, "gpt2",
                                    -1, -1, false, false, error));
  EXPECT_THAT(error, HasSubstr("token types"));
  EXPECT_FALSE(Tokenizer::fromVocab(vocab.tokens, vocab.types, {"Ġ t", "abc"},
                                    "gpt2", -1, -1, false, false, error));
  EXPECT_THAT(error, HasSubstr("merge 1 ('abc')"));
  EXPECT_FALSE(Tokenizer::fromVocab(vocab.tokens, vocab.types, vocab.merges,
                                    "gpt2", 49152, -1, false, false, error));
  EXPECT_THAT(error, HasSubstr("BOS id 49152 is out of range"));
  EXPECT_FALSE(Tokenizer::fromVocab(vocab.tokens, vocab.types, vocab.merges,
                                    "gpt2", -1, -1, true, false, error));
  EXPECT_THAT(error, HasSubstr("no id"));
}

/// The SentencePiece golden data and a tokenizer built from its pieces.
struct SentencePieceGolden {
  JsonValue root;
  std::unique_ptr<Tokenizer> tok;
};

const SentencePieceGolden &sentencePiece() {
  static const SentencePieceGolden golden = [] {
    SentencePieceGolden g;
    std::string error;
    EXPECT_TRUE(parseJson(
        test::readFile(kInputs + "/sentencepiece_golden.json"), g.root, error))
        << error;
    std::vector<std::string> pieces;
    std::vector<float> scores;
    std::vector<int32_t> types;
    for (const JsonValue &v : g.root.get("pieces")->getArray())
      pieces.push_back(v.getString());
    for (const JsonValue &v : g.root.get("scores")->getArray())
      scores.push_back(static_cast<float>(v.getNumber()));
    for (const JsonValue &v : g.root.get("types")->getArray())
      types.push_back(static_cast<int32_t>(v.getInt()));
    g.tok = Tokenizer::fromSentencePiece(
        pieces, scores, types, g.root.get("add_dummy_prefix")->getBool(),
        static_cast<int32_t>(g.root.get("bos_id")->getInt()),
        static_cast<int32_t>(g.root.get("eos_id")->getInt()),
        /*addBos=*/true, /*addEos=*/false, error);
    EXPECT_TRUE(g.tok) << error;
    return g;
  }();
  return golden;
}

TEST(TokenizerSentencePiece, EncodeDecode) {
  const SentencePieceGolden &g = sentencePiece();
  ASSERT_TRUE(g.tok);
  size_t cases = 0;
  std::string error;
  for (const JsonValue &c : g.root.get("cases")->getArray()) {
    const std::string &text = c.get("text")->getString();
    std::vector<int32_t> ids, withBos;
    ASSERT_TRUE(g.tok->encode(text, false, ids, error)) << error;
    EXPECT_EQ(ids, idsOf(*c.get("ids"))) << "text: " << text;
    ASSERT_TRUE(g.tok->encode(text, true, withBos, error)) << error;
    EXPECT_EQ(withBos, idsOf(*c.get("ids_with_bos"))) << "text: " << text;

    std::string decoded;
    ASSERT_TRUE(
        g.tok->decode(withBos.data(), withBos.size(), false, decoded, error));
    EXPECT_EQ(decoded, c.get("decoded")->getString()) << "text: " << text;

    // Streaming gives the same text in whole characters.
    Detokenizer detok(*g.tok, /*skipSpecial=*/true);
    std::string streamed, chunk;
    for (int32_t id : withBos) {
      chunk.clear();
      ASSERT_TRUE(detok.push(id, chunk, error));
      EXPECT_TRUE(isValidUtf8(chunk));
      streamed += chunk;
    }
    detok.finish(streamed);
    EXPECT_EQ(streamed, c.get("decoded")->getString());
    ++cases;
  }
  EXPECT_GE(cases, 100u);
}

TEST(TokenizerSentencePiece, BadData) {
  std::string error;
  EXPECT_FALSE(Tokenizer::fromSentencePiece({"a", "b"}, {0}, {1, 1}, true, -1,
                                            -1, false, false, error));
  EXPECT_THAT(error, HasSubstr("1 scores and 2 token types for 2 tokens"));
  EXPECT_FALSE(Tokenizer::fromSentencePiece({"a", "<0xZZ>"}, {0, 0}, {1, 6},
                                            true, -1, -1, false, false, error));
  EXPECT_THAT(error, HasSubstr("is not <0xXX>"));
  EXPECT_FALSE(Tokenizer::fromSentencePiece({"a"}, {0}, {9}, true, -1, -1,
                                            false, false, error));
  EXPECT_THAT(error, HasSubstr("invalid type 9"));
  EXPECT_FALSE(Tokenizer::fromSentencePiece({"a"}, {0}, {1}, true, 1, -1, false,
                                            false, error));
  EXPECT_THAT(error, HasSubstr("out of range"));
  // Without byte pieces, unknown characters become one <unk> per run.
  std::unique_ptr<Tokenizer> tok = Tokenizer::fromSentencePiece(
      {"<unk>", "\xE2\x96\x81", "a"}, {0, -1, -2}, {2, 1, 1}, true, -1, -1,
      false, false, error);
  ASSERT_TRUE(tok) << error;
  std::vector<int32_t> ids;
  ASSERT_TRUE(tok->encode("a xyz a", false, ids, error));
  EXPECT_EQ(ids, (std::vector<int32_t>{1, 2, 1, 0, 1, 2}));
  std::string text;
  ASSERT_TRUE(tok->decode(ids.data(), ids.size(), false, text, error));
  EXPECT_EQ(text, "a  \xE2\x81\x87  a");
}

TEST(TokenizerApi, BufferSizes) {
  seqrt_tokenizer *tok = smolTokenizer();
  ASSERT_NE(tok, nullptr);
  std::string text = "Hello world";
  size_t count = 0;
  int32_t small[1] = {-7};
  EXPECT_EQ(seqrt_tokenizer_encode(tok, text.data(), text.size(), 0, small, 1,
                                   &count),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(small[0], -7);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("2 ids do not fit"));
  // Empty text with no buffer.
  EXPECT_EQ(seqrt_tokenizer_encode(tok, nullptr, 0, 0, nullptr, 0, &count),
            SEQRT_OK);
  EXPECT_EQ(count, 0u);
  EXPECT_EQ(seqrt_tokenizer_encode(tok, nullptr, 3, 0, nullptr, 0, &count),
            SEQRT_ERROR_ARGUMENT);

  std::vector<int32_t> ids = encode(tok, text, false);
  char buf[11];
  size_t len = 0;
  // 11 bytes need a 12-byte buffer for the NUL.
  EXPECT_EQ(seqrt_tokenizer_decode(tok, ids.data(), ids.size(), 0, buf,
                                   sizeof(buf), &len),
            SEQRT_ERROR_ARGUMENT);
  EXPECT_EQ(len, 11u);
  // Embedded NUL bytes come back with the length.
  std::string nul("a\0b", 3);
  EXPECT_EQ(decode(tok, encode(tok, nul, false), false), nul);
}

TEST(TokenizerHostile, InvalidUtf8IsRejected) {
  seqrt_tokenizer *tok = smolTokenizer();
  ASSERT_NE(tok, nullptr);
  for (std::string bad :
       {std::string("abc\xff"), std::string("\xc3"), std::string("\xc0\xaf"),
        std::string("\xed\xa0\x80"), std::string("\xf4\x90\x80\x80"),
        std::string("ok \xe2\x82 no")}) {
    size_t count = 99;
    EXPECT_EQ(seqrt_tokenizer_encode(tok, bad.data(), bad.size(), 0, nullptr, 0,
                                     &count),
              SEQRT_ERROR_ARGUMENT);
    EXPECT_THAT(seqrt_last_error(), HasSubstr("not valid UTF-8"));
  }
  std::string bad = "ok \xe2\x82 no";
  size_t count;
  seqrt_tokenizer_encode(tok, bad.data(), bad.size(), 0, nullptr, 0, &count);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("byte 0xE2 at offset 3"));
}

TEST(TokenizerHostile, BadIdsInDecode) {
  seqrt_tokenizer *tok = smolTokenizer();
  ASSERT_NE(tok, nullptr);
  for (int32_t bad : {-1, 49152, INT32_MAX, INT32_MIN}) {
    int32_t ids[3] = {17, bad, 18};
    size_t len;
    EXPECT_EQ(seqrt_tokenizer_decode(tok, ids, 3, 0, nullptr, 0, &len),
              SEQRT_ERROR_ARGUMENT);
    EXPECT_THAT(seqrt_last_error(), HasSubstr("at position 1 is out of range"));
  }
}

/// A small valid tokenizer.json to break: tokens "a", "b", "c", "ab";
/// `addedTokens` replaces its empty added_tokens array.
std::string tinyJson(const std::string &model = "",
                     const std::string &addedTokens = "[]") {
  std::string m = model.empty()
                      ? R"({"type":"BPE","vocab":{"a":0,"b":1,"c":2,"ab":3},)"
                        R"("merges":["a b"]})"
                      : model;
  return R"({"added_tokens":)" + addedTokens +
         R"(,"normalizer":null,)"
         R"("pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,)"
         R"("use_regex":true},"post_processor":null,)"
         R"("decoder":{"type":"ByteLevel"},"model":)" +
         m + "}";
}

std::string loadError(const std::string &json) {
  std::string error;
  EXPECT_FALSE(Tokenizer::fromJson(json, "", error)) << json;
  return error;
}

TEST(TokenizerHostile, MalformedJson) {
  std::string error;
  std::unique_ptr<Tokenizer> tiny = Tokenizer::fromJson(tinyJson(), "", error);
  ASSERT_TRUE(tiny) << error;
  std::vector<int32_t> ids;
  ASSERT_TRUE(tiny->encode("abcab", false, ids, error));
  EXPECT_EQ(ids, (std::vector<int32_t>{3, 2, 3}));

  EXPECT_THAT(loadError("{"), HasSubstr("tokenizer.json:"));
  EXPECT_THAT(loadError("[]"), HasSubstr("not a JSON object"));
  EXPECT_THAT(loadError(R"({"decoder":{"type":"ByteLevel"}})"),
              HasSubstr("no \"model\" object"));
  EXPECT_THAT(loadError(tinyJson(R"({"type":"Unigram","vocab":[]})")),
              HasSubstr("unsupported model type 'Unigram'"));
  EXPECT_THAT(loadError(tinyJson(R"({"vocab":{"a":0},"merges":["a x"]})")),
              HasSubstr("names a token not in the vocabulary"));
  EXPECT_THAT(
      loadError(tinyJson(R"({"vocab":{"a":0,"b":1},"merges":["a b"]})")),
      HasSubstr("names a token not in the vocabulary"));
  EXPECT_THAT(loadError(tinyJson(R"({"vocab":{"a":0},"merges":["a"]})")),
              HasSubstr("not two tokens"));
  EXPECT_THAT(loadError(tinyJson(R"({"vocab":{"a":0},"merges":[[1,2]]})")),
              HasSubstr("neither"));
  EXPECT_THAT(loadError(tinyJson(R"({"vocab":{"a":0,"b":2},"merges":[]})")),
              HasSubstr("not dense"));
  EXPECT_THAT(
      loadError(tinyJson(R"({"vocab":{"a":0,"b":2000000000},"merges":[]})")),
      HasSubstr("not dense"));
  EXPECT_THAT(loadError(tinyJson(R"({"vocab":{"a":-1},"merges":[]})")),
              HasSubstr("invalid id"));
  EXPECT_THAT(loadError(tinyJson(R"({"vocab":{"a":"x"},"merges":[]})")),
              HasSubstr("invalid id"));
  EXPECT_THAT(loadError(tinyJson(R"({"vocab":[],"merges":[]})")),
              HasSubstr("model.vocab is not an object"));
  EXPECT_THAT(loadError(tinyJson(R"({"vocab":{"a":0}})")),
              HasSubstr("model.merges is not an array"));
  EXPECT_THAT(loadError(tinyJson(R"({"vocab":{},"merges":[]})")),
              HasSubstr("vocabulary is empty"));
  EXPECT_THAT(loadError(tinyJson(
                  R"({"vocab":{"a":0},"merges":[],"byte_fallback":true})")),
              HasSubstr("byte_fallback"));
  EXPECT_THAT(loadError(tinyJson("", R"([{"id":0}])")),
              HasSubstr("lacks a string \"content\""));
  EXPECT_THAT(
      loadError(tinyJson("", R"([{"id":1,"content":"a","special":true}])")),
      HasSubstr("token id 1 is both 'b' and 'a'"));
  EXPECT_THAT(
      loadError(tinyJson("", R"([{"id":4,"content":"<s>","lstrip":true}])")),
      HasSubstr("lstrip is not supported"));

  auto replace = [](std::string s, const std::string &from,
                    const std::string &to) {
    size_t pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return s.replace(pos, from.size(), to);
  };
  EXPECT_THAT(loadError(replace(tinyJson(), R"("normalizer":null)",
                                R"("normalizer":{"type":"NFC"})")),
              HasSubstr("unsupported normalizer 'NFC'"));
  EXPECT_THAT(loadError(replace(tinyJson(), R"("add_prefix_space":false)",
                                R"("add_prefix_space":true)")),
              HasSubstr("unsupported pre_tokenizer 'ByteLevel'"));
  EXPECT_THAT(loadError(replace(tinyJson(), R"("decoder":{"type":"ByteLevel"})",
                                R"("decoder":null)")),
              HasSubstr("unsupported decoder"));
  EXPECT_THAT(
      loadError(replace(tinyJson(), R"("post_processor":null)",
                        R"("post_processor":{"type":"TemplateProcessing",)"
                        R"("single":[{"SpecialToken":{"id":"<s>"}},)"
                        R"({"Sequence":{"id":"A"}}],"special_tokens":{}})")),
      HasSubstr("'<s>' has no ids"));
  EXPECT_THAT(
      loadError(replace(tinyJson(), R"("post_processor":null)",
                        R"("post_processor":{"type":"TemplateProcessing",)"
                        R"("single":[{"SpecialToken":{"id":"<s>"}},)"
                        R"({"Sequence":{"id":"A"}}],"special_tokens":)"
                        R"({"<s>":{"ids":[9]}}})")),
      HasSubstr("token id 9 is out of range"));

  // A template adding a prefix token works.
  std::unique_ptr<Tokenizer> withBos = Tokenizer::fromJson(
      replace(tinyJson(), R"("post_processor":null)",
              R"("post_processor":{"type":"TemplateProcessing",)"
              R"("single":[{"SpecialToken":{"id":"c"}},)"
              R"({"Sequence":{"id":"A"}}],"special_tokens":)"
              R"({"c":{"ids":[2]}}})"),
      R"({"bos_token":{"content":"c"},"eos_token":"b"})", error);
  ASSERT_TRUE(withBos) << error;
  ids.clear();
  ASSERT_TRUE(withBos->encode("ab", true, ids, error));
  EXPECT_EQ(ids, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(withBos->bosId(), 2);
  EXPECT_EQ(withBos->eosId(), 1);
  EXPECT_FALSE(Tokenizer::fromJson(tinyJson(), R"({"bos_token":"zz"})", error));
  EXPECT_THAT(error, HasSubstr("bos_token 'zz' is not a token"));

  // Added tokens, special or not, are matched verbatim (longest first);
  // only special ones are skipped when decoding.
  std::unique_ptr<Tokenizer> added = Tokenizer::fromJson(
      tinyJson(R"({"type":"BPE","vocab":{"a":0,"b":1,"c":2,"ab":3},)"
               R"("merges":["a b"]})",
               R"([{"id":5,"content":"<x>","special":false},)"
               R"({"id":6,"content":"<xx>","special":true},)"
               R"({"id":7,"content":"<xx>>","special":true}])"),
      "", error);
  ASSERT_FALSE(added) << "id 4 is missing";
  EXPECT_THAT(error, HasSubstr("not dense"));
  EXPECT_THAT(loadError(tinyJson(R"({"vocab":{"a":0,"b":2},"merges":[]})",
                                 R"([{"id":0,"content":"a"}])")),
              HasSubstr("no token has id 1"));
  added = Tokenizer::fromJson(
      tinyJson(R"({"type":"BPE","vocab":{"a":0,"b":1,"c":2,"ab":3,)"
               R"("<":4,">":5,"x":6},"merges":["a b"]})",
               R"([{"id":7,"content":"<x>","special":false},)"
               R"({"id":8,"content":"<xx>","special":true},)"
               R"({"id":9,"content":"<xx>>","special":true}])"),
      "", error);
  ASSERT_TRUE(added) << error;
  ids.clear();
  ASSERT_TRUE(added->encode("ab<x>c<xx>><xx><x", false, ids, error));
  EXPECT_EQ(ids, (std::vector<int32_t>{3, 7, 2, 9, 8, 4, 6}));
  std::string text;
  ASSERT_TRUE(added->decode(ids.data(), ids.size(), true, text, error));
  EXPECT_EQ(text, "ab<x>c<x");
  EXPECT_FALSE(added->isSpecial(7));
  EXPECT_TRUE(added->isSpecial(8));
}

TEST(TokenizerHostile, Files) {
  seqrt_tokenizer *tok = nullptr;
  EXPECT_EQ(seqrt_tokenizer_load_json("/nonexistent/tokenizer.json", &tok),
            SEQRT_ERROR_IO);
  EXPECT_EQ(tok, nullptr);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("/nonexistent/tokenizer.json"));

  test::ScratchDir dir;
  std::string path = dir.file("tokenizer.json");
  std::string full = test::readFile(kTokenizerJson);
  // Truncations of the real file at several points fail cleanly.
  for (size_t cut :
       {size_t(0), size_t(1), size_t(100), full.size() / 2, full.size() - 2}) {
    test::writeFile(path, full.substr(0, cut));
    EXPECT_EQ(seqrt_tokenizer_load_json(path.c_str(), &tok), SEQRT_ERROR_FORMAT)
        << cut;
    EXPECT_THAT(seqrt_last_error(), HasSubstr(path));
  }
  // A malformed tokenizer_config.json next to a good tokenizer.json.
  test::writeFile(path, tinyJson());
  test::writeFile(dir.file("tokenizer_config.json"), "{\"bos_token\": 3");
  EXPECT_EQ(seqrt_tokenizer_load_json(path.c_str(), &tok), SEQRT_ERROR_FORMAT);
  EXPECT_THAT(seqrt_last_error(), HasSubstr("tokenizer_config.json"));
  test::writeFile(dir.file("tokenizer_config.json"), "{\"eos_token\": \"c\"}");
  ASSERT_EQ(seqrt_tokenizer_load_json(path.c_str(), &tok), SEQRT_OK)
      << seqrt_last_error();
  EXPECT_EQ(seqrt_tokenizer_eos_id(tok), 2);
  EXPECT_EQ(seqrt_tokenizer_bos_id(tok), -1);
  seqrt_tokenizer_free(tok);
  seqrt_tokenizer_free(nullptr);
}

TEST(TokenizerHostile, RandomInputs) {
  seqrt_tokenizer *tok = smolTokenizer();
  ASSERT_NE(tok, nullptr);
  std::mt19937 rng(1234);
  // Random bytes: either rejected as ill-formed UTF-8 or encoded, and
  // then decoded back exactly.
  for (int iter = 0; iter < 2000; ++iter) {
    std::string text(rng() % 24, '\0');
    for (char &c : text)
      c = static_cast<char>(iter % 2 ? rng() % 256 : 0x20 + rng() % 0x60);
    size_t count;
    seqrt_status status = seqrt_tokenizer_encode(tok, text.data(), text.size(),
                                                 0, nullptr, 0, &count);
    if (status != SEQRT_OK) {
      EXPECT_FALSE(isValidUtf8(text));
      continue;
    }
    // Bytes without a byte-level token (SmolLM2 lacks 21, such as 0x13)
    // are dropped, as HF does.
    std::string kept;
    for (char c : text)
      if (seqrt_tokenizer_token_id(tok, byteChar(uint8_t(c)).c_str()) >= 0)
        kept += c;
    EXPECT_EQ(decode(tok, encode(tok, text, false), false), kept);
  }

  // Random id sequences, mostly single-byte tokens so that characters are
  // split and ill-formed: every streamed chunk is valid UTF-8 and the
  // chunks add up to the full decode.
  std::vector<int32_t> byteIds;
  for (unsigned b = 0; b < 256; ++b)
    if (int32_t id = seqrt_tokenizer_token_id(tok, byteChar(b).c_str());
        id >= 0)
      byteIds.push_back(id);
  seqrt_detokenizer *detok = nullptr;
  ASSERT_EQ(seqrt_detokenizer_create(tok, 1, &detok), SEQRT_OK);
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<int32_t> ids(rng() % 12);
    for (int32_t &id : ids)
      id = rng() % 4 ? byteIds[rng() % byteIds.size()]
                     : static_cast<int32_t>(rng() % 49152);
    std::string streamed;
    const char *text;
    size_t len;
    for (int32_t id : ids) {
      ASSERT_EQ(seqrt_detokenizer_push(detok, id, &text, &len), SEQRT_OK);
      EXPECT_TRUE(isValidUtf8(std::string(text, len)));
      streamed.append(text, len);
    }
    ASSERT_EQ(seqrt_detokenizer_flush(detok, &text, &len), SEQRT_OK);
    streamed.append(text, len);
    EXPECT_EQ(streamed, decode(tok, ids, true));
  }
  seqrt_detokenizer_free(detok);

  // Corrupted tokenizer.json text: errors, never crashes.
  std::string error;
  for (int iter = 0; iter < 2000; ++iter) {
    std::string json = tinyJson();
    for (int k = 0; k < 3; ++k)
      json[rng() % json.size()] = static_cast<char>(rng() % 128);
    std::unique_ptr<Tokenizer> t = Tokenizer::fromJson(json, "", error);
    if (t) {
      std::vector<int32_t> ids;
      t->encode("abc ab", true, ids, error);
    }
  }
}

TEST(TokenizerUnicode, Classes) {
  EXPECT_STREQ(unicode::version(), "16.0.0");
  EXPECT_TRUE(unicode::isLetter(U'a'));
  EXPECT_TRUE(unicode::isLetter(U'\u00DF'));
  EXPECT_TRUE(unicode::isLetter(U'\u4E2D'));
  EXPECT_TRUE(unicode::isLetter(U'\u1C89')); // new in Unicode 16.0
  EXPECT_FALSE(unicode::isLetter(U'1'));
  EXPECT_FALSE(unicode::isLetter(U'\u0301')); // a combining mark
  EXPECT_TRUE(unicode::isNumber(U'\u00BD'));
  EXPECT_TRUE(unicode::isNumber(U'\u3007'));
  EXPECT_FALSE(unicode::isNumber(U'\U00011DE0'));
  EXPECT_TRUE(unicode::isNumeric(U'\U00011DE0'));
  EXPECT_TRUE(unicode::isWhitespace(U'\u0085'));
  EXPECT_TRUE(unicode::isWhitespace(U'\u3000'));
  EXPECT_FALSE(unicode::isWhitespace(U'\u200B'));
  EXPECT_FALSE(unicode::isWhitespace(U'\u001C'));
  EXPECT_FALSE(unicode::isLetter(0x10FFFF));
}

TEST(TokenizerUnicode, LossyDecodeMatchesRust) {
  // Examples from String::from_utf8_lossy's maximal-subpart replacement.
  auto lossy = [](const std::string &s) {
    std::string out;
    unicode::appendUtf8Lossy(out, s);
    return out;
  };
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(lossy("Hello \xF0\x90\x80World"), "Hello " + r + "World");
  EXPECT_EQ(lossy("\xC0\xAF"), r + r);
  EXPECT_EQ(lossy("\xE0\x80\x80"), r + r + r);
  EXPECT_EQ(lossy("\xED\xA0\x80"), r + r + r);
  EXPECT_EQ(lossy("\xF4\x90\x80\x80"), r + r + r + r);
  EXPECT_EQ(lossy("\xE2\x82"), r);
  EXPECT_EQ(lossy("a\xE2\x82"
                  "b"),
            "a" + r + "b");
  EXPECT_EQ(lossy("\xE2\x82\xAC"), "\xE2\x82\xAC");
}

TEST(TokenizerSpeed, LongParagraph) {
  seqrt_tokenizer *tok = smolTokenizer();
  ASSERT_NE(tok, nullptr);
  // The longest hand-written case: the long paragraph.
  const JsonValue *longest = nullptr;
  for (const JsonValue &c : golden().get("cases")->getArray())
    if (!c.get("random")->getBool() &&
        (!longest || c.get("text")->getString().size() >
                         longest->get("text")->getString().size()))
      longest = &c;
  ASSERT_NE(longest, nullptr);
  const std::string &paragraph = longest->get("text")->getString();
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += paragraph;
  size_t count = 0;
  double best = 1e30;
  for (int run = 0; run < 3; ++run) {
    auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(seqrt_tokenizer_encode(tok, text.data(), text.size(), 0, nullptr,
                                     0, &count),
              SEQRT_OK);
    best = std::min(best, std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - start)
                              .count());
  }
  std::printf("encode: %zu bytes, %zu tokens in %.4f s (best of 3): %.0f "
              "tokens/s, %.1f MB/s\n",
              text.size(), count, best, count / best, text.size() / best / 1e6);
  EXPECT_EQ(count, 200 * longest->get("ids")->get("smollm")->getArray().size());
}
} // namespace
