// engine/session.cc — Session's out-of-line members (TransactionState is
// completed in engine/transaction.h).
#include "engine/session.h"

#include "engine/transaction.h"

namespace stockd::engine {

Session::Session() = default;
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

}  // namespace stockd::engine
