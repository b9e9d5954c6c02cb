// engine/keyspace_events.cc — building the two channels of a notification.
#include "engine/keyspace_events.h"

#include <string>

namespace stockd::engine {

namespace {
// "__<kind>@<db>__:<name>"
std::string Channel(std::string_view kind, int db, std::string_view name) {
  std::string c = "__";
  c.append(kind).append("@").append(std::to_string(db)).append("__:").append(name);
  return c;
}
}  // namespace


void KeyspaceEvents::Publish(std::string_view event, std::string_view key, int db) const {
  const uint32_t f = flags_.load(std::memory_order_relaxed);
  if (f & notify::kKeyspace) sink_->Publish(Channel("keyspace", db, key), event);
  if (f & notify::kKeyevent) sink_->Publish(Channel("keyevent", db, event), key);
}

}  // namespace stockd::engine
