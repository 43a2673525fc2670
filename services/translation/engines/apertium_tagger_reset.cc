// Preloaded (LD_PRELOAD) into apertium-tagger by the translation service so that a
// null-flushed request is tagged as a fresh `apertium-tagger` process would tag it.
//
// apertium 3.8.3, tagger_utils.cc:
//
//   set<TTag> &ret = td.getOpenClass();
//   ...  ret = ambg_class;  ...  return ret;
//
// find_similar_ambiguity_class(), called for each word whose ambiguity class the .prob
// model lacks, assigns the class it settles on through a reference to the model's open
// class (the tags an unknown word may take). From then on, for the rest of the process,
// unknown words get that smaller class, so what a long-lived pipeline answers depends on
// what it tagged before. Within one request that is Apertium's own behaviour (`apertium -u`
// over a text does the same), across requests it is not.
//
// This library remembers the open class as the model file has it (on the first call,
// before anything has changed it) and puts it back whenever the tagger flushes at the end
// of a null-flushed request (u_fflush, ICU's versioned symbol; every version from 50 to 99
// is defined, only the one the process uses is ever called). Nothing else changes.
//
// With APERTIUM_TAGGER_RESET_REPORT set, it prints on load whether both symbols it wraps
// resolve, so that the service can refuse a build that would do nothing.

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <set>

class TaggerData {
 public:
  std::set<int>& getOpenClass();
};
struct UFILE;

namespace {

using FindSimilar = std::set<int>& (*)(TaggerData&, std::set<int>&);
using Flush = void (*)(UFILE*);

const char kFindSimilar[] =
    "_ZN12tagger_utils28find_similar_ambiguity_classER10TaggerDataRSt3setIiSt4lessIiESaIiEE";

TaggerData* tagger = nullptr;
std::set<int>* pristine = nullptr;  // the open class as read from the .prob file

void restore_open_class() {
  if (tagger != nullptr) {
    tagger->getOpenClass() = *pristine;
  }
}

Flush next_flush(const char* name) {
  return reinterpret_cast<Flush>(dlsym(RTLD_NEXT, name));
}

}  // namespace

namespace tagger_utils {

std::set<int>& find_similar_ambiguity_class(TaggerData& td, std::set<int>& c) {
  static FindSimilar original = reinterpret_cast<FindSimilar>(dlsym(RTLD_NEXT, kFindSimilar));
  if (original == nullptr) {
    std::fputs("apertium-tagger-reset: find_similar_ambiguity_class not found\n", stderr);
    std::abort();
  }
  if (tagger == nullptr) {
    tagger = &td;
    pristine = new std::set<int>(td.getOpenClass());
  }
  return original(td, c);
}

}  // namespace tagger_utils

#define RESET_ON_FLUSH(version)                                       \
  extern "C" void u_fflush_##version(UFILE* file) {                   \
    static Flush original = next_flush("u_fflush_" #version);         \
    restore_open_class();                                             \
    if (original != nullptr) {                                        \
      original(file);                                                 \
    }                                                                 \
  }

#define RESET_ON_FLUSH_DECADE(tens) \
  RESET_ON_FLUSH(tens##0)           \
  RESET_ON_FLUSH(tens##1)           \
  RESET_ON_FLUSH(tens##2)           \
  RESET_ON_FLUSH(tens##3)           \
  RESET_ON_FLUSH(tens##4)           \
  RESET_ON_FLUSH(tens##5)           \
  RESET_ON_FLUSH(tens##6)           \
  RESET_ON_FLUSH(tens##7)           \
  RESET_ON_FLUSH(tens##8)           \
  RESET_ON_FLUSH(tens##9)

RESET_ON_FLUSH_DECADE(5)
RESET_ON_FLUSH_DECADE(6)
RESET_ON_FLUSH_DECADE(7)
RESET_ON_FLUSH_DECADE(8)
RESET_ON_FLUSH_DECADE(9)

__attribute__((constructor)) static void report() {
  if (std::getenv("APERTIUM_TAGGER_RESET_REPORT") == nullptr) {
    return;
  }
  int icu = 0;
  char name[32];
  for (int version = 50; version <= 99 && icu == 0; ++version) {
    std::snprintf(name, sizeof name, "u_fflush_%d", version);
    if (next_flush(name) != nullptr) {
      icu = version;
    }
  }
  std::fprintf(stderr, "apertium-tagger-reset: find_similar=%d icu=%d\n",
               dlsym(RTLD_NEXT, kFindSimilar) != nullptr ? 1 : 0, icu);
}
