// engine/lua/sha1.h — SHA-1 as lowercase hex, the name scripts are cached by
// (EVALSHA, SCRIPT LOAD, redis.sha1hex). Not for security: Redis uses SHA-1
// only as a content address, and so do we.
#pragma once

#include <string>
#include <string_view>

namespace stockd::engine::lua {

// 40 lowercase hex digits of SHA-1(data).
std::string Sha1Hex(std::string_view data);

}  // namespace stockd::engine::lua
