// engine/op_status.h — what a shard-local Op returns: a value or a status,
// never a reply. A Cmd maps each status to exactly one Redis error text
// (OpStatusError), so MULTI, Lua's redis.call and recovery can reuse the Ops.
#pragma once

#include <string_view>
#include <utility>

#include "engine/errors.h"

namespace stockd::engine {

enum class OpStatus {
  kOk,
  kNotFound,    // no such key (most commands turn this into a null or 0 reply)
  kSkipped,     // a condition (NX/XX/GT/...) said not to act
  kWrongType,
  kNotInteger,
  kOverflow,
  kNotFloat,
  kNanOrInf,
  kMaxBulk,
};

inline std::string_view OpStatusError(OpStatus s) {
  switch (s) {
    case OpStatus::kWrongType: return errors::kWrongType;
    case OpStatus::kNotInteger: return errors::kNotInteger;
    case OpStatus::kOverflow: return errors::kOverflow;
    case OpStatus::kNotFloat: return errors::kNotFloat;
    case OpStatus::kNanOrInf: return errors::kNanOrInf;
    case OpStatus::kMaxBulk: return errors::kMaxBulk;
    case OpStatus::kNotFound: return errors::kNoSuchKey;
    default: return errors::kSyntax;
  }
}

template <class T>
struct OpResult {
  OpStatus status = OpStatus::kOk;
  T value{};
  OpResult(OpStatus s) : status(s) {}  // NOLINT: a status converts implicitly
  OpResult(T v) : value(std::move(v)) {}  // NOLINT: a value converts implicitly
  bool ok() const { return status == OpStatus::kOk; }
};

}  // namespace stockd::engine
