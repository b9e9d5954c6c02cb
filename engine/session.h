// engine/session.h — the per-connection state the engine needs.
//
// Contract:
//  * One Session per client connection, owned by the server's connection
//    object (or by an embedding caller). Not thread-safe: only the connection's
//    fiber uses it, one command at a time.
//  * The engine reads db and resp and changes db (SELECT); the server owns
//    resp (HELLO), client_id and owner, which the engine only passes through.
#pragma once

#include <cstdint>
#include <memory>

namespace stockd::engine {

// MULTI/EXEC and WATCH state: engine/transaction.h. Destroying a session
// unwatches its keys, so the engine must outlive its sessions.
struct TransactionState;
// A blocking command's request to the dispatcher (engine/blocking.h).
struct BlockRequest;

namespace tracking {
inline constexpr uint8_t kOn = 1;
inline constexpr uint8_t kBcast = 2;
inline constexpr uint8_t kOptIn = 4;
inline constexpr uint8_t kOptOut = 8;
inline constexpr uint8_t kCaching = 16;  // CLIENT CACHING yes|no given for the next command
}  // namespace tracking

struct Session {
  Session();
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  int db = 0;              // SELECTed database
  int resp = 2;            // protocol version (2 or 3), set by the server's HELLO
  uint64_t client_id = 0;  // the server's client id (CLIENT ID); 0 for embedded use
  void* owner = nullptr;   // the server's connection object; opaque to the engine

  // Set by the server while the connection has channel or pattern
  // subscriptions (server/pubsub.h). In RESP2 the engine then runs only the
  // commands Redis allows in that context (PING, (P)(UN)SUBSCRIBE, QUIT,
  // RESET), and PING answers as a pub/sub message.
  bool subscribed = false;
  // Set by the server after MONITOR: commands that read, write or may
  // replicate are refused (Redis treats a monitor as a replica).
  bool monitor = false;

  // Set by MULTI/EXEC and scripting while they run commands: a blocking
  // command (ORDER.READ ... BLOCK) must not park then and answers as if it had
  // no BLOCK, like Redis's blocking commands inside MULTI or a script.
  bool no_block = false;
  // Set by scripting on a script's session: commands that Redis refuses
  // from scripts with an option (XREAD ... BLOCK) tell it from MULTI's no_block.
  bool in_script = false;
  // The highest order id a reply of this session acknowledged (STOCK.BUY, its
  // replays included). Under `order-fsync always` the server must not send
  // those replies before OrderLog::durable_id() >= it (OrderLog::WaitDurable).
  uint64_t ack_order_id = 0;

  // Blocking commands (engine/blocking.h). block_request is set by the
  // dispatcher while it runs a kBlocking command's handler (null otherwise:
  // then BlockOn refuses, so a handler called from elsewhere never parks).
  BlockRequest* block_request = nullptr;
  // Set by the server: called, with no lock held, before the fiber parks in a
  // blocking command — e.g. to flush replies of earlier pipelined commands.
  // May park. Null: nothing to do.
  void (*before_block)(Session&) = nullptr;
  // Set by the server: asked when a blocked client is woken for data; false
  // (the client has gone) passes the wake-up to the next waiter. Null: alive.
  bool (*client_alive)(Session&) = nullptr;

  // CLIENT TRACKING (server/tracking.h), set by the server: tracking:: bits
  // (0: not tracking, the dispatcher's only test). Scripts copy the caller's.
  uint8_t tracking = 0;

  // MULTI/EXEC/WATCH state (nullptr until the client uses them); resetting
  // it discards a MULTI and unwatches (RESET). REQUIRES then: no shard locked.
  std::unique_ptr<TransactionState> tx;
};

}  // namespace stockd::engine
