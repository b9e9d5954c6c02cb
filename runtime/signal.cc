#include "runtime/signal.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "runtime/detail/netpoll.h"
#include "runtime/detail/proc.h"

namespace stockd::runtime {
namespace {

// One pending WaitSignal call.
struct SignalWait {
  std::vector<int> signals;
  detail::G* g = nullptr;  // the parked fiber, or null for a thread waiter
  int signo = 0;
  bool done = false;       // guarded by the hub's mu
  std::condition_variable cv;  // thread waiters only
};

// The process's signal plumbing (what we used of Asio's signal_set):
// while some wait lists a signal, its handler writes the signal number to a
// pipe that the runtime's poller watches; the byte is handed to every pending
// wait listing it. When the last such wait ends, the signal's previous
// disposition is restored.
class SignalHub {
 public:
  static SignalHub& Get() {
    static SignalHub* hub = new SignalHub();  // lives for the process: handlers may run at exit
    return *hub;
  }

  // Registers w and installs the handlers it needs.
  void Add(detail::Sched* s, SignalWait* w) {
    Watch(detail::SchedNetpoll(s));
    std::lock_guard<std::mutex> l(mu_);
    for (int sig : w->signals) {
      if (sig <= 0 || sig >= NSIG) continue;
      if (refs_[sig]++ == 0) {
        struct sigaction sa = {};
        sa.sa_handler = &SignalHub::Handler;
        sigfillset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        ::sigaction(sig, &sa, &old_[sig]);
      }
    }
    waits_.push_back(w);
  }

  // Ends w with signo (unless it already ended); wakes its waiter.
  void Complete(SignalWait* w, int signo) {
    std::lock_guard<std::mutex> l(mu_);
    CompleteLocked(w, signo);
  }

  // Unregisters w (ended or not) and restores dispositions nobody waits for.
  void Remove(SignalWait* w) {
    std::lock_guard<std::mutex> l(mu_);
    for (size_t i = 0; i < waits_.size(); ++i) {
      if (waits_[i] != w) continue;
      waits_.erase(waits_.begin() + static_cast<std::ptrdiff_t>(i));
      for (int sig : w->signals) {
        if (sig <= 0 || sig >= NSIG) continue;
        if (--refs_[sig] == 0) ::sigaction(sig, &old_[sig], nullptr);
      }
      return;
    }
  }

  std::mutex& mu() { return mu_; }

 private:
  SignalHub() {
    if (::pipe2(pipe_, O_NONBLOCK | O_CLOEXEC) != 0) pipe_[0] = pipe_[1] = -1;
    write_fd_ = pipe_[1];
  }

  // The pipe is watched by the poller of the runtime that waits (a process
  // may make a new runtime after the old one ended). Not under mu_: the
  // poller dispatches OnReadable holding its own lock, which then takes mu_.
  void Watch(detail::Netpoll& np) {
    std::lock_guard<std::mutex> l(watch_mu_);
    if (watched_id_ == np.id()) return;
    if (np.RegisterCallback(pipe_[0], &SignalHub::OnReadable, this) == 0) watched_id_ = np.id();
  }

  static void Handler(int signo) {
    const int saved = errno;
    const auto b = static_cast<unsigned char>(signo);
    (void)!::write(write_fd_, &b, 1);
    errno = saved;
  }

  // On the polling M (netpoll's dispatch): hand each signal to its waits.
  static void OnReadable(void* self) {
    auto* hub = static_cast<SignalHub*>(self);
    unsigned char buf[64];
    for (;;) {
      const ssize_t n = ::read(hub->pipe_[0], buf, sizeof buf);
      if (n <= 0) return;
      std::lock_guard<std::mutex> l(hub->mu_);
      for (ssize_t i = 0; i < n; ++i) {
        for (SignalWait* w : hub->waits_) {
          for (int sig : w->signals) {
            if (sig == buf[i]) {
              hub->CompleteLocked(w, sig);
              break;
            }
          }
        }
      }
    }
  }

  void CompleteLocked(SignalWait* w, int signo) {
    if (w->done) return;
    w->done = true;
    w->signo = signo;
    if (w->g != nullptr) {
      detail::SchedNetpoll(w->g->sched).DoneWaiter();
      detail::Ready(w->g);
    } else {
      w->cv.notify_all();
    }
  }

  static inline int write_fd_ = -1;
  int pipe_[2] = {-1, -1};
  std::mutex watch_mu_;
  uint64_t watched_id_ = 0;  // guarded by watch_mu_
  std::mutex mu_;
  std::vector<SignalWait*> waits_;
  int refs_[NSIG] = {};
  struct sigaction old_[NSIG] = {};
};

}  // namespace

void SignalCancel::Cancel() {
  std::lock_guard<std::mutex> l(mu_);
  cancelled_ = true;
  if (abort_) abort_();
}

int WaitSignal(std::initializer_list<int> signals, SignalCancel* cancel) {
  detail::Sched* s = detail::DefaultSched();
  if (s == nullptr) return 0;
  detail::Netpoll& np = detail::SchedNetpoll(s);
  SignalHub& hub = SignalHub::Get();
  SignalWait w;
  w.signals.assign(signals.begin(), signals.end());
  w.g = detail::CurrentG();
  // Registers the wait unless the token was cancelled; false = cancelled.
  auto start = [&]() -> bool {
    if (cancel == nullptr) {
      hub.Add(s, &w);
      return true;
    }
    std::lock_guard<std::mutex> l(cancel->mu_);
    if (cancel->cancelled_) return false;
    hub.Add(s, &w);
    cancel->abort_ = [&w, &hub] { hub.Complete(&w, 0); };
    return true;
  };
  np.AddWaiter();
  if (w.g != nullptr) {
    // Register after switching out: the completion's Ready() can only follow Park.
    detail::Park([&] {
      if (!start()) {
        np.DoneWaiter();
        w.signo = 0;
        detail::Ready(w.g);
      }
    });
  } else {
    if (!start()) {
      np.DoneWaiter();
      return 0;
    }
    // Some M must poll to see the signal: an idle runtime may have none
    // started yet; Wakep starts one, which ends up in the poller.
    detail::Wakep(s);
    std::unique_lock<std::mutex> l(hub.mu());
    w.cv.wait(l, [&] { return w.done; });
    np.DoneWaiter();
  }
  if (cancel != nullptr) {
    std::lock_guard<std::mutex> l(cancel->mu_);
    cancel->abort_ = nullptr;
  }
  hub.Remove(&w);
  return w.signo;
}

}  // namespace stockd::runtime
