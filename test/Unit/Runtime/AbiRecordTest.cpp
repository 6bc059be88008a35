//===- AbiRecordTest.cpp - Tests of the ABI record check ------------------===//
//
// The record text itself (seqrt/Abi.h): what the check accepts and the
// messages for records that are malformed or disagree with the metadata.
// Tampered artifacts end to end are in test/Tools/seqrun/tamper.test; seqc's
// encoder is checked against the Python one in seqpkg.py there and in
// test/Target/CPU/abi.mlir.
//
//===----------------------------------------------------------------------===//

#include "AbiRecord.h"
#include "Metadata.h"
#include "RuntimeTestUtils.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

using namespace seqrt;
using ::testing::HasSubstr;

namespace {
Metadata parse(const std::string &json) {
  Metadata metadata;
  std::string error;
  EXPECT_TRUE(parseMetadata(json, metadata, error)) << error;
  return metadata;
}

std::string checkError(const Metadata &metadata, const std::string &record) {
  std::string error;
  EXPECT_FALSE(checkAbiRecord(metadata, record, error)) << record;
  return error;
}

TEST(AbiRecord, EncodesTheMetadata) {
  Metadata metadata =
      parse(test::fakeModelMetadata(test::fakeModelParameters()));
  std::string record = encodeAbiRecord(metadata);
  EXPECT_THAT(record, HasSubstr("seqabi2;e:__seq_packed_add:f32[?],f32[?]:"
                                "f32[?]:;"));
  EXPECT_THAT(record, HasSubstr(";e:__seq_packed_iota:i64[]:i32[?]:;"));
  EXPECT_THAT(record,
              HasSubstr(";e:__seq_packed_transpose:f32[2x?]:f32[?x2]:;"));
  EXPECT_THAT(record,
              HasSubstr(";p:__seq_param_w:f32[4]:;p:__seq_param_b:f32[2]:"));
  std::string error;
  EXPECT_TRUE(checkAbiRecord(metadata, record, error)) << error;
}

TEST(AbiRecord, EscapesNames) {
  std::string json = test::fakeModelMetadata();
  json.replace(json.find("__seq_packed_add"), 16, "__seq_packed_a:d;d");
  Metadata metadata = parse(json);
  std::string record = encodeAbiRecord(metadata);
  EXPECT_THAT(record, HasSubstr("e:__seq_packed_a%3Ad%3Bd:"));
  std::string error;
  EXPECT_TRUE(checkAbiRecord(metadata, record, error)) << error;
}

// Code built with --bounds-checks or --check-numerics writes a message
// after its status; its record says how large a StatusRecord it expects.
TEST(AbiRecord, AcceptsTheStatusMessageItem) {
  Metadata metadata =
      parse(test::fakeModelMetadata(test::fakeModelParameters()));
  std::string record = encodeAbiRecord(metadata);
  std::string error;
  EXPECT_TRUE(checkAbiRecord(metadata, record + ";m:256", error)) << error;
  EXPECT_THAT(checkError(metadata, record + ";m:128"),
              HasSubstr("is malformed at item"));
  EXPECT_THAT(checkError(metadata, record + ";m:"),
              HasSubstr("is malformed at item"));
  EXPECT_THAT(checkError(metadata, record + ";m:256:1"),
              HasSubstr("is malformed at item"));
}

TEST(AbiRecord, RejectsMalformedRecords) {
  Metadata metadata = parse(test::fakeModelMetadata());
  EXPECT_THAT(checkError(metadata, ""), HasSubstr("is not seqabi2"));
  // A seqabi1 record: code with one status global per artifact.
  EXPECT_THAT(checkError(metadata, "seqabi1;p:x:f32[1]:"),
              HasSubstr("is not seqabi2"));
  for (const char *bad :
       {"seqabi2;x", "seqabi2;e:f:f32[1]", "seqabi2;e:f:f33[1]::",
        "seqabi2;e:f:f32[1x]::", "seqabi2;e:f:f32[-1]::", "seqabi2;p:g:f32:",
        "seqabi2;e:f:::0=1", "seqabi2;e:f:::x",
        "seqabi2;p:%4:f32[1]:", "seqabi2;p:g:f32[1]:;p:g:f32[1]:",
        "seqabi2;e:f:f32[1x1x1x1x1x1x1x1x1]::"})
    EXPECT_THAT(checkError(metadata, bad), HasSubstr("is malformed at item"))
        << bad;
}

TEST(AbiRecord, NamesTheEntryAndField) {
  Metadata metadata = parse(test::fakeModelMetadata());
  std::string record = encodeAbiRecord(metadata);
  std::string noIota = record;
  size_t at = noIota.find(";e:__seq_packed_iota:");
  noIota.erase(at, noIota.find(';', at + 1) - at);
  EXPECT_THAT(checkError(metadata, noIota),
              HasSubstr("entry 'iota': the code records no entry "
                        "'__seq_packed_iota'"));
  std::string extraParam = record + ";p:__seq_param_k:i8[2x20]:q4_1";
  EXPECT_THAT(checkError(metadata, extraParam),
              HasSubstr("the code's parameter '__seq_param_k' (i8[2, 20]) is "
                        "not in the metadata"));
  std::string inplace = record;
  inplace.replace(inplace.find("f32[3]:f32[3]:"), 14, "f32[3]:f32[3]:0=0");
  EXPECT_THAT(checkError(metadata, inplace),
              HasSubstr("entry 'echo': output 0 inplace: not in place in the "
                        "metadata, in place on input 0 in the code"));
}
} // namespace
