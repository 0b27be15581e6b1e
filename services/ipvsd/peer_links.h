// ipvsd's links to its peers, each on its own threads, feeding the loop thread:
//   CheckdLink  pushes the target set to checkd (SetTargets) whenever checkd
//               (re)appears or the config changes, and follows WatchHealth;
//   VrrpLink    follows vrrpd's WatchState for the instance lvs_sync_daemon names.
// A peer that goes away is waited for, never a reason to change the table: the
// manager holds the last known health (fail static).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#include "lib/event/event_loop.h"
#include "lvs/v1/check.grpc.pb.h"
#include "lvs/v1/vrrp.grpc.pb.h"
#include "services/ipvsd/ipvs_manager.h"

namespace lvs::ipvs {

// Connect, run one stream until it ends, wait a moment, again, until stopped.
class StreamFollower {
 public:
  using RunStream = std::function<void(grpc::ClientContext* context)>;
  StreamFollower(std::shared_ptr<grpc::Channel> channel, RunStream run,
                 std::function<void(bool connected)> on_connection);
  ~StreamFollower();
  void Start();
  void Stop();

 private:
  void Loop();

  std::shared_ptr<grpc::Channel> channel_;
  RunStream run_;
  std::function<void(bool)> on_connection_;
  absl::Mutex mu_;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class CheckdLink {
 public:
  CheckdLink(const std::string& run_dir, event::EventLoop* loop, IpvsManager* manager);
  ~CheckdLink();
  void Start();
  void Stop();
  // Loop thread: the manager's target set changed.
  void TargetsChanged();
  // Any thread: ask checkd to run a target's checks now (CheckNow), from the pusher
  // thread; the answer comes on WatchHealth. Lost if checkd is away: the manager asks
  // again while it waits.
  void CheckNow(const std::string& target_id, const std::string& reason);

 private:
  void PushLoop();
  // Something for the pusher thread to do (or it should stop).
  bool PushDue() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || ((dirty_ || !check_now_.empty()) && connected_);
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<lvs::v1::CheckerService::Stub> stub_;
  event::EventLoop* loop_;
  IpvsManager* manager_;
  std::unique_ptr<StreamFollower> follower_;
  absl::Mutex mu_;
  std::vector<lvs::v1::CheckTarget> targets_ ABSL_GUARDED_BY(mu_);
  bool dirty_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<std::pair<std::string, std::string>> check_now_ ABSL_GUARDED_BY(mu_);
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread pusher_;
};

class VrrpLink {
 public:
  VrrpLink(const std::string& run_dir, event::EventLoop* loop, IpvsManager* manager,
           const std::string& instance);
  void Start() { follower_->Start(); }
  void Stop() { follower_->Stop(); }

 private:
  std::unique_ptr<lvs::v1::Vrrp::Stub> stub_;
  std::unique_ptr<StreamFollower> follower_;
};

}  // namespace lvs::ipvs
