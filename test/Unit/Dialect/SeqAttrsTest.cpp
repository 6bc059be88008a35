//===- SeqAttrsTest.cpp - tests of the seq attributes ---------------------===//

#include "seq/IR/SeqDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
class SeqAttrsTest : public ::testing::Test {
protected:
  SeqAttrsTest() { context.loadDialect<SeqDialect>(); }
  MLIRContext context;
};

TEST_F(SeqAttrsTest, EmptySamplingIsGreedyWithDefaults) {
  auto attr = dyn_cast_or_null<SamplingAttr>(
      parseAttribute("#seq.sampling<>", &context));
  ASSERT_TRUE(attr);
  EXPECT_TRUE(attr.isGreedy());
  EXPECT_EQ(attr.getTopK(), 0);
  EXPECT_EQ(attr.getTopP().convertToFloat(), 1.0f);
}

TEST_F(SeqAttrsTest, SamplingParametersRoundTrip) {
  auto attr = dyn_cast_or_null<SamplingAttr>(parseAttribute(
      "#seq.sampling<temperature = 0.5, top_k = 40, top_p = 0.9>", &context));
  ASSERT_TRUE(attr);
  EXPECT_FALSE(attr.isGreedy());
  EXPECT_EQ(attr.getTemperature().convertToFloat(), 0.5f);
  EXPECT_EQ(attr.getTopK(), 40);
  EXPECT_FLOAT_EQ(attr.getTopP().convertToFloat(), 0.9f);
}

TEST_F(SeqAttrsTest, InvalidSamplingIsRejected) {
  // Diagnostics go to the context's handler; silence them for the test.
  ScopedDiagnosticHandler silence(&context,
                                  [](Diagnostic &) { return success(); });
  EXPECT_FALSE(parseAttribute("#seq.sampling<top_p = 0.0>", &context));
  EXPECT_FALSE(parseAttribute("#seq.sampling<temperature = -1.0>", &context));
  EXPECT_FALSE(parseAttribute("#seq.sampling<top_k = -2>", &context));
}
} // namespace
