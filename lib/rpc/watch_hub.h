// Fan-out for the Watch* streams. The loop thread publishes events; each stream's
// gRPC thread owns a Subscription and drains it. Subscribing happens on the loop
// thread together with building the snapshot, so no event falls between the two:
//
//   auto sub = loop.Call([&] { return hub.Subscribe(BuildSnapshot()); });
//   return ServeWatch(context, writer, *sub);
//
// A subscriber that falls too far behind is cut off with RESOURCE_EXHAUSTED rather
// than letting its queue grow without bound; it reconnects and gets a fresh snapshot.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace lvs::rpc {

template <typename Event>
class WatchHub {
 public:
  class Subscription {
   public:
    explicit Subscription(size_t max_queue) : max_queue_(max_queue) {}
    enum class Result { kEvent, kTimeout, kClosed, kOverflow };

    Result Next(Event* out, absl::Duration timeout) {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(this, &Subscription::Ready), timeout);
      if (overflow_) return Result::kOverflow;
      if (!queue_.empty()) {
        *out = std::move(queue_.front());
        queue_.pop_front();
        return Result::kEvent;
      }
      return closed_ ? Result::kClosed : Result::kTimeout;
    }

    void Push(const Event& e) {
      absl::MutexLock lock(&mu_);
      if (queue_.size() >= max_queue_) {
        overflow_ = true;
      } else {
        queue_.push_back(e);
      }
    }

    void Close() {
      absl::MutexLock lock(&mu_);
      closed_ = true;
    }

   private:
    bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !queue_.empty() || closed_ || overflow_;
    }

    const size_t max_queue_;
    absl::Mutex mu_;
    std::deque<Event> queue_ ABSL_GUARDED_BY(mu_);
    bool closed_ ABSL_GUARDED_BY(mu_) = false;
    bool overflow_ ABSL_GUARDED_BY(mu_) = false;
  };

  explicit WatchHub(size_t max_queue = 100000) : max_queue_(max_queue) {}

  // Loop thread. The snapshot events are queued first.
  std::shared_ptr<Subscription> Subscribe(const std::vector<Event>& snapshot) {
    auto sub = std::make_shared<Subscription>(max_queue_ + snapshot.size());
    for (const Event& e : snapshot) sub->Push(e);
    absl::MutexLock lock(&mu_);
    subs_.push_back(sub);
    return sub;
  }

  // Loop thread. Subscriptions whose stream has ended are dropped here.
  void Publish(const Event& e) {
    absl::MutexLock lock(&mu_);
    std::erase_if(subs_, [](const std::weak_ptr<Subscription>& w) { return w.expired(); });
    for (auto& w : subs_)
      if (auto s = w.lock()) s->Push(e);
  }

  // Ends every stream (daemon stopping).
  void Close() {
    absl::MutexLock lock(&mu_);
    for (auto& w : subs_)
      if (auto s = w.lock()) s->Close();
    subs_.clear();
  }

  size_t Subscribers() {
    absl::MutexLock lock(&mu_);
    std::erase_if(subs_, [](const std::weak_ptr<Subscription>& w) { return w.expired(); });
    return subs_.size();
  }

 private:
  const size_t max_queue_;
  absl::Mutex mu_;
  std::vector<std::weak_ptr<Subscription>> subs_ ABSL_GUARDED_BY(mu_);
};

// Drains a subscription into a server stream until the client goes away, the hub
// closes, or the subscriber overflows. `keep`, when given, picks the events this
// stream wants (one instance out of all, say).
template <typename Event>
grpc::Status ServeWatch(grpc::ServerContext* context, grpc::ServerWriter<Event>* writer,
                        typename WatchHub<Event>::Subscription& sub,
                        const std::function<bool(const Event&)>& keep = nullptr) {
  using Result = typename WatchHub<Event>::Subscription::Result;
  Event e;
  while (!context->IsCancelled()) {
    switch (sub.Next(&e, absl::Milliseconds(200))) {
      case Result::kEvent:
        if (keep && !keep(e)) break;
        if (!writer->Write(e)) return grpc::Status::OK;
        break;
      case Result::kTimeout: break;
      case Result::kClosed: return grpc::Status::OK;
      case Result::kOverflow:
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            "watcher fell too far behind; reconnect for a fresh snapshot");
    }
  }
  return grpc::Status::CANCELLED;
}

}  // namespace lvs::rpc
