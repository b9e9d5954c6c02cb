// runtime/context.cc — the cancel tree behind Context. See context.h.
//
// Locking: each node has a std::mutex (held briefly, never across a park).
// Lock order is parent before child: a cancel walks down the tree holding the
// ancestors' mutexes; a child unregisters from its parent only after dropping
// its own. A child's destructor unregisters first thing, so a parent that is
// cancelling it (under the parent's mutex) never sees it half destroyed.
//
// Timers: a deadline's timer gets a heap TimerArg holding a weak_ptr to the
// node. Exactly one side deletes the TimerArg: the callback whenever it runs,
// otherwise whoever's CancelTimer returned true. Timers are cancelled only
// after every node mutex is released, so a callback waiting for a node mutex
// can never be waited on by the holder of that mutex.
#include "runtime/context.h"

#include <mutex>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/clock.h"
#include "runtime/detail/park.h"

namespace stockd::runtime {
namespace detail {

bool StopTimer(TimerId id);

struct ContextTimerArg {
  std::weak_ptr<ContextNode> node;
};

struct PendingTimer {
  TimerId id;
  ContextTimerArg* arg;
};

struct ContextNode {
  ContextNode(std::shared_ptr<ContextNode> p, bool can_cancel)
      : parent(std::move(p)), cancelable(can_cancel) {}
  ~ContextNode();

  // Cancels this subtree with `why` (no-op if already cancelled) and, if
  // asked, unregisters from the parent.
  void Cancel(const absl::Status& why, bool remove_from_parent);
  // REQUIRES: called with every ancestor's mutex held (or none, at the top).
  void CancelLocked(const absl::Status& why, std::vector<PendingTimer>* timers);
  void RemoveChild(ContextNode* child) {
    std::lock_guard<std::mutex> l(mu);
    children.erase(child);
  }
  static void OnDeadline(void* arg);

  const std::shared_ptr<ContextNode> parent;  // keeps ancestors alive
  const bool cancelable;                      // false only for Background
  std::optional<absl::Time> deadline;         // set before the node is shared
  Chan<std::monostate> done;

