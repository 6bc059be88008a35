//===- SeqOpsBuilderTest.cpp - building and querying seq ops in C++ -------===//
//
// Builds seq ops programmatically (as importers and passes do) and checks
// the C++ helpers and verifiers seen from that side.
//
//===----------------------------------------------------------------------===//

#include "seq/IR/SeqOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
class SeqOpsBuilderTest : public ::testing::Test {
protected:
  SeqOpsBuilderTest() : builder(&context) {
    context.loadDialect<SeqDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A tensor<...xf32> produced by tensor.empty.
  Value empty(ArrayRef<int64_t> shape) {
    return tensor::EmptyOp::create(builder, builder.getUnknownLoc(), shape,
                                   builder.getF32Type());
  }

  /// Builds a plain attention op with the given key-head count.
  AttentionOp buildAttention(int64_t queryHeads, int64_t kvHeads) {
    Value q = empty({2, queryHeads, 16, 64});
    Value k = empty({2, kvHeads, 32, 64});
    Value v = empty({2, kvHeads, 32, 64});
    auto outType =
        RankedTensorType::get({2, queryHeads, 16, 64}, builder.getF32Type());
    return AttentionOp::create(builder, builder.getUnknownLoc(),
                               TypeRange{outType}, q, k, v,
                               /*kv_lengths=*/Value(), /*block_table=*/Value(),
                               /*scale=*/nullptr, /*causal=*/true,
                               /*window=*/nullptr, /*softcap=*/nullptr);
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(SeqOpsBuilderTest, GroupedQueryAttentionReportsGroupSize) {
  AttentionOp op = buildAttention(/*queryHeads=*/8, /*kvHeads=*/2);
  EXPECT_TRUE(succeeded(verify(op)));
  EXPECT_EQ(op.getGroupSize(), 4);
  EXPECT_FLOAT_EQ(op.getEffectiveScale(), 0.125f);
  EXPECT_FALSE(op.isPaged());
}

TEST_F(SeqOpsBuilderTest, IndivisibleHeadsFailVerification) {
  std::string message;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  AttentionOp op = buildAttention(/*queryHeads=*/12, /*kvHeads=*/8);
  EXPECT_TRUE(failed(verify(op)));
  EXPECT_NE(message.find("expects key heads (8) to divide query heads (12)"),
            std::string::npos)
      << message;
}
} // namespace
