//===- ElfImage.h - Validating artifact code before dlopen ------*- C++ -*-===//
//
// This file declares ElfImage, a bounds-checked view of the ELF shared
// object an artifact carries. Everything the dynamic loader reads from the
// file (program headers, load segments, the dynamic table and the tables it
// points to: symbols, strings, hashes, versions, relocations) is checked to
// lie within the code bytes and the loaded segments before dlopen sees the
// object, so a truncated or corrupted object is an error, not a SIGBUS or
// SIGSEGV inside the loader. The dynamic symbols are kept for the loader's
// checks of symbol kind, size and placement.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_ELFIMAGE_H
#define SEQRT_LIB_ELFIMAGE_H

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace seqrt {

/// A symbol the object defines.
struct ElfSymbol {
  unsigned type = 0;       ///< STT_*
  unsigned binding = 0;    ///< STB_*
  unsigned visibility = 0; ///< STV_*
  uint64_t value = 0;      ///< address relative to the load base
  uint64_t size = 0;
  /// The p_flags (PF_R | PF_W | PF_X) of the load segment holding
  /// [value, value + size).
  uint32_t segmentFlags = 0;
  /// The symbol's bytes in the file, if all of them are file-backed (not
  /// .bss), else empty.
  std::string_view bytes;
};

class ElfImage {
public:
  /// Validates `code` (a 64-bit little-endian ELF shared object; the caller
  /// has checked the identification and machine) and collects its defined
  /// dynamic symbols. Returns false with `error` set (a sentence without
  /// the artifact path) on the first problem. `code` must outlive the
  /// image.
  bool parse(std::string_view code, std::string &error);

  /// The defined dynamic symbol `name`, or null.
  const ElfSymbol *find(std::string_view name) const;

private:
  struct Segment {
    uint64_t vaddr, memsz, offset, filesz;
    uint32_t flags;
  };
  /// The load segment holding [addr, addr + size), or null. With
  /// `fileBacked`, the range must also lie in the segment's file bytes.
  const Segment *segmentFor(uint64_t addr, uint64_t size,
                            bool fileBacked) const;
  /// The file bytes of [addr, addr + size), or null.
  const char *fileBytes(uint64_t addr, uint64_t size) const;

  bool checkProgramHeaders(std::string &error);
  bool checkDynamic(std::string &error);
  bool checkRelocations(std::string &error);
  bool checkHashTables(std::string &error);
  bool checkVersions(std::string &error);
  bool collectSymbols(std::string &error);

  std::string_view code;
  std::vector<Segment> loads;
  uint64_t dynamicOffset = 0, dynamicCount = 0;
  /// The dynamic table's values by tag (each address tag at most once).
  std::unordered_map<int64_t, uint64_t> dyn;
  std::vector<uint64_t> neededStrings;
  uint64_t numSymbols = 0;
  const char *symtab = nullptr;
  const char *strtab = nullptr;
  uint64_t strsz = 0;
  std::unordered_map<std::string_view, ElfSymbol> symbols;
};

} // namespace seqrt

#endif // SEQRT_LIB_ELFIMAGE_H
