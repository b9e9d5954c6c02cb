// engine/types/hyperloglog.cc — see hyperloglog.h. Each function follows its
// namesake in Redis 7.0's src/hyperloglog.c step by step (the names are given),
// because the stored bytes must be Redis's own: a different but equivalent
// opcode sequence would change GET's reply and every later split.
#include "engine/types/hyperloglog.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <random>  // std::random_device

namespace stockd::engine::hll {
namespace {

constexpr uint8_t kRegisterMax = (1 << kBits) - 1;
constexpr uint64_t kPMask = kRegisters - 1;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

// Sparse opcodes (HLL_SPARSE_* macros).
constexpr uint8_t kXZeroBit = 0x40;  // 01xxxxxx yyyyyyyy
constexpr uint8_t kValBit = 0x80;    // 1vvvvvxx
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr int kSparseXZeroMaxLen = 16384;

bool IsZero(const uint8_t* p) { return (*p & 0xc0) == 0; }
bool IsXZero(const uint8_t* p) { return (*p & 0xc0) == kXZeroBit; }
bool IsVal(const uint8_t* p) { return (*p & kValBit) != 0; }
int ZeroLen(const uint8_t* p) { return (*p & 0x3f) + 1; }
// A truncated last XZERO (its second byte missing) reads a zero there: Redis
// reads the sds's terminating NUL. (A view of a stored value has no NUL
// after it, hence `end`.)
int XZeroLen(const uint8_t* p, const uint8_t* end) { return (((*p & 0x3f) << 8) | (p + 1 < end ? p[1] : 0)) + 1; }
int ValValue(const uint8_t* p) { return ((*p >> 2) & 0x1f) + 1; }
int ValLen(const uint8_t* p) { return (*p & 0x3) + 1; }
uint8_t ValOp(int value, int len) { return static_cast<uint8_t>(((value - 1) << 2 | (len - 1)) | kValBit); }
void PutXZero(uint8_t* p, int len) {
  const int l = len - 1;
  p[0] = static_cast<uint8_t>((l >> 8) | kXZeroBit);
  p[1] = static_cast<uint8_t>(l & 0xff);
}

uint8_t* Bytes(std::string* s) { return reinterpret_cast<uint8_t*>(s->data()); }
const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// hllDenseSet: raises a dense register; 1 when it grew.
int DenseRaise(uint8_t* registers, long index, uint8_t count) {
  if (count > DenseGet(registers, index)) {
    DenseSet(registers, index, count);
    return 1;
  }
  return 0;
}

// hllSparseSet, on the whole string (header included). Offsets, not pointers:
// the string may be reallocated.
int SparseSet(std::string* hll, long index, uint8_t count, size_t sparse_max_bytes) {
  if (count > kSparseValMaxValue) return -2;  // promote

  // Step 1: the opcode covering register `index`.
  const uint8_t* d = Bytes(hll);
  size_t end = hll->size();
  size_t p = kHeaderSize;
  size_t prev = 0;  // 0: none (opcodes start at kHeaderSize)
  long first = 0, span = 0;
  while (p < end) {
    size_t oplen = 1;
    if (IsZero(d + p)) {
      span = ZeroLen(d + p);
    } else if (IsVal(d + p)) {
      span = ValLen(d + p);
    } else {
      span = XZeroLen(d + p, d + end);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return -1;  // corrupt

  const bool is_zero = IsZero(d + p), is_xzero = IsXZero(d + p), is_val = IsVal(d + p);
  const long runlen = is_zero ? ZeroLen(d + p) : is_xzero ? XZeroLen(d + p, d + end) : ValLen(d + p);

  // Step 2, cases A-C: updates in place.
  bool updated_in_place = false;
  if (is_val) {
    if (ValValue(d + p) >= count) return 0;  // A
    if (runlen == 1) {                       // B
      Bytes(hll)[p] = ValOp(count, 1);
      updated_in_place = true;
    }
  }
  if (!updated_in_place && is_zero && runlen == 1) {  // C
    Bytes(hll)[p] = ValOp(count, 1);
    updated_in_place = true;
  }

  if (!updated_in_place) {
    // D: split the opcode into up to XZERO-VAL-XZERO (5 bytes).
    uint8_t seq[5];
    size_t n = 0;
    const long last = first + span - 1;
    auto put_zeros = [&](long len) {
      if (len > kSparseZeroMaxLen) {
        PutXZero(seq + n, static_cast<int>(len));
        n += 2;
      } else {
        seq[n++] = static_cast<uint8_t>(len - 1);
      }
    };
    if (is_zero || is_xzero) {
      if (index != first) put_zeros(index - first);
      seq[n++] = ValOp(count, 1);
      if (index != last) put_zeros(last - index);
    } else {
      const int curval = ValValue(d + p);
      if (index != first) seq[n++] = ValOp(curval, static_cast<int>(index - first));
      seq[n++] = ValOp(count, 1);
      if (index != last) seq[n++] = ValOp(curval, static_cast<int>(last - index));
    }

    // Step 3: put the sequence in place of the opcode. Redis moves the tail
    // (if the opcode has a successor), copies the sequence, then sets the
    // length to old + delta: rebuilt here the same way, so even a truncated
    // last XZERO ends where Redis's does.
    const size_t oldlen = is_xzero ? 2 : 1;
    const long deltalen = static_cast<long>(n) - static_cast<long>(oldlen);
    if (deltalen > 0 && hll->size() + static_cast<size_t>(deltalen) > sparse_max_bytes) return -2;
    const size_t next = p + oldlen;
    std::string out;
    out.reserve(hll->size() + 4);
    out.append(*hll, 0, p);
    out.append(reinterpret_cast<const char*>(seq), n);
    if (next < end) out.append(*hll, next, end - next);
    out.resize(static_cast<size_t>(static_cast<long>(end) + deltalen));
    *hll = std::move(out);
    end = hll->size();
  }

  // Step 4: merge adjacent VAL opcodes of the same value, scanning up to 5
  // opcodes from the one before the change.
  uint8_t* w = Bytes(hll);
  size_t q = prev != 0 ? prev : kHeaderSize;
  int scanlen = 5;
  while (q < end && scanlen--) {
    if (IsXZero(w + q)) {
      q += 2;
      continue;
    }
    if (IsZero(w + q)) {
      q++;
      continue;
    }
    if (q + 1 < end && IsVal(w + q + 1)) {
      const int v1 = ValValue(w + q), v2 = ValValue(w + q + 1);
      if (v1 == v2) {
        const int len = ValLen(w + q) + ValLen(w + q + 1);
        if (len <= kSparseValMaxLen) {
          w[q + 1] = ValOp(v1, len);
          hll->erase(q, 1);
          w = Bytes(hll);
          end--;
          continue;  // try to merge the merged opcode with its right neighbour
        }
      }
    }
    q++;
  }
  InvalidateCache(hll);
  return 1;
}

// Register histograms (hllDenseRegHisto, hllSparseRegHisto, hllRawRegHisto).
void DenseHistogram(const uint8_t* r, int* histo) {
  for (int j = 0; j < 1024; j++, r += 12) {  // 16 registers in 12 bytes
    histo[r[0] & 63]++;
    histo[(r[0] >> 6 | r[1] << 2) & 63]++;
    histo[(r[1] >> 4 | r[2] << 4) & 63]++;
    histo[(r[2] >> 2) & 63]++;
    histo[r[3] & 63]++;
    histo[(r[3] >> 6 | r[4] << 2) & 63]++;
    histo[(r[4] >> 4 | r[5] << 4) & 63]++;
    histo[(r[5] >> 2) & 63]++;
    histo[r[6] & 63]++;
    histo[(r[6] >> 6 | r[7] << 2) & 63]++;
    histo[(r[7] >> 4 | r[8] << 4) & 63]++;
    histo[(r[8] >> 2) & 63]++;
    histo[r[9] & 63]++;
    histo[(r[9] >> 6 | r[10] << 2) & 63]++;
    histo[(r[10] >> 4 | r[11] << 4) & 63]++;
    histo[(r[11] >> 2) & 63]++;
  }
}

void SparseHistogram(const uint8_t* p, const uint8_t* end, bool* invalid, int* histo) {
  long idx = 0;
  while (p < end) {
    if (IsZero(p)) {
      const int runlen = ZeroLen(p);
      idx += runlen;
      histo[0] += runlen;
      p++;
    } else if (IsXZero(p)) {
      const int runlen = XZeroLen(p, end);
      idx += runlen;
      histo[0] += runlen;
      p += 2;
    } else {
      const int runlen = ValLen(p);
      idx += runlen;
      histo[ValValue(p)] += runlen;
      p++;
    }
  }
  if (idx != kRegisters && invalid != nullptr) *invalid = true;
}

// Ertl's sigma and tau ("New cardinality estimation algorithms for
// HyperLogLog sketches", arXiv:1702.01284), as Redis computes them.
double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prime;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prime = z;
    z += x * y;
    y += y;
  } while (z_prime != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prime;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prime = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prime != z);
  return z / 3;
}

// hllCount's estimate from the histogram.
uint64_t Estimate(const int* histo) {
  const double m = kRegisters;
  double z = m * Tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  return static_cast<uint64_t>(std::llround(static_cast<long double>(kAlphaInf * m * m / z)));
}

}  // namespace

uint64_t MurmurHash64A(const void* key, int len, uint32_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = seed ^ (static_cast<uint64_t>(len) * m);
  const uint8_t* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  while (data != end) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; --i) k = (k << 8) | data[i];  // little endian, as Redis on any host
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
    data += 8;
  }
  switch (len & 7) {
    case 7: h ^= static_cast<uint64_t>(data[6]) << 48; [[fallthrough]];
    case 6: h ^= static_cast<uint64_t>(data[5]) << 40; [[fallthrough]];
    case 5: h ^= static_cast<uint64_t>(data[4]) << 32; [[fallthrough]];
    case 4: h ^= static_cast<uint64_t>(data[3]) << 24; [[fallthrough]];
    case 3: h ^= static_cast<uint64_t>(data[2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint64_t>(data[1]) << 8; [[fallthrough]];
    case 1:
      h ^= static_cast<uint64_t>(data[0]);
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int PatternLength(std::string_view element, long* index) {
  uint64_t hash = MurmurHash64A(element.data(), static_cast<int>(element.size()), 0xadc83b19U);
  *index = static_cast<long>(hash & kPMask);
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the run ends by bit Q: count <= Q + 1
  return std::countr_zero(hash) + 1;
}

bool IsHll(std::string_view s) {
  if (s.size() < kHeaderSize) return false;
  if (s.substr(0, 4) != "HYLL") return false;
  const uint8_t encoding = EncodingOf(s);
  if (encoding > kSparse) return false;
  return encoding != kDense || s.size() == kDenseSize;
}

std::string CreateEmpty() {
  std::string s(kHeaderSize + 2, '\0');
  std::memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kSparse);
  PutXZero(Bytes(&s) + kHeaderSize, kSparseXZeroMaxLen);  // 16384 registers, one XZERO
  return s;
}

uint8_t DenseGet(const uint8_t* registers, long index) {
  const size_t byte = static_cast<size_t>(index) * kBits / 8;
  const unsigned fb = static_cast<unsigned>(index * kBits) & 7;
  // A register starting at bit 0 or 2 lies in one byte; Redis reads the next
  // one anyway (shifted out): skipping it keeps the last register in bounds.
  const unsigned long b0 = registers[byte];
  const unsigned long b1 = fb > 2 ? registers[byte + 1] : 0;
  return static_cast<uint8_t>(((b0 >> fb) | (b1 << (8 - fb))) & kRegisterMax);
}

void DenseSet(uint8_t* registers, long index, uint8_t value) {
  const size_t byte = static_cast<size_t>(index) * kBits / 8;
  const unsigned fb = static_cast<unsigned>(index * kBits) & 7;
  const unsigned long v = value;
  registers[byte] = static_cast<uint8_t>((registers[byte] & ~(kRegisterMax << fb)) | (v << fb));
  if (fb > 2) {
    const unsigned fb8 = 8 - fb;
    registers[byte + 1] = static_cast<uint8_t>((registers[byte + 1] & ~(kRegisterMax >> fb8)) | (v >> fb8));
  }
}

bool SparseToDense(std::string* hll) {
  if (EncodingOf(*hll) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), hll->data(), kHeaderSize);  // magic, cached cardinality
  dense[4] = static_cast<char>(kDense);
  uint8_t* registers = Bytes(&dense) + kHeaderSize;
  const uint8_t* p = Bytes(*hll) + kHeaderSize;
  const uint8_t* end = Bytes(*hll) + hll->size();
  long idx = 0;
  while (p < end) {
    if (IsZero(p)) {
      idx += ZeroLen(p);
      p++;
    } else if (IsXZero(p)) {
      idx += XZeroLen(p, end);
      p += 2;
    } else {
      int runlen = ValLen(p);
      const int regval = ValValue(p);
      if (runlen + idx > kRegisters) return false;  // a VAL run past the last register
      while (runlen--) DenseSet(registers, idx++, static_cast<uint8_t>(regval));
      p++;
    }
  }
  if (idx != kRegisters) return false;
  *hll = std::move(dense);
  return true;
}

int Set(std::string* hll, long index, uint8_t count, size_t sparse_max_bytes) {
  if (EncodingOf(*hll) == kDense) return DenseRaise(Bytes(hll) + kHeaderSize, index, count);
  const int r = SparseSet(hll, index, count, sparse_max_bytes);
  if (r != -2) return r;
  // Promotion: the value does not fit a VAL opcode or the string would grow
  // past hll-sparse-max-bytes. The register must then grow (Redis asserts it).
  if (!SparseToDense(hll)) return -1;
  return DenseRaise(Bytes(hll) + kHeaderSize, index, count);
}

int Add(std::string* hll, std::string_view element, size_t sparse_max_bytes) {
  const uint8_t encoding = EncodingOf(*hll);
  if (encoding != kDense && encoding != kSparse) return -1;
  long index;
  const int count = PatternLength(element, &index);
  return Set(hll, index, static_cast<uint8_t>(count), sparse_max_bytes);
}

bool CacheValid(std::string_view hll) { return (static_cast<uint8_t>(hll[15]) & 0x80) == 0; }

uint64_t CachedCount(std::string_view hll) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<uint8_t>(hll[8 + i]);
  return card;
}

