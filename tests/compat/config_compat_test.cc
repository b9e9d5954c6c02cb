// tests/compat/config_compat_test.cc — CONFIG SET's bounds and errors, and
// what CONFIG GET then reports, against a real redis-server, for the runtime
// directives both have: integers at and past Redis's INT_MAX / UINT_MAX
// bounds, negative values, memory units and words.
#include <string>
#include <vector>

#include "tests/compat/compat_util.h"

namespace stockd::testing {
namespace {

TEST_F(CompatTest, ConfigSetBoundsAndErrors) {
  const std::vector<std::string> numbers = {"-1", "abc", "99999999999", "2147483648", "2147483647", "1000", "1", "0"};
  for (const char* name : {"timeout", "tcp-keepalive", "hz", "slowlog-log-slower-than", "slowlog-max-len",
                           "busy-reply-threshold", "lua-time-limit"}) {
    for (const std::string& v : numbers) {
      Same({"CONFIG", "SET", name, v});
      Same({"CONFIG", "GET", name});
    }
  }
  // maxclients: past UINT_MAX, below 1, and a small number (Redis checks a large
  // one against the process's descriptor limit, stockd does not).
  for (const char* v : {"4294967296", "0", "-5", "x", "128"}) {
    Same({"CONFIG", "SET", "maxclients", v});
    Same({"CONFIG", "GET", "maxclients"});
  }
  for (const char* v : {"-1", "1kb", "1mb", "2gb", "1x", "512mb"}) {
    for (const char* name : {"proto-max-bulk-len", "client-query-buffer-limit", "maxmemory"}) {
      Same({"CONFIG", "SET", name, v});
      Same({"CONFIG", "GET", name});
    }
  }
  Same({"CONFIG", "SET", "maxmemory", "0"});
  for (const char* v : {"maybe", "YES", "no", "yes"}) {
    Same({"CONFIG", "SET", "protected-mode", v});
    Same({"CONFIG", "GET", "protected-mode"});
  }
  // Several at once: all or nothing.
  Same({"CONFIG", "SET", "timeout", "5", "hz", "-1"});
  Same({"CONFIG", "GET", "timeout"});
  Same({"CONFIG", "SET", "timeout", "0", "hz", "20"});
  Same({"CONFIG", "GET", "hz"});
  Same({"CONFIG", "SET", "timeout", "1", "timeout", "2"});
}

// The encoding knobs stockd accepts without using them report redis-server's
// built-in defaults.
TEST_F(CompatTest, EncodingKnobDefaults) {
  for (const char* name : {"list-max-ziplist-size", "list-max-listpack-size", "list-compress-depth",
                           "hash-max-ziplist-entries", "hash-max-ziplist-value", "hash-max-listpack-entries",
                           "hash-max-listpack-value", "zset-max-ziplist-entries", "zset-max-ziplist-value",
                           "zset-max-listpack-entries", "zset-max-listpack-value", "set-max-intset-entries",
                           "stream-node-max-bytes", "stream-node-max-entries", "activerehashing",
                           "lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del",
                           "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush", "maxmemory-samples",
                           "active-expire-effort"}) {
    Same({"CONFIG", "GET", name});
  }
}

// Both servers run without a config file here.
TEST_F(CompatTest, ConfigRewriteWithoutAFileAndHelp) {
  Same({"CONFIG", "REWRITE"});
  Same({"CONFIG", "REWRITE", "x"});
  Same({"CONFIG", "HELP"});
}

}  // namespace
}  // namespace stockd::testing
