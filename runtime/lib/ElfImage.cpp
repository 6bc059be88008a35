//===- ElfImage.cpp - Validating artifact code before dlopen --------------===//
//
// This file implements ElfImage::parse: the checks that make dlopen of the
// artifact's code safe from out-of-bounds reads and writes in the dynamic
// loader. Every offset, address and size read from the object is checked
// with overflow-safe arithmetic against the code bytes or the segments that
// will be mapped. It cannot tell correct machine code from corrupted code;
// the artifact checksum is what covers that.
//
//===----------------------------------------------------------------------===//

#include "ElfImage.h"

#include <cstring>
#include <elf.h>

using namespace seqrt;

#ifndef DT_RELRSZ
#define DT_RELRSZ 35
#define DT_RELR 36
#define DT_RELRENT 37
#endif

namespace {
/// The highest address a segment may reach: far above any real shared
/// object, far below where an address computation could wrap.
constexpr uint64_t kMaxAddress = uint64_t(1) << 40;

/// a + b without wrapping; false if it would wrap.
bool add(uint64_t a, uint64_t b, uint64_t &sum) {
  return !__builtin_add_overflow(a, b, &sum);
}

/// Whether [offset, offset + size) lies within `total` bytes.
bool within(uint64_t offset, uint64_t size, uint64_t total) {
  return offset <= total && size <= total - offset;
}

template <typename T> T load(const char *bytes) {
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

#if defined(__aarch64__)
constexpr uint64_t kRelativeRelocation = R_AARCH64_RELATIVE;
#else
constexpr uint64_t kRelativeRelocation = R_X86_64_RELATIVE;
#endif

std::string hex(uint64_t value) {
  char text[32];
  snprintf(text, sizeof(text), "0x%llx",
           static_cast<unsigned long long>(value));
  return text;
}

const char *segmentTypeName(uint32_t type) {
  switch (type) {
  case PT_LOAD:
    return "PT_LOAD";
  case PT_DYNAMIC:
    return "PT_DYNAMIC";
  case PT_NOTE:
    return "PT_NOTE";
  case PT_GNU_RELRO:
    return "PT_GNU_RELRO";
  case PT_GNU_EH_FRAME:
    return "PT_GNU_EH_FRAME";
  case PT_GNU_PROPERTY:
    return "PT_GNU_PROPERTY";
  default:
    return "segment";
  }
}

/// Dynamic tags whose value is an address in the object, and what they
/// name (for messages).
const char *addressTagName(int64_t tag) {
  switch (tag) {
  case DT_SYMTAB:
    return "DT_SYMTAB";
  case DT_STRTAB:
    return "DT_STRTAB";
  case DT_HASH:
    return "DT_HASH";
  case DT_GNU_HASH:
    return "DT_GNU_HASH";
  case DT_RELA:
    return "DT_RELA";
  case DT_JMPREL:
    return "DT_JMPREL";
  case DT_RELR:
    return "DT_RELR";
  case DT_VERSYM:
    return "DT_VERSYM";
  case DT_VERNEED:
    return "DT_VERNEED";
  case DT_VERDEF:
    return "DT_VERDEF";
  case DT_PLTGOT:
    return "DT_PLTGOT";
  default:
    return nullptr;
  }
}
} // namespace

const ElfImage::Segment *ElfImage::segmentFor(uint64_t addr, uint64_t size,
                                              bool fileBacked) const {
  for (const Segment &segment : loads) {
    if (addr < segment.vaddr)
      continue;
    uint64_t extent = fileBacked ? segment.filesz : segment.memsz;
    if (within(addr - segment.vaddr, size, extent))
      return &segment;
  }
  return nullptr;
}

const char *ElfImage::fileBytes(uint64_t addr, uint64_t size) const {
  const Segment *segment = segmentFor(addr, size, /*fileBacked=*/true);
  if (!segment)
    return nullptr;
  return code.data() + segment->offset + (addr - segment->vaddr);
}

bool ElfImage::checkProgramHeaders(std::string &error) {
  Elf64_Ehdr header = load<Elf64_Ehdr>(code.data());
  if (header.e_ident[EI_VERSION] != EV_CURRENT ||
      header.e_version != EV_CURRENT) {
    error = "unsupported ELF version " + std::to_string(header.e_version);
    return false;
  }
  if (header.e_ehsize != sizeof(Elf64_Ehdr) ||
      header.e_phentsize != sizeof(Elf64_Phdr)) {
    error = "bad ELF header: header size " + std::to_string(header.e_ehsize) +
            ", program header size " + std::to_string(header.e_phentsize) +
            " (expected " + std::to_string(sizeof(Elf64_Ehdr)) + " and " +
            std::to_string(sizeof(Elf64_Phdr)) + ")";
    return false;
  }
  if (header.e_phnum == 0 || header.e_phnum == PN_XNUM ||
      !within(header.e_phoff, uint64_t(header.e_phnum) * sizeof(Elf64_Phdr),
              code.size())) {
    error = "program headers (" + std::to_string(header.e_phnum) +
            " at offset " + std::to_string(header.e_phoff) +
            ") do not fit in the code (" + std::to_string(code.size()) +
            " bytes)";
    return false;
  }
  std::vector<Elf64_Phdr> phdrs;
  for (unsigned i = 0; i < header.e_phnum; ++i)
    phdrs.push_back(load<Elf64_Phdr>(code.data() + header.e_phoff +
                                     i * sizeof(Elf64_Phdr)));
  int dynamicIndex = -1;
  for (unsigned i = 0; i < phdrs.size(); ++i) {
    const Elf64_Phdr &ph = phdrs[i];
    std::string what = "program header " + std::to_string(i) + " (" +
                       segmentTypeName(ph.p_type) + ")";
    if (ph.p_type == PT_TLS) {
      error = what + ": thread-local storage is not supported in artifact "
                     "code";
      return false;
    }
    if (ph.p_type == PT_NULL || ph.p_type == PT_GNU_STACK)
      continue;
    uint64_t fileEnd, memEnd;
    if (!add(ph.p_offset, ph.p_filesz, fileEnd) || fileEnd > code.size()) {
      error =
          what + " covers file bytes " + std::to_string(ph.p_offset) + ".." +
          (add(ph.p_offset, ph.p_filesz, fileEnd) ? std::to_string(fileEnd)
                                                  : std::string("(overflow)")) +
          ", past the end of the code (" + std::to_string(code.size()) +
          " bytes)";
      return false;
    }
    if (!add(ph.p_vaddr, ph.p_memsz, memEnd) || memEnd > kMaxAddress ||
        ph.p_filesz > ph.p_memsz) {
      error = what + " has a bad address range (address " + hex(ph.p_vaddr) +
              ", memory size " + hex(ph.p_memsz) + ", file size " +
              hex(ph.p_filesz) + ")";
      return false;
    }
    if (ph.p_type == PT_LOAD) {
      if (ph.p_align > 1 && ((ph.p_align & (ph.p_align - 1)) != 0 ||
                             (ph.p_vaddr - ph.p_offset) % ph.p_align != 0)) {
        error = what + " is misaligned (alignment " + hex(ph.p_align) +
                ", address " + hex(ph.p_vaddr) + ", offset " +
                hex(ph.p_offset) + ")";
        return false;
      }
      if (!loads.empty() &&
          ph.p_vaddr < loads.back().vaddr + loads.back().memsz) {
        error = what + " overlaps or precedes the previous PT_LOAD (address " +
                hex(ph.p_vaddr) + ")";
        return false;
      }
      loads.push_back(
          {ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.p_flags});
    } else if (ph.p_type == PT_DYNAMIC) {
      if (dynamicIndex >= 0) {
        error = "more than one PT_DYNAMIC program header";
        return false;
      }
      dynamicIndex = static_cast<int>(i);
    }
  }
  if (loads.empty()) {
    error = "no PT_LOAD program header";
    return false;
  }
  if (dynamicIndex < 0) {
    error = "no PT_DYNAMIC program header (not a shared object)";
    return false;
  }
  // Segments the loader reads or changes once the object is mapped must
  // lie within what is mapped.
  for (unsigned i = 0; i < phdrs.size(); ++i) {
    const Elf64_Phdr &ph = phdrs[i];
    bool fileBacked = ph.p_type == PT_DYNAMIC || ph.p_type == PT_NOTE ||
                      ph.p_type == PT_GNU_PROPERTY;
    if (!fileBacked && ph.p_type != PT_GNU_RELRO &&
        ph.p_type != PT_GNU_EH_FRAME)
      continue;
    const Segment *segment = segmentFor(ph.p_vaddr, ph.p_memsz, fileBacked);
    if (!segment ||
        (fileBacked &&
         segment->offset + (ph.p_vaddr - segment->vaddr) != ph.p_offset)) {
      error = "program header " + std::to_string(i) + " (" +
              segmentTypeName(ph.p_type) + ") at " + hex(ph.p_vaddr) +
              " is not within one PT_LOAD segment";
      return false;
    }
  }
  const Elf64_Phdr &dynamic = phdrs[dynamicIndex];
  if (dynamic.p_filesz % sizeof(Elf64_Dyn) != 0 || dynamic.p_filesz == 0) {
    error = "PT_DYNAMIC size " + std::to_string(dynamic.p_filesz) +
            " is not a whole number of entries";
    return false;
  }
  dynamicOffset = dynamic.p_offset;
  dynamicCount = dynamic.p_filesz / sizeof(Elf64_Dyn);
  return true;
}

bool ElfImage::checkDynamic(std::string &error) {
  bool terminated = false;
  for (uint64_t i = 0; i < dynamicCount && !terminated; ++i) {
    Elf64_Dyn entry =
        load<Elf64_Dyn>(code.data() + dynamicOffset + i * sizeof(Elf64_Dyn));
    int64_t tag = entry.d_tag;
    uint64_t value = entry.d_un.d_val;
    switch (tag) {
    case DT_NULL:
      terminated = true;
      continue;
    case DT_NEEDED:
    case DT_SONAME:
    case DT_RPATH:
    case DT_RUNPATH:
      neededStrings.push_back(value);
      continue;
    case DT_TEXTREL:
      error = "the code has text relocations (DT_TEXTREL)";
      return false;
    case DT_FLAGS:
      if (value & DF_TEXTREL) {
        error = "the code has text relocations (DF_TEXTREL)";
        return false;
      }
      if (value & DF_STATIC_TLS) {
        error = "thread-local storage is not supported in artifact code";
        return false;
      }
      break;
    case DT_PLTRELSZ:
    case DT_PLTGOT:
    case DT_HASH:
    case DT_STRTAB:
    case DT_SYMTAB:
    case DT_RELA:
    case DT_RELASZ:
    case DT_RELAENT:
    case DT_STRSZ:
    case DT_SYMENT:
      break;
    case DT_INIT:
    case DT_FINI:
    case DT_INIT_ARRAY:
    case DT_FINI_ARRAY:
    case DT_INIT_ARRAYSZ:
    case DT_FINI_ARRAYSZ:
      // Nothing may run before the loader has checked the symbols, nor
      // from a corrupted pointer when the code is unloaded.
      error = "the code has constructors or destructors (dynamic tag " +
              std::to_string(tag) + "); artifact code must not";
      return false;
    case DT_DEBUG:
    case DT_BIND_NOW:
    case DT_JMPREL:
    case DT_PLTREL:
    case DT_GNU_HASH:
    case DT_VERSYM:
    case DT_RELACOUNT:
    case DT_FLAGS_1:
    case DT_VERDEF:
    case DT_VERDEFNUM:
    case DT_VERNEED:
    case DT_VERNEEDNUM:
    case DT_RELR:
    case DT_RELRSZ:
    case DT_RELRENT:
#if defined(__aarch64__)
    case DT_AARCH64_BTI_PLT:
    case DT_AARCH64_PAC_PLT:
    case DT_AARCH64_VARIANT_PCS:
#endif
      break;
    default:
      // The loader classifies tags by ranges and indexes its tables with
      // them: accept only the tags a linker writes for such code.
      error = "unsupported dynamic tag " + hex(static_cast<uint64_t>(tag));
      return false;
    }
    if (dyn.count(tag) && addressTagName(tag)) {
      error = std::string("dynamic table has two ") + addressTagName(tag);
      return false;
    }
    dyn[tag] = value;
  }
  if (!terminated) {
    error = "dynamic table has no DT_NULL terminator";
    return false;
  }
  // Every address must be in a mapped segment; the loader only adds the
  // load base to it.
  for (const auto &[tag, value] : dyn) {
    const char *name = addressTagName(tag);
    if (name && !segmentFor(value, 1, /*fileBacked=*/false)) {
      error = std::string(name) + " " + hex(value) +
              " is outside the loaded segments";
      return false;
    }
  }
  // Tables with a size: all of their bytes in the file.
  struct Table {
    int64_t address, size;
    const char *what;
  };
  for (Table table : {Table{DT_STRTAB, DT_STRSZ, "string table"},
                      Table{DT_RELA, DT_RELASZ, "DT_RELA relocations"},
                      Table{DT_JMPREL, DT_PLTRELSZ, "DT_JMPREL relocations"},
                      Table{DT_RELR, DT_RELRSZ, "DT_RELR relocations"}}) {
    bool hasAddress = dyn.count(table.address), hasSize = dyn.count(table.size);
    if (hasAddress != hasSize) {
      error = std::string(table.what) + ": address and size must come together";
      return false;
    }
    if (hasAddress && !fileBytes(dyn[table.address], dyn[table.size])) {
      error = std::string(table.what) + " (" + std::to_string(dyn[table.size]) +
              " bytes at " + hex(dyn[table.address]) +
              ") is not within the file bytes of one loaded segment";
      return false;
    }
  }
  if (!dyn.count(DT_STRTAB) || !dyn.count(DT_SYMTAB)) {
    error = "dynamic table has no DT_SYMTAB or DT_STRTAB";
    return false;
  }
  if ((dyn.count(DT_SYMENT) && dyn[DT_SYMENT] != sizeof(Elf64_Sym)) ||
      (dyn.count(DT_RELAENT) && dyn[DT_RELAENT] != sizeof(Elf64_Rela)) ||
      (dyn.count(DT_RELRENT) && dyn[DT_RELRENT] != sizeof(uint64_t)) ||
      (dyn.count(DT_PLTREL) && dyn[DT_PLTREL] != DT_RELA)) {
    error = "dynamic table has an unexpected entry size or DT_PLTREL";
    return false;
  }
  strsz = dyn[DT_STRSZ];
  strtab = fileBytes(dyn[DT_STRTAB], strsz);
  if (strsz == 0 || strtab[strsz - 1] != '\0') {
    error = "the dynamic string table does not end in a NUL";
    return false;
  }
  for (uint64_t offset : neededStrings)
    if (offset >= strsz) {
      error = "a dynamic-table string offset (" + std::to_string(offset) +
              ") is past the string table (" + std::to_string(strsz) +
              " bytes)";
      return false;
    }
  return true;
}

bool ElfImage::checkHashTables(std::string &error) {
  // The symbol count comes from the hash tables, as for the loader.
  bool haveCount = false;
  if (dyn.count(DT_HASH)) {
    const char *table = fileBytes(dyn[DT_HASH], 8);
    uint32_t nbucket = table ? load<uint32_t>(table) : 0;
    uint32_t nchain = table ? load<uint32_t>(table + 4) : 0;
    uint64_t words = uint64_t(nbucket) + nchain;
    if (!table || nbucket == 0 || !fileBytes(dyn[DT_HASH], 8 + 4 * words)) {
      error = "DT_HASH table is empty or does not fit in its segment";
      return false;
    }
    for (uint64_t i = 0; i < words; ++i)
      if (load<uint32_t>(table + 8 + 4 * i) >= nchain) {
        error = "DT_HASH table has a symbol index past its " +
                std::to_string(nchain) + " symbols";
        return false;
      }
    numSymbols = nchain;
    haveCount = true;
  }
  if (dyn.count(DT_GNU_HASH)) {
    uint64_t base = dyn[DT_GNU_HASH];
    const char *header = fileBytes(base, 16);
    uint32_t nbuckets = header ? load<uint32_t>(header) : 0;
    uint32_t symoffset = header ? load<uint32_t>(header + 4) : 0;
    uint32_t bloomSize = header ? load<uint32_t>(header + 8) : 0;
    uint32_t bloomShift = header ? load<uint32_t>(header + 12) : 0;
    uint64_t bucketsAt = base + 16 + uint64_t(bloomSize) * 8;
    const char *buckets =
        header ? fileBytes(bucketsAt, 4 * uint64_t(nbuckets)) : nullptr;
    if (!buckets || nbuckets == 0 || bloomSize == 0 ||
        (bloomSize & (bloomSize - 1)) != 0 || bloomShift >= 64) {
      error = "DT_GNU_HASH table is malformed or does not fit in its segment";
      return false;
    }
    uint64_t chainAt = bucketsAt + 4 * uint64_t(nbuckets);
    uint64_t count = symoffset;
    // Chains of a well-formed table are disjoint: bound the total walk.
    uint64_t steps = 0, maxSteps = code.size() / 4;
    for (uint32_t b = 0; b < nbuckets; ++b) {
      uint32_t index = load<uint32_t>(buckets + 4 * uint64_t(b));
      if (index == 0)
        continue;
      if (index < symoffset) {
        error = "DT_GNU_HASH bucket " + std::to_string(b) +
                " points below the hashed symbols";
        return false;
      }
      for (uint64_t i = index;; ++i) {
        const char *link = fileBytes(chainAt + 4 * (i - symoffset), 4);
        if (!link || (haveCount && i >= numSymbols) || ++steps > maxSteps) {
          error = "DT_GNU_HASH chain of bucket " + std::to_string(b) +
                  " runs past the symbol table";
          return false;
        }
        if (load<uint32_t>(link) & 1) {
          count = std::max(count, i + 1);
          break;
        }
      }
    }
    if (!haveCount)
      numSymbols = count;
    haveCount = true;
  }
  if (!haveCount) {
    error = "dynamic table has neither DT_HASH nor DT_GNU_HASH";
    return false;
  }
  if (numSymbols > code.size() / sizeof(Elf64_Sym) ||
      !(symtab = fileBytes(dyn[DT_SYMTAB], numSymbols * sizeof(Elf64_Sym)))) {
    error = "the dynamic symbol table (" + std::to_string(numSymbols) +
            " symbols) does not fit in its segment";
    return false;
  }
  return true;
}

bool ElfImage::checkVersions(std::string &error) {
  // The loader indexes its version array with DT_VERSYM entries; each must
  // name a version DT_VERNEED or DT_VERDEF defines.
  uint64_t highest = 1;
  // The loader follows the *_next links until one is 0 (not the counts):
  // the chains must end exactly where the counts say.
  auto walk = [&](int64_t tableTag, int64_t countTag, bool need) {
    if (!dyn.count(tableTag))
      return true;
    uint64_t count = dyn.count(countTag) ? dyn[countTag] : 0;
    uint64_t entrySize = need ? 16 : 20, auxSize = need ? 16 : 8;
    if (count == 0 || count > code.size() / entrySize)
      return false;
    uint64_t at = dyn[tableTag];
    for (uint64_t n = 0; n < count; ++n) {
      const char *entry = fileBytes(at, entrySize);
      if (!entry)
        return false;
      uint16_t auxCount = load<uint16_t>(entry + (need ? 2 : 6));
      uint32_t auxOffset = load<uint32_t>(entry + (need ? 8 : 12));
      uint32_t next = load<uint32_t>(entry + (need ? 12 : 16));
      if (need && load<uint32_t>(entry + 4) >= strsz)
        return false;
      if (!need)
        highest = std::max<uint64_t>(highest, load<uint16_t>(entry + 4));
      uint64_t aux = at + auxOffset;
      for (uint16_t a = 0; a < auxCount; ++a) {
        const char *auxEntry = fileBytes(aux, auxSize);
        if (!auxEntry || load<uint32_t>(auxEntry + (need ? 8 : 0)) >= strsz)
          return false;
        if (need)
          highest = std::max<uint64_t>(highest,
                                       load<uint16_t>(auxEntry + 6) & 0x7fff);
        uint32_t auxNext = load<uint32_t>(auxEntry + (need ? 12 : 4));
        if ((auxNext == 0) != (a + 1 == auxCount))
          return false;
        aux += auxNext;
      }
      if ((next == 0) != (n + 1 == count))
        return false;
      at += next;
    }
    return true;
  };
  if (!walk(DT_VERNEED, DT_VERNEEDNUM, true) ||
      !walk(DT_VERDEF, DT_VERDEFNUM, false)) {
    error = "the symbol version tables (DT_VERNEED/DT_VERDEF) are malformed";
    return false;
  }
  if (dyn.count(DT_VERSYM)) {
    const char *versym = fileBytes(dyn[DT_VERSYM], 2 * numSymbols);
    if (!versym) {
      error = "DT_VERSYM does not fit in its segment";
      return false;
    }
    for (uint64_t i = 0; i < numSymbols; ++i)
      if ((load<uint16_t>(versym + 2 * i) & 0x7fff) > highest) {
        error = "DT_VERSYM of symbol " + std::to_string(i) +
                " names an undefined version";
        return false;
      }
  }
  return true;
}

bool ElfImage::checkRelocations(std::string &error) {
  // The loader writes at base + r_offset: a writable segment, with room for
  // the 8 bytes of the widest relocation.
  auto target = [&](uint64_t offset) {
    const Segment *segment = segmentFor(offset, 8, /*fileBacked=*/false);
    return segment && (segment->flags & PF_W);
  };
  for (int64_t tag : {DT_RELA, DT_JMPREL}) {
    if (!dyn.count(tag))
      continue;
    uint64_t size = dyn[tag == DT_RELA ? DT_RELASZ : DT_PLTRELSZ];
    if (size % sizeof(Elf64_Rela) != 0) {
      error = std::string(addressTagName(tag)) +
              " size is not a whole number of relocations";
      return false;
    }
    const char *table = fileBytes(dyn[tag], size);
    for (uint64_t i = 0; i < size / sizeof(Elf64_Rela); ++i) {
      Elf64_Rela rela = load<Elf64_Rela>(table + i * sizeof(Elf64_Rela));
      if (!target(rela.r_offset) || ELF64_R_SYM(rela.r_info) >= numSymbols) {
        error = std::string(addressTagName(tag)) + " relocation " +
                std::to_string(i) + " (offset " + hex(rela.r_offset) +
                ", symbol " + std::to_string(ELF64_R_SYM(rela.r_info)) +
                ") is outside the writable segments or the symbol table";
        return false;
      }
    }
  }
  // The first DT_RELACOUNT relocations are handled as relative ones without
  // looking at their type (an assertion in the loader).
  if (dyn.count(DT_RELACOUNT)) {
    uint64_t count = dyn[DT_RELACOUNT];
    uint64_t size = dyn.count(DT_RELA) ? dyn[DT_RELASZ] : 0;
    if (count > size / sizeof(Elf64_Rela)) {
      error = "DT_RELACOUNT " + std::to_string(count) +
              " is more than the DT_RELA relocations";
      return false;
    }
    const char *table = count ? fileBytes(dyn[DT_RELA], size) : nullptr;
    for (uint64_t i = 0; i < count; ++i)
      if (ELF64_R_TYPE(
              load<Elf64_Rela>(table + i * sizeof(Elf64_Rela)).r_info) !=
          kRelativeRelocation) {
        error = "DT_RELA relocation " + std::to_string(i) +
                " is counted by DT_RELACOUNT but is not a relative one";
        return false;
      }
  }
  if (dyn.count(DT_RELR)) {
    uint64_t size = dyn[DT_RELRSZ];
    const char *table = fileBytes(dyn[DT_RELR], size);
    uint64_t where = 0;
    bool haveAddress = false;
    for (uint64_t i = 0; i < size / 8; ++i) {
      uint64_t entry = load<uint64_t>(table + 8 * i);
      bool ok = true;
      if ((entry & 1) == 0) {
        ok = target(entry);
        where = entry + 8;
        haveAddress = true;
      } else {
        ok = haveAddress;
        for (unsigned bit = 1; ok && bit < 64; ++bit)
          if (entry >> bit & 1)
            ok = target(where + 8 * (bit - 1));
        where += 63 * 8;
      }
      if (!ok) {
        error = "DT_RELR entry " + std::to_string(i) +
                " relocates outside the writable segments";
        return false;
      }
    }
  }
  return true;
}

bool ElfImage::collectSymbols(std::string &error) {
  for (uint64_t i = 1; i < numSymbols; ++i) {
    Elf64_Sym sym = load<Elf64_Sym>(symtab + i * sizeof(Elf64_Sym));
    if (sym.st_name >= strsz) {
      error = "dynamic symbol " + std::to_string(i) +
              " has a name offset past the string table";
      return false;
    }
    unsigned binding = ELF64_ST_BIND(sym.st_info);
    unsigned type = ELF64_ST_TYPE(sym.st_info);
    if (sym.st_shndx == SHN_UNDEF || sym.st_shndx == SHN_ABS ||
        type == STT_TLS || (binding != STB_GLOBAL && binding != STB_WEAK))
      continue;
    std::string_view name(strtab + sym.st_name);
    const Segment *segment =
        segmentFor(sym.st_value, sym.st_size, /*fileBacked=*/false);
    if (!segment) {
      error = "symbol '" + std::string(name) + "' (" + hex(sym.st_value) +
              ", " + std::to_string(sym.st_size) +
              " bytes) is outside the loaded segments";
      return false;
    }
    ElfSymbol symbol;
    symbol.type = type;
    symbol.binding = binding;
    symbol.visibility = ELF64_ST_VISIBILITY(sym.st_other);
    symbol.value = sym.st_value;
    symbol.size = sym.st_size;
    symbol.segmentFlags = segment->flags;
    if (const char *bytes = fileBytes(sym.st_value, sym.st_size))
      symbol.bytes = std::string_view(bytes, sym.st_size);
    if (!symbols.emplace(name, symbol).second) {
      error = "symbol '" + std::string(name) + "' is defined twice";
      return false;
    }
  }
  return true;
}

bool ElfImage::parse(std::string_view bytes, std::string &error) {
  code = bytes;
  if (code.size() < sizeof(Elf64_Ehdr)) {
    error = "artifact code is not an ELF file";
    return false;
  }
  std::string problem;
  if (!checkProgramHeaders(problem) || !checkDynamic(problem) ||
      !checkHashTables(problem) || !checkVersions(problem) ||
      !checkRelocations(problem) || !collectSymbols(problem)) {
    error = "artifact code is a malformed ELF shared object: " + problem;
    return false;
  }
  return true;
}

const ElfSymbol *ElfImage::find(std::string_view name) const {
  auto it = symbols.find(name);
  return it == symbols.end() ? nullptr : &it->second;
}
