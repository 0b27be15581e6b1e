// Fan-out for the Watch* streams. The loop thread publishes events; each stream's
// gRPC thread owns a Subscription and drains it. Subscribing happens on the loop
// thread together with building the snapshot, so no event falls between the two:
//
//   std::shared_ptr<WatchHub<E>::Subscription> sub;
//   loop.RunSync([&] { sub = hub.Subscribe(BuildSnapshot()); });
//   return ServeWatch(context, writer, *sub);
//
// A subscriber that falls too far behind is cut off with RESOURCE_EXHAUSTED rather
// than letting its queue grow without bound; it reconnects and gets a fresh snapshot.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <grpcpp/grpcpp.h>

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
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                   [&] { return !queue_.empty() || closed_ || overflow_; });
      if (overflow_) return Result::kOverflow;
      if (!queue_.empty()) {
        *out = std::move(queue_.front());
        queue_.pop_front();
        return Result::kEvent;
      }
      return closed_ ? Result::kClosed : Result::kTimeout;
    }

    void Push(const Event& e) {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.size() >= max_queue_) {
        overflow_ = true;
      } else {
        queue_.push_back(e);
      }
      cv_.notify_one();
    }

    void Close() {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      cv_.notify_one();
    }

   private:
    const size_t max_queue_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Event> queue_;
    bool closed_ = false;
    bool overflow_ = false;
  };

  explicit WatchHub(size_t max_queue = 100000) : max_queue_(max_queue) {}

  // Loop thread. The snapshot events are queued first.
  std::shared_ptr<Subscription> Subscribe(const std::vector<Event>& snapshot) {
    auto sub = std::make_shared<Subscription>(max_queue_ + snapshot.size());
    for (const Event& e : snapshot) sub->Push(e);
    std::lock_guard<std::mutex> lock(mu_);
    subs_.push_back(sub);
    return sub;
  }

  // Loop thread. Subscriptions whose stream has ended are dropped here.
  void Publish(const Event& e) {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(subs_, [](const std::weak_ptr<Subscription>& w) { return w.expired(); });
    for (auto& w : subs_)
      if (auto s = w.lock()) s->Push(e);
  }

  // Ends every stream (daemon stopping).
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& w : subs_)
      if (auto s = w.lock()) s->Close();
    subs_.clear();
  }

  size_t Subscribers() {
    std::lock_guard<std::mutex> lock(mu_);
    std::erase_if(subs_, [](const std::weak_ptr<Subscription>& w) { return w.expired(); });
    return subs_.size();
  }

 private:
  const size_t max_queue_;
  std::mutex mu_;
  std::vector<std::weak_ptr<Subscription>> subs_;
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
      case Result::kTimeout:
        break;
      case Result::kClosed:
        return grpc::Status::OK;
      case Result::kOverflow:
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                            "watcher fell too far behind; reconnect for a fresh snapshot");
    }
  }
  return grpc::Status::CANCELLED;
}

}  // namespace lvs::rpc
