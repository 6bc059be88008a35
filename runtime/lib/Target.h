//===- Target.h - Matching artifacts to the host ----------------*- C++ -*-===//
//
// This file declares the checks that an artifact's target and code can run
// on this host, made before any of its code is loaded.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_TARGET_H
#define SEQRT_LIB_TARGET_H

#include "Metadata.h"

#include <string>
#include <string_view>

namespace seqrt {

/// The host architecture as a triple spells it ("x86_64", "aarch64").
const char *hostArch();

/// Checks the metadata target: kind "cpu", the triple's architecture equal
/// to the host's and, for the x86-64-v2/v3/v4 levels, the host's CPU
/// features. Returns SEQRT_OK or SEQRT_ERROR_TARGET with `error` set.
seqrt_status checkHostTarget(const TargetInfo &target, std::string &error);

/// Checks that `code` is a 64-bit little-endian ELF shared object for the
/// host machine: SEQRT_ERROR_FORMAT if it is no such object,
/// SEQRT_ERROR_TARGET if it is one for another machine.
seqrt_status checkHostElf(std::string_view code, std::string &error);

} // namespace seqrt

#endif // SEQRT_LIB_TARGET_H