void SetCachedCount(std::string* hll, uint64_t count) {
  for (int i = 0; i < 8; ++i) (*hll)[8 + i] = static_cast<char>((count >> (8 * i)) & 0xff);
}

void InvalidateCache(std::string* hll) { (*hll)[15] = static_cast<char>(static_cast<uint8_t>((*hll)[15]) | 0x80); }

uint64_t Count(std::string_view hll, bool* invalid) {
  int histo[64] = {};
  if (EncodingOf(hll) == kDense) {
    DenseHistogram(Bytes(hll) + kHeaderSize, histo);
  } else {
    SparseHistogram(Bytes(hll) + kHeaderSize, Bytes(hll) + hll.size(), invalid, histo);
  }
  return Estimate(histo);
}

uint64_t CountRaw(const uint8_t* registers) {
  int histo[64] = {};
  for (int i = 0; i < kRegisters; ++i) histo[registers[i] & 63]++;
  return Estimate(histo);
}

bool MergeInto(uint8_t* max, std::string_view hll) {
  if (EncodingOf(hll) == kDense) {
    const uint8_t* registers = Bytes(hll) + kHeaderSize;
    for (long i = 0; i < kRegisters; i++) {
      const uint8_t v = DenseGet(registers, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  const uint8_t* p = Bytes(hll) + kHeaderSize;
  const uint8_t* end = Bytes(hll) + hll.size();
  long i = 0;
  while (p < end) {
    if (IsZero(p)) {
      i += ZeroLen(p);
      p++;
    } else if (IsXZero(p)) {
      i += XZeroLen(p, end);
      p += 2;
    } else {
      long runlen = ValLen(p);
      const uint8_t regval = static_cast<uint8_t>(ValValue(p));
      if (runlen + i > kRegisters) return false;  // a VAL run past the last register
      for (; runlen > 0; --runlen, ++i) {
        if (regval > max[i]) max[i] = regval;
      }
      p++;
    }
  }
  return i == kRegisters;
}

std::string DecodeSparse(std::string_view hll) {
  std::string out;
  const uint8_t* p = Bytes(hll) + kHeaderSize;
  const uint8_t* end = Bytes(hll) + hll.size();
  while (p < end) {
    if (IsZero(p)) {
      out += "z:" + std::to_string(ZeroLen(p)) + " ";
      p++;
    } else if (IsXZero(p)) {
      out += "Z:" + std::to_string(XZeroLen(p, end)) + " ";
      p += 2;
    } else {
      out += "v:" + std::to_string(ValValue(p)) + "," + std::to_string(ValLen(p)) + " ";
      p++;
    }
  }
  if (!out.empty()) out.pop_back();  // sdstrim(decoded, " ")
  return out;
}

std::string SelfTest(size_t sparse_max_bytes) {
  std::random_device rd;
  uint64_t state = ((uint64_t{rd()} << 32) | rd()) | 1;
  auto rng = [&state] {  // xorshift64*: cheap, and any values will do
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dULL;
  };
  // Test 1: every register keeps its value and leaves its neighbours alone.
  std::string dense(kDenseSize, '\0');
  uint8_t* registers = Bytes(&dense) + kHeaderSize;
  std::string expected(kRegisters, '\0');
  for (int cycle = 0; cycle < 1000; cycle++) {
    for (long i = 0; i < kRegisters; i++) {
      const uint8_t r = static_cast<uint8_t>(rng() & kRegisterMax);
      expected[i] = static_cast<char>(r);
      DenseSet(registers, i, r);
    }
    for (long i = 0; i < kRegisters; i++) {
      const uint8_t v = DenseGet(registers, i);
      if (v != static_cast<uint8_t>(expected[i])) {
        return "TESTFAILED Register " + std::to_string(i) + " should be " +
               std::to_string(static_cast<uint8_t>(expected[i])) + " but is " + std::to_string(v);
      }
    }
  }
  // Test 2: dense and sparse agree, sparse is kept while small, and the
  // error stays within 6 standard errors (1 at cardinality 10).
  std::memset(registers, 0, kDenseSize - kHeaderSize);
  dense[4] = static_cast<char>(kDense);
  std::string sparse = CreateEmpty();
  const double relerr = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  int64_t checkpoint = 1;
  const uint64_t seed = rng();
  for (uint64_t j = 1; j <= 10000000; j++) {
    const uint64_t ele = j ^ seed;
    const std::string_view bytes(reinterpret_cast<const char*>(&ele), sizeof(ele));
    long index;
    const uint8_t count = static_cast<uint8_t>(PatternLength(bytes, &index));
    DenseRaise(registers, index, count);
    Set(&sparse, index, count, sparse_max_bytes);  // what Add does, without hashing twice
    if (static_cast<int64_t>(j) != checkpoint) continue;
    if (j < sparse_max_bytes / 2 && EncodingOf(sparse) != kSparse) return "TESTFAILED sparse encoding not used";
    const uint64_t dense_count = Count(dense, nullptr);
    if (dense_count != Count(sparse, nullptr)) return "TESTFAILED dense/sparse disagree";
    int64_t abserr = checkpoint - static_cast<int64_t>(dense_count);
    uint64_t maxerr = static_cast<uint64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    if (j == 10) maxerr = 1;
    if (abserr < 0) abserr = -abserr;
    if (abserr > static_cast<int64_t>(maxerr)) {
      return "TESTFAILED Too big error. card:" + std::to_string(checkpoint) + " abserr:" + std::to_string(abserr);
    }
    checkpoint *= 10;
  }
  return "";
}

}  // namespace stockd::engine::hll
