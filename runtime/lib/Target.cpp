//===- Target.cpp - Matching artifacts to the host ------------------------===//
//
// This file implements the target checks: metadata target kind and triple,
// x86-64 micro-architecture levels, and the ELF header of the code.
//
//===----------------------------------------------------------------------===//

#include "Target.h"

#include <cstring>
#include <elf.h>

using namespace seqrt;

const char *seqrt::hostArch() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "unsupported";
#endif
}

namespace {
/// Normalizes the architecture component of a triple.
std::string tripleArch(const std::string &triple) {
  std::string arch = triple.substr(0, triple.find('-'));
  if (arch == "amd64")
    return "x86_64";
  if (arch == "arm64")
    return "aarch64";
  return arch;
}

uint16_t elfMachine() {
#if defined(__x86_64__)
  return EM_X86_64;
#elif defined(__aarch64__)
  return EM_AARCH64;
#else
  return EM_NONE;
#endif
}

/// The first feature of an x86-64 micro-architecture level the host lacks,
/// or null if it has them all (or the level is not one we know).
const char *missingX86Feature(const std::string &cpu) {
#if defined(__x86_64__)
  int level = cpu == "x86-64-v2"   ? 2
              : cpu == "x86-64-v3" ? 3
              : cpu == "x86-64-v4" ? 4
                                   : 0;
  __builtin_cpu_init();
  if (level >= 2) {
    if (!__builtin_cpu_supports("ssse3"))
      return "ssse3";
    if (!__builtin_cpu_supports("sse4.1"))
      return "sse4.1";
    if (!__builtin_cpu_supports("sse4.2"))
      return "sse4.2";
    if (!__builtin_cpu_supports("popcnt"))
      return "popcnt";
  }
  if (level >= 3) {
    if (!__builtin_cpu_supports("avx"))
      return "avx";
    if (!__builtin_cpu_supports("avx2"))
      return "avx2";
    if (!__builtin_cpu_supports("bmi"))
      return "bmi";
    if (!__builtin_cpu_supports("bmi2"))
      return "bmi2";
    if (!__builtin_cpu_supports("fma"))
      return "fma";
  }
  if (level >= 4) {
    if (!__builtin_cpu_supports("avx512f"))
      return "avx512f";
    if (!__builtin_cpu_supports("avx512bw"))
      return "avx512bw";
    if (!__builtin_cpu_supports("avx512cd"))
      return "avx512cd";
    if (!__builtin_cpu_supports("avx512dq"))
      return "avx512dq";
    if (!__builtin_cpu_supports("avx512vl"))
      return "avx512vl";
  }
#else
  (void)cpu;
#endif
  return nullptr;
}
} // namespace

seqrt_status seqrt::checkHostTarget(const TargetInfo &target,
                                    std::string &error) {
  if (target.kind != "cpu") {
    error = "artifact targets '" + target.kind +
            "'; this runtime runs 'cpu' artifacts";
    return SEQRT_ERROR_TARGET;
  }
  std::string arch = tripleArch(target.triple);
  if (arch != hostArch()) {
    error = "artifact is built for '" + target.triple + "' (" + arch +
            "), but this host is " + hostArch();
    return SEQRT_ERROR_TARGET;
  }
  if (const char *feature = missingX86Feature(target.cpu)) {
    error = "artifact is built for cpu '" + target.cpu +
            "', but this host lacks " + feature;
    return SEQRT_ERROR_TARGET;
  }
  return SEQRT_OK;
}

seqrt_status seqrt::checkHostElf(std::string_view code, std::string &error) {
  if (code.size() < sizeof(Elf64_Ehdr) ||
      std::memcmp(code.data(), ELFMAG, SELFMAG) != 0) {
    error = "artifact code is not an ELF file";
    return SEQRT_ERROR_FORMAT;
  }
  Elf64_Ehdr header;
  std::memcpy(&header, code.data(), sizeof(header));
  if (header.e_ident[EI_CLASS] != ELFCLASS64 ||
      header.e_ident[EI_DATA] != ELFDATA2LSB) {
    error = "artifact code is not a 64-bit little-endian ELF file";
    return SEQRT_ERROR_TARGET;
  }
  if (header.e_type != ET_DYN) {
    error = "artifact code is not an ELF shared object (e_type " +
            std::to_string(header.e_type) + ")";
    return SEQRT_ERROR_FORMAT;
  }
  if (header.e_machine != elfMachine()) {
    error = "artifact code is for ELF machine " +
            std::to_string(header.e_machine) + ", but this host is " +
            hostArch() + " (machine " + std::to_string(elfMachine()) + ")";
    return SEQRT_ERROR_TARGET;
  }
  return SEQRT_OK;
}
