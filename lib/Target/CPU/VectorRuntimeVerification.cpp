//===- VectorRuntimeVerification.cpp - bounds checks of vector accesses ---===//
//
// This file implements RuntimeVerifiableOpInterface for vector.load and
// vector.store on memrefs, which upstream MLIR 22 does not: the register
// kernels of the lowering read and write through them, so without these
// `generate-runtime-verification` (seqc --bounds-checks) would check only
// the scalar accesses.
//
//===----------------------------------------------------------------------===//

#include "seqc/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Interfaces/RuntimeVerifiableOpInterface.h"

using namespace mlir;

/// cf.assert that every index of an access of `vectorType` at `indices` of
/// `memref` stays inside it: 0 <= i for each index, i < extent for the
/// leading ones, i + lanes <= extent for those the vector spans.
static void verifyVectorAccess(
    Operation *op, Value memref, ValueRange indices, VectorType vectorType,
    OpBuilder &builder, Location loc,
    function_ref<std::string(Operation *, StringRef)> generateErrorMessage) {
  auto memrefType = cast<MemRefType>(memref.getType());
  int64_t rank = memrefType.getRank();
  int64_t vectorRank = vectorType.getRank();
  Value zero = arith::ConstantIndexOp::create(builder, loc, 0);
  Value ok;
  for (int64_t d = 0; d < rank; ++d) {
    Value index = indices[d];
    Value extent = memref::DimOp::create(builder, loc, memref, d);
    Value end = index;
    int64_t lanes = 1;
    if (d >= rank - vectorRank)
      lanes = vectorType.getDimSize(d - (rank - vectorRank));
    end = arith::AddIOp::create(
        builder, loc, index,
        arith::ConstantIndexOp::create(builder, loc, lanes));
    Value inside = arith::AndIOp::create(
        builder, loc,
        arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::sge, index,
                              zero),
        arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::sle, end,
                              extent));
    ok = ok ? arith::AndIOp::create(builder, loc, ok, inside).getResult()
            : inside;
  }
  if (!ok)
    return;
  cf::AssertOp::create(builder, loc, ok,
                       generateErrorMessage(op, "out-of-bounds access"));
}

namespace {
struct LoadOpModel
    : public RuntimeVerifiableOpInterface::ExternalModel<LoadOpModel,
                                                         vector::LoadOp> {
  void
  generateRuntimeVerification(Operation *op, OpBuilder &builder, Location loc,
                              function_ref<std::string(Operation *, StringRef)>
                                  generateErrorMessage) const {
    auto load = cast<vector::LoadOp>(op);
    verifyVectorAccess(op, load.getBase(), load.getIndices(),
                       load.getVectorType(), builder, loc,
                       generateErrorMessage);
  }
};

struct StoreOpModel
    : public RuntimeVerifiableOpInterface::ExternalModel<StoreOpModel,
                                                         vector::StoreOp> {
  void
  generateRuntimeVerification(Operation *op, OpBuilder &builder, Location loc,
                              function_ref<std::string(Operation *, StringRef)>
                                  generateErrorMessage) const {
    auto store = cast<vector::StoreOp>(op);
    verifyVectorAccess(op, store.getBase(), store.getIndices(),
                       store.getVectorType(), builder, loc,
                       generateErrorMessage);
  }
};
} // namespace

void seq::registerVectorRuntimeVerification(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, vector::VectorDialect *) {
    vector::LoadOp::attachInterface<LoadOpModel>(*context);
    vector::StoreOp::attachInterface<StoreOpModel>(*context);
    context->loadDialect<arith::ArithDialect, cf::ControlFlowDialect,
                         memref::MemRefDialect>();
  });
}
