// engine/transaction.cc — TransactionState's cleanup and the dispatcher's
// MULTI hooks (see transaction.h).
#include "engine/transaction.h"

#include <mutex>

#include "engine/engine.h"

namespace stockd::engine {

namespace {

void UnwatchEach(TransactionState& tx) {
  for (const TransactionState::Watched& w : tx.watched) {
    Shard& shard = tx.engine->ShardFor(w.db, w.key);
    std::lock_guard<SpinLock> lock(shard.lock());
    shard.Unwatch(w.key);
  }
  tx.watched.clear();
}

}  // namespace

// A client that goes away (or RESETs) while watching: drop its watchers, or
// the registry entries would outlive it.
TransactionState::~TransactionState() { UnwatchEach(*this); }

void DiscardTransaction(Session& session) {
  if (session.tx == nullptr) return;
  TransactionState& tx = *session.tx;
  tx.in_multi = false;
  tx.aborted = false;
  tx.queue.clear();
  UnwatchEach(tx);
}

std::string ExecAbortMessage(std::string_view msg) {
  if (msg.substr(0, 4) == "ERR ") msg.remove_prefix(4);
  std::string out = "EXECABORT Transaction discarded because of: ";
  out.append(msg);
  return out;
}

void RejectCommand(Engine& engine, Session& session, const Command* cmd, std::string_view msg,
                   protocol::ReplyWriter& reply) {
  if (cmd != nullptr && cmd->full_name() == "exec") {
    DiscardTransaction(session);
    const std::string abort = ExecAbortMessage(msg);
    reply.Error(abort);
    engine.CountError(abort);
    return;
  }
  reply.Error(msg);
  engine.CountError(msg);
  FlagTransaction(session);
}

bool QueuesInMulti(const Command& command) {
  // Redis's processCommand runs exactly these at once inside MULTI.
  const std::string_view name = command.full_name();
  return !(name == "exec" || name == "discard" || name == "multi" || name == "watch" ||
           name == "quit" || name == "reset");
}

void QueueInMulti(Engine& engine, Session& session, const Command& command,
                  absl::Span<const std::string_view> argv, protocol::ReplyWriter& reply) {
  TransactionState& tx = *session.tx;
  if (command.has_flag(kNoMulti)) {
    constexpr std::string_view kMsg = "ERR Command not allowed inside a transaction";
    command.stats().Add(CommandStats::kRejectedCalls, 1);
    reply.Error(kMsg);
    engine.CountError(kMsg);
    tx.aborted = true;
    return;
  }
  TransactionState::Queued q{&command, {}};
  q.argv.reserve(argv.size());
  for (std::string_view a : argv) q.argv.emplace_back(a);
  tx.queue.push_back(std::move(q));
  reply.SimpleString("QUEUED");
}

void FlagTransaction(Session& session) {
  if (InMulti(session)) session.tx->aborted = true;
}

}  // namespace stockd::engine
