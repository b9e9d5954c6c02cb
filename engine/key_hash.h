// engine/key_hash.h — the one hash of a key, and transparent hash/eq functors
// so that tables keyed by std::string are looked up with a std::string_view
// without building a string. (Debian's abseil has its own absl::string_view,
// distinct from std::string_view, so its StringHash is not transparent for
// std::string_view: these functors are.)
#pragma once

#include <cstdint>
#include <string_view>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace stockd::engine {

// Bits 48.. choose a key's shard, bits 40..46 its scan slot (shard.h).
inline uint64_t KeyHash(std::string_view key) {
  return absl::Hash<absl::string_view>{}(absl::string_view(key.data(), key.size()));
}

struct KeyHasher {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return static_cast<size_t>(KeyHash(s)); }
};

struct KeyEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

}  // namespace stockd::engine
