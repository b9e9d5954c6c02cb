// engine/types/hyperloglog.h — Redis 7.0's HyperLogLog representation
// (src/hyperloglog.c), byte for byte, on a std::string holding the whole
// string value.
//
// Contract:
//  * Layout: a 16-byte header — "HYLL", the encoding byte (0 dense, 1
//    sparse), 3 zero bytes, the cached cardinality as 8 little-endian bytes
//    whose top bit set means "stale" — then the registers: 16384 6-bit
//    registers packed LSB first (dense, always kDenseSize bytes in all), or
//    the sparse run-length opcodes ZERO 00xxxxxx, XZERO 01xxxxxx yyyyyyyy,
//    VAL 1vvvvvxx.
//  * Every mutation leaves exactly the bytes redis-server 7.0 leaves after the
//    same operation: the same opcode splits and VAL merges, promotion to dense
//    when a register exceeds 32 or the sparse string would grow past
//    `sparse_max_bytes` (hll-sparse-max-bytes, header included), the same
//    cache invalidation. Counts use Redis 7's estimator (Ertl's tau/sigma over
//    the register histogram), so they match to the unit.
//  * A value is an HLL when IsHll says so (Redis's isHLLObjectOrReply); a
//    sparse body may still be corrupt: the functions that walk it report that
//    (Redis's INVALIDOBJ) instead of trusting it, with 7.0.15's checks (a VAL
//    run past the last register is corrupt). One corrupt case cannot be
//    mirrored: a truncated last XZERO (second byte missing) reads the byte
//    after the string, which here is always 0; in Redis it is the sds's NUL,
//    or a stale byte when Redis itself split that truncated opcode.
//  * Pure functions: no engine state, no locking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace stockd::engine::hll {

inline constexpr int kP = 14;                         // register index bits
inline constexpr int kQ = 64 - kP;                    // bits left for the 0...1 run
inline constexpr int kRegisters = 1 << kP;            // 16384
inline constexpr int kBits = 6;                       // per dense register
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kBits + 7) / 8;  // 12304
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
inline constexpr int kSparseValMaxValue = 32;
inline constexpr size_t kDefaultSparseMaxBytes = 3000;

// Redis's MurmurHash64A (endian neutral), as PFADD hashes elements with seed 0xadc83b19.
uint64_t MurmurHash64A(const void* key, int len, uint32_t seed);

// The register an element lands in and the length of its 0...01 pattern (hllPatLen).
int PatternLength(std::string_view element, long* index);

// isHLLObject: at least a header, "HYLL", a known encoding, and a dense one exactly kDenseSize bytes.
bool IsHll(std::string_view s);
inline uint8_t EncodingOf(std::string_view hll) { return static_cast<uint8_t>(hll[4]); }

// createHLLObject: an empty sparse HLL (header + XZERO:16384), cache valid at 0.
std::string CreateEmpty();

// hllAdd: 1 when a register grew, 0 when not, -1 when the sparse body is corrupt.
// May promote to dense. Does not touch the cache (the caller invalidates it once).
int Add(std::string* hll, std::string_view element, size_t sparse_max_bytes);

// hllSparseSet / hllDenseSet by encoding: raises register `index` to `count`
// when it is lower; same results as Add.
int Set(std::string* hll, long index, uint8_t count, size_t sparse_max_bytes);

// hllSparseToDense: a no-op on a dense HLL; false when the sparse body is corrupt
// (the string is then unchanged). Keeps the header's cache bytes.
bool SparseToDense(std::string* hll);

// The cached cardinality (header bytes 8..15).
bool CacheValid(std::string_view hll);
uint64_t CachedCount(std::string_view hll);
void SetCachedCount(std::string* hll, uint64_t count);
void InvalidateCache(std::string* hll);

// hllCount over the HLL's registers. *invalid is set when a sparse body does
// not cover exactly 16384 registers (it is left alone otherwise).
uint64_t Count(std::string_view hll, bool* invalid);
// hllCount over raw one-byte registers (kRegisters of them): multi-key PFCOUNT.
uint64_t CountRaw(const uint8_t* registers);

// hllMerge: max[i] = MAX(max[i], register i). false when a sparse body is corrupt.
bool MergeInto(uint8_t* max, std::string_view hll);

// Dense register access (HLL_DENSE_GET/SET_REGISTER) on the register bytes.
uint8_t DenseGet(const uint8_t* registers, long index);
void DenseSet(uint8_t* registers, long index, uint8_t value);

// PFDEBUG DECODE's text of a sparse HLL: "Z:16384", "z:3 v:2,1 ...".
std::string DecodeSparse(std::string_view hll);

// PFSELFTEST: "" when the self-test passes, else the error text ("TESTFAILED ...").
std::string SelfTest(size_t sparse_max_bytes);

}  // namespace stockd::engine::hll