  std::mutex mu;
  absl::Status err;                                // guarded by mu
  absl::flat_hash_set<ContextNode*> children;      // guarded by mu
  PendingTimer timer{0, nullptr};                  // guarded by mu
};

ContextNode::~ContextNode() {
  if (parent && parent->cancelable) parent->RemoveChild(this);
  // No callback can be touching `timer` now: it could not lock the weak_ptr.
  if (timer.arg != nullptr && StopTimer(timer.id)) delete timer.arg;
}

void ContextNode::CancelLocked(const absl::Status& why, std::vector<PendingTimer>* timers) {
  std::lock_guard<std::mutex> l(mu);
  if (!err.ok()) return;
  err = why;  // before Done closes: whoever wakes from Done sees Err set
  if (timer.arg != nullptr) {
    timers->push_back(timer);
    timer = {0, nullptr};
  }
  for (ContextNode* child : children) child->CancelLocked(why, timers);
  children.clear();
  done.Close();
}

void ContextNode::Cancel(const absl::Status& why, bool remove_from_parent) {
  std::vector<PendingTimer> timers;
  CancelLocked(why, &timers);
  if (remove_from_parent && parent && parent->cancelable) parent->RemoveChild(this);
  for (const PendingTimer& t : timers) {
    if (StopTimer(t.id)) delete t.arg;
  }
}

void ContextNode::OnDeadline(void* arg) {
  auto* a = static_cast<ContextTimerArg*>(arg);
  if (std::shared_ptr<ContextNode> node = a->node.lock()) {
    {
      std::lock_guard<std::mutex> l(node->mu);
      if (node->timer.arg == a) node->timer = {0, nullptr};  // ours to delete
    }
    node->Cancel(absl::DeadlineExceededError("context deadline exceeded"), true);
  }
  delete a;
}

// True when the timer's callback will never run, so its TimerArg is ours to
// free. With no runtime left (NumProcs() == 0) timers are gone with it.
bool StopTimer(TimerId id) {
  if (NumProcs() == 0) return true;
  return CancelTimer(id);
}

namespace {

// Registers `child` under `parent`, or cancels it at once if the parent is
// already cancelled.
void Propagate(const std::shared_ptr<ContextNode>& parent, ContextNode* child) {
  if (!parent->cancelable) return;
  absl::Status parent_err;
  {
    std::lock_guard<std::mutex> l(parent->mu);
    if (parent->err.ok()) {
      parent->children.insert(child);
      return;
    }
    parent_err = parent->err;
  }
  child->Cancel(parent_err, false);
}

}  // namespace
}  // namespace detail

Context Context::Background() {
  // Leaked on purpose: lives for the whole process, and children may outlive
  // any static destructor order.
  static auto* const root = new std::shared_ptr<detail::ContextNode>(
      std::make_shared<detail::ContextNode>(nullptr, /*can_cancel=*/false));
  return Context(*root);
}

Chan<std::monostate> Context::Done() const { return node_->done; }

absl::Status Context::Err() const {
  if (!node_->cancelable) return absl::OkStatus();
  {
    std::lock_guard<std::mutex> l(node_->mu);
    if (!node_->err.ok() || !node_->deadline.has_value() || absl::Now() < *node_->deadline) {
      return node_->err;
    }
  }
  // Past the deadline but the timer has not fired yet (or there is no
  // runtime to fire it): cancel now, so Err() never reports OK late.
  node_->Cancel(absl::DeadlineExceededError("context deadline exceeded"), true);
  std::lock_guard<std::mutex> l(node_->mu);
  return node_->err;
}

std::optional<absl::Time> Context::Deadline() const { return node_->deadline; }

std::pair<Context, CancelFunc> WithCancel(const Context& parent) {
  auto node = std::make_shared<detail::ContextNode>(parent.node_, /*can_cancel=*/true);
  node->deadline = parent.node_->deadline;
  detail::Propagate(parent.node_, node.get());
  CancelFunc cancel = [node] { node->Cancel(absl::CancelledError("context canceled"), true); };
  return {Context(std::move(node)), std::move(cancel)};
}

std::pair<Context, CancelFunc> WithDeadline(const Context& parent, absl::Time deadline) {
  const std::optional<absl::Time> inherited = parent.node_->deadline;
  // The parent's earlier deadline will cancel us anyway (Go does the same).
  if (inherited.has_value() && *inherited <= deadline) return WithCancel(parent);

  auto node = std::make_shared<detail::ContextNode>(parent.node_, /*can_cancel=*/true);
  node->deadline = deadline;
  detail::Propagate(parent.node_, node.get());
  CancelFunc cancel = [node] { node->Cancel(absl::CancelledError("context canceled"), true); };
  if (deadline <= absl::Now()) {
    node->Cancel(absl::DeadlineExceededError("context deadline exceeded"), true);
    return {Context(std::move(node)), std::move(cancel)};
  }
  if (detail::NumProcs() == 0) {
    // No runtime, no timers: Err() notices the deadline when asked.
    return {Context(std::move(node)), std::move(cancel)};
  }
  {
    std::lock_guard<std::mutex> l(node->mu);
    if (node->err.ok()) {  // not already cancelled through the parent
      auto* arg = new detail::ContextTimerArg{node};
      // The callback takes node->mu before looking at `timer`, so storing the
      // id after AddTimer returns is safe even if it fires at once.
      node->timer = {detail::AddTimer(deadline, &detail::ContextNode::OnDeadline, arg), arg};
    }
  }
  return {Context(std::move(node)), std::move(cancel)};
}

std::pair<Context, CancelFunc> WithTimeout(const Context& parent, absl::Duration timeout) {
  return WithDeadline(parent, absl::Now() + timeout);
}

}  // namespace stockd::runtime
