//===- JsonTest.cpp - Tests of the runtime's JSON reader ------------------===//
//
// Tests of runtime/lib/Json.h.
//
//===----------------------------------------------------------------------===//

#include "Json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace seqrt;
using ::testing::HasSubstr;

namespace {
JsonValue parse(std::string_view text) {
  JsonValue value;
  std::string error;
  EXPECT_TRUE(parseJson(text, value, error)) << error;
  return value;
}

std::string parseError(std::string_view text) {
  JsonValue value;
  std::string error;
  EXPECT_FALSE(parseJson(text, value, error)) << text;
  return error;
}

TEST(Json, Scalars) {
  EXPECT_TRUE(parse("null").isNull());
  EXPECT_TRUE(parse(" true ").getBool());
  EXPECT_FALSE(parse("false").getBool());
  EXPECT_EQ(parse("42").getInt(), 42);
  EXPECT_EQ(parse("-7").getInt(), -7);
  EXPECT_EQ(parse("9223372036854775807").getInt(), INT64_MAX);
  JsonValue big = parse("18446744073709551616");
  EXPECT_EQ(big.getKind(), JsonValue::Kind::Double);
  EXPECT_DOUBLE_EQ(big.getNumber(), 18446744073709551616.0);
  EXPECT_DOUBLE_EQ(parse("1.5").getNumber(), 1.5);
  EXPECT_DOUBLE_EQ(parse("-2.5e-3").getNumber(), -2.5e-3);
  EXPECT_DOUBLE_EQ(parse("1E2").getNumber(), 100.0);
  EXPECT_EQ(parse("1E2").getKind(), JsonValue::Kind::Double);
}

TEST(Json, StringsAndEscapes) {
  EXPECT_EQ(parse(R"("a\"b\\c\/d\n\t\r\b\f")").getString(),
            "a\"b\\c/d\n\t\r\b\f");
  EXPECT_EQ(parse(R"("\u0041\u00e9\u20ac")").getString(),
            "A\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(parse(R"("\ud83d\ude00")").getString(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(parse("\"caf\xc3\xa9\"").getString(), "caf\xc3\xa9");
}

TEST(Json, ArraysAndObjects) {
  JsonValue value = parse(R"({"a": [1, 2.5, "x", [], {}], "b": {"c": null},
                              "a": "second"})");
  ASSERT_TRUE(value.isObject());
  ASSERT_EQ(value.getObject().size(), 3u);
  const JsonValue *a = value.get("a"); // the first of duplicate keys
  ASSERT_TRUE(a && a->isArray());
  ASSERT_EQ(a->getArray().size(), 5u);
  EXPECT_EQ(a->getArray()[0].getInt(), 1);
  EXPECT_EQ(a->getArray()[2].getString(), "x");
  EXPECT_TRUE(a->getArray()[3].isArray());
  EXPECT_TRUE(a->getArray()[4].isObject());
  EXPECT_TRUE(value.get("b")->get("c")->isNull());
  EXPECT_EQ(value.get("missing"), nullptr);
  EXPECT_EQ(a->get("x"), nullptr); // not an object
}

TEST(Json, Errors) {
  EXPECT_THAT(parseError(""), HasSubstr("unexpected end"));
  EXPECT_THAT(parseError("[1, 2,]"), HasSubstr("unexpected character ']'"));
  EXPECT_THAT(parseError("{\"a\" 1}"), HasSubstr("expected ':'"));
  EXPECT_THAT(parseError("{\"a\": 1"), HasSubstr("expected ',' or '}'"));
  EXPECT_THAT(parseError("\"abc"), HasSubstr("unterminated string"));
  EXPECT_THAT(parseError("\"a\nb\""), HasSubstr("control character"));
  EXPECT_THAT(parseError(R"("\x")"), HasSubstr("bad escape"));
  EXPECT_THAT(parseError(R"("\ud800")"), HasSubstr("unpaired"));
  EXPECT_THAT(parseError("012"), HasSubstr("leading zero"));
  EXPECT_THAT(parseError("1."), HasSubstr("expected digits after '.'"));
  EXPECT_THAT(parseError("1e999"), HasSubstr("out of range"));
  EXPECT_THAT(parseError("tru"), HasSubstr("unexpected character"));
  EXPECT_THAT(parseError("1 2"), HasSubstr("unexpected text after"));
  EXPECT_THAT(parseError("{\n  \"a\": x}"), HasSubstr("line 2, column 8"));
  // Deep nesting is an error, not a stack overflow.
  EXPECT_THAT(parseError(std::string(100000, '[')),
              HasSubstr("nested too deeply"));
}
} // namespace
