//===- AbiRecord.h - The ABI recorded inside artifact code ------*- C++ -*-===//
//
// This file declares the encoding of the ABI record that seqc compiles into
// an artifact's code (the constant `__seq_abi`, seqrt/Abi.h) and the check
// that the metadata describes the same entry signatures and parameters, so
// that metadata edited after compilation cannot make the runtime pass
// buffers the code does not expect.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_ABIRECORD_H
#define SEQRT_LIB_ABIRECORD_H

#include "Metadata.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seqrt {

/// The record of `metadata`'s entries and parameters (the format in
/// seqrt/Abi.h). seqc writes the same text from the metadata it builds.
std::string encodeAbiRecord(const Metadata &metadata);

/// Checks `metadata` against the code's record: every entry's function has
/// a record with the same inputs, outputs (dtype, rank, static extents) and
/// in-place pairs, and the metadata's parameters are exactly the code's
/// parameter globals with the same dtype, shape and encoding; a record with
/// the GPU digest item (`g`, seqrt/Abi.h) must record `gpuDigest`, the
/// digest of the artifact's metadata text and GPU images. Returns false
/// with `error` naming the entry or parameter and the field.
bool checkAbiRecord(const Metadata &metadata, std::string_view record,
                    std::string &error,
                    std::optional<uint64_t> gpuDigest = std::nullopt);

} // namespace seqrt

#endif // SEQRT_LIB_ABIRECORD_H
