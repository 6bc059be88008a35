//===- CodeLibrary.h - Loading artifact code --------------------*- C++ -*-===//
//
// This file declares CodeLibrary, the artifact's ELF shared object loaded
// from memory with dlopen. Results of entry calls hold a reference to it so
// that __seq_free stays callable until the last result is freed.
//
//===----------------------------------------------------------------------===//

#ifndef SEQRT_LIB_CODELIBRARY_H
#define SEQRT_LIB_CODELIBRARY_H

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace seqrt {

class CodeLibrary {
public:
  /// Writes `code` to an anonymous memory file (memfd; a temporary file
  /// that is unlinked at once where memfd is unavailable) and dlopen()s it
  /// with RTLD_NOW | RTLD_LOCAL. Returns null and sets `error` on failure.
  static std::shared_ptr<CodeLibrary> load(std::string_view code,
                                           std::string &error);
  ~CodeLibrary();
  CodeLibrary(const CodeLibrary &) = delete;
  CodeLibrary &operator=(const CodeLibrary &) = delete;

  /// The address of `name` if this object itself defines it (not one of
  /// its dependencies), else null.
  void *lookup(const char *name) const;

  /// The address of `name` in a library this object depends on (libomp's
  /// API), else null; never a symbol of the object itself, whose code must
  /// not run until an entry is called.
  void *lookupInDependencies(const char *name) const;

  /// The load base: the address an ELF symbol value is relative to.
  uintptr_t base() const;

  /// The artifact's `void __seq_free(void *)`, set by the loader.
  void (*seqFree)(void *) = nullptr;

private:
  CodeLibrary() = default;
  /// `dlsym(name)` through this object's scope and whether this object
  /// itself defines it; null when the symbol or its owner is not found.
  void *resolve(const char *name, bool &definedHere) const;
  void *handle = nullptr;
  /// The memfd the object was loaded from, kept open so that no other live
  /// artifact is loaded through the same /proc/self/fd path (glibc would
  /// hand back the already loaded object for a name it has seen).
  int fd = -1;
};

} // namespace seqrt

#endif // SEQRT_LIB_CODELIBRARY_H
