// Embedding stockd's engine in another C++ process: no network, no threads of
// its own. Each Execute returns the RESP reply bytes a client would receive.
#include <cstdio>
#include <string>

#include "engine/engine.h"

int main() {
  stockd::engine::Engine engine;        // 16 databases, like Redis
  stockd::engine::Session session;      // per-client state (SELECTed db, RESP version)
  auto run = [&](std::vector<std::string> argv) {
    std::string reply = engine.Execute(session, argv);
    std::printf("%s -> %s", argv[0].c_str(), reply.c_str());  // reply ends in \r\n
  };
  run({"SET", "stock:sku1", "100"});
  run({"DECRBY", "stock:sku1", "3"});
  run({"GET", "stock:sku1"});
  run({"EXPIRE", "stock:sku1", "60"});
  run({"TTL", "stock:sku1"});
  return 0;
}
