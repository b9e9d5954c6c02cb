// engine/transaction.cc — TransactionState's cleanup and the dispatcher's
// MULTI hooks (see transaction.h).
#include "engine/transaction.h"

#include <mutex>

#include "engine/engine.h"

namespace stockd::engine {

TransactionState::~TransactionState() {
  // A client that goes away (or RESETs) while watching: drop its watchers, or
  // the registry entries would outlive it.
  for (const Watched& w : watched) {
    Shard& shard = engine->ShardFor(w.db, w.key);
    std::lock_guard<SpinLock> lock(shard.lock());
    shard.Unwatch(w.key);
  }
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
    command.stats().rejected_calls.fetch_add(1, std::memory_order_relaxed);
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
