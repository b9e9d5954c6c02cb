// engine/rdb/rdb_value.h — a value as a DUMP payload (Redis 7.0's
// createDumpPayload / verifyDumpPayload / rdbLoadObject), the format of DUMP
// and RESTORE. FORMAT.md in this folder describes the bytes.
//
// Contract:
//  * DumpPayload(v) = object type byte + the object as rdbSaveObject writes it
//    + RDB version 10 (2 bytes, little endian) + CRC64 of all that (8 bytes,
//    little endian). Where stockd's OBJECT ENCODING is Redis's for the same
//    data, the type byte and the encoding are Redis's: string, intset /
//    hashtable set, listpack / hashtable hash, listpack / skiplist zset,
//    quicklist 2 list, stream listpacks 2. The bytes then equal
//    redis-server's except where Redis's bytes depend on history stockd does
//    not keep (FORMAT.md lists them: hashtable iteration order, quicklist node
//    boundaries after pops or LPUSH, intset width after removals, stream
//    entries XDEL flagged but not yet reclaimed).
//  * VerifyPayload is verifyDumpPayload: at least 10 bytes, a version <= 10,
//    and a matching CRC64.
//  * LoadPayload accepts every object type Redis 7.0 loads (and so what Redis
//    2.6–7.0 wrote: zipmap, ziplist, intset, quicklist 1 and 2, listpacks,
//    streams 1 and 2) except modules, validating everything (Redis's deep
//    sanitization, always on): it returns false on any malformed input,
//    never reads out of bounds, never allocates more than the payload
//    justifies, and never yields an empty aggregate (Redis's "empty keys"
//    are errors too). The resulting encoding is the one Redis would pick.
#pragma once

#include <string>
#include <string_view>

#include "engine/value.h"

namespace stockd::engine {
class StreamObject;
}

namespace stockd::engine::rdb {

std::string DumpPayload(const Value& v);
bool VerifyPayload(std::string_view payload);
// Decodes a payload that passed VerifyPayload (footer included).
bool LoadPayload(std::string_view payload, Value* out);

// --- internals shared by the codec's files ---
class RdbWriter;
class RdbReader;
// The stream parts (rdb_stream.cc): the object body only, no type byte.
void SaveStream(RdbWriter& w, const StreamObject& s);
// type: kTypeStreamListpacks or kTypeStreamListpacks2.
bool LoadStream(RdbReader& r, int type, Value* out);

}  // namespace stockd::engine::rdb
