//===- VerifyUtilsTest.cpp - tests of the seq verifier helpers ------------===//

#include "VerifyUtils.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::seq;

namespace {
constexpr int64_t kDyn = ShapedType::kDynamic;

TEST(VerifyUtilsTest, DynamicExtentsAreCompatibleWithAnything) {
  EXPECT_TRUE(extentsCompatible(4, 4));
  EXPECT_TRUE(extentsCompatible(kDyn, 4));
  EXPECT_TRUE(extentsCompatible(4, kDyn));
  EXPECT_FALSE(extentsCompatible(4, 5));
}

TEST(VerifyUtilsTest, ShapesNeedEqualRank) {
  EXPECT_TRUE(shapesCompatible({2, kDyn, 8}, {2, 16, 8}));
  EXPECT_FALSE(shapesCompatible({2, 16}, {2, 16, 1}));
  EXPECT_FALSE(shapesCompatible({2, 16, 8}, {2, 16, 9}));
}

TEST(VerifyUtilsTest, FormatsShapesWithQuestionMarks) {
  EXPECT_EQ(formatShape({2, kDyn, 64}), "[2, ?, 64]");
  EXPECT_EQ(formatShape({}), "[]");
}
} // namespace
