// engine/glob.h — Redis's glob-style pattern matching (util.c stringmatchlen),
// used by KEYS and SCAN ... MATCH: '*', '?', '[abc]', '[^a]', '[a-z]', and
// '\' escaping the next byte. Matching is byte-wise; nocase folds ASCII.
// Backtracking on '*' is cut short the way Redis does it (skipLongerMatches),
// so a hostile pattern cannot take exponential time.
#pragma once

#include <string_view>

namespace stockd::engine {

bool GlobMatch(std::string_view pattern, std::string_view subject, bool nocase = false);

}  // namespace stockd::engine
