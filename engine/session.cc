// engine/session.cc — Session's out-of-line members (TransactionState is
// completed by the transactions family; until then it is empty).
#include "engine/session.h"

namespace stockd::engine {

struct TransactionState {};

Session::Session() = default;
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

}  // namespace stockd::engine
