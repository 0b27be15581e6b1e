#include "services/ipvsd/peer_links.h"

#include "lib/rpc/channel.h"
#include "lib/runtime/logging.h"

namespace lvs::ipvs {
namespace {

constexpr auto kRetry = std::chrono::milliseconds(500);

std::chrono::system_clock::time_point In(std::chrono::milliseconds d) {
  return std::chrono::system_clock::now() + d;
}

}  // namespace

StreamFollower::StreamFollower(std::shared_ptr<grpc::Channel> channel, RunStream run,
                               std::function<void(bool)> on_connection)
    : channel_(std::move(channel)), run_(std::move(run)), on_connection_(std::move(on_connection)) {}

StreamFollower::~StreamFollower() { Stop(); }

void StreamFollower::Start() { thread_ = std::thread([this] { Loop(); }); }

void StreamFollower::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    if (context_) context_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StreamFollower::Loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stop_) return;
    }
    if (!channel_->WaitForConnected(In(kRetry))) continue;
    grpc::ClientContext context;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
      context_ = &context;
    }
    on_connection_(true);
    run_(&context);
    on_connection_(false);
    std::unique_lock<std::mutex> lock(mu_);
    context_ = nullptr;
    cv_.wait_for(lock, kRetry, [&] { return stop_; });
  }
}

CheckdLink::CheckdLink(const std::string& run_dir, event::EventLoop* loop, IpvsManager* manager)
    : channel_(rpc::UnixChannel(run_dir, "checkd")),
      stub_(lvs::v1::CheckerService::NewStub(channel_)),
      loop_(loop),
      manager_(manager) {
  follower_ = std::make_unique<StreamFollower>(
      channel_,
      [this](grpc::ClientContext* context) {
        lvs::v1::WatchHealthRequest req;
        auto reader = stub_->WatchHealth(context, req);
        lvs::v1::HealthEvent e;
        while (reader->Read(&e)) loop_->Post([this, e] { manager_->OnHealth(e); });
        reader->Finish();
      },
      [this](bool connected) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          connected_ = connected;
          // A checkd that (re)appears knows nothing of ours: send the whole set again.
          if (connected) dirty_ = true;
        }
        cv_.notify_all();
        loop_->Post([this, connected] { manager_->OnCheckerConnected(connected); });
      });
}

CheckdLink::~CheckdLink() { Stop(); }

void CheckdLink::Start() {
  TargetsChanged();
  pusher_ = std::thread([this] { PushLoop(); });
  follower_->Start();
}

void CheckdLink::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  follower_->Stop();
  if (pusher_.joinable()) pusher_.join();
}

void CheckdLink::TargetsChanged() {
  auto targets = manager_->Targets();
  {
    std::lock_guard<std::mutex> lock(mu_);
    targets_ = std::move(targets);
    dirty_ = true;
  }
  cv_.notify_all();
}

void CheckdLink::CheckNow(const std::string& target_id, const std::string& reason) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    check_now_.emplace_back(target_id, reason);
  }
  cv_.notify_all();
}

void CheckdLink::PushLoop() {
  auto log = runtime::Logger("ipvsd");
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || ((dirty_ || !check_now_.empty()) && connected_); });
    if (stop_) return;
    if (!dirty_) {
      auto asks = std::move(check_now_);
      check_now_.clear();
      lock.unlock();
      for (const auto& [id, reason] : asks) {
        grpc::ClientContext context;
        context.set_deadline(In(std::chrono::milliseconds(2000)));
        lvs::v1::CheckNowRequest req;
        req.set_target_id(id);
        req.set_reason(reason);
        lvs::v1::CheckNowResponse resp;
        grpc::Status s = stub_->CheckNow(&context, req, &resp);
        if (!s.ok()) log->warn("CheckNow {} to checkd failed ({}); asked again later", id, s.error_message());
      }
      lock.lock();
      continue;
    }
    lvs::v1::SetTargetsRequest req;
    for (const auto& t : targets_) *req.add_targets() = t;
    dirty_ = false;
    lock.unlock();
    grpc::ClientContext context;
    context.set_deadline(In(std::chrono::milliseconds(5000)));
    lvs::v1::SetTargetsResponse resp;
    grpc::Status s = stub_->SetTargets(&context, req, &resp);
    if (s.ok()) {
      log->info("sent {} targets to checkd: {} added, {} removed, {} changed, {} unchanged",
                req.targets_size(), resp.added(), resp.removed(), resp.changed(),
                resp.unchanged());
      for (const auto& r : resp.rejected())
        log->error("checkd rejected target {}: {}", r.id(), std::string(r.message()));
    } else {
      log->warn("SetTargets to checkd failed ({}); retrying", s.error_message());
    }
    lock.lock();
    if (!s.ok()) {
      dirty_ = true;
      cv_.wait_for(lock, kRetry, [&] { return stop_; });
    }
  }
}

VrrpLink::VrrpLink(const std::string& run_dir, event::EventLoop* loop, IpvsManager* manager,
                   std::string instance) {
  auto channel = rpc::UnixChannel(run_dir, "vrrpd");
  stub_ = lvs::v1::Vrrp::NewStub(channel);
  follower_ = std::make_unique<StreamFollower>(
      channel,
      [this, loop, manager, instance](grpc::ClientContext* context) {
        lvs::v1::WatchStateRequest req;
        req.set_instance(instance);
        auto reader = stub_->WatchState(context, req);
        lvs::v1::VrrpStateEvent e;
        while (reader->Read(&e))
          loop->Post([manager, e] { manager->OnVrrpState(e.instance(), e.to()); });
        reader->Finish();
      },
      [](bool) {});
}

}  // namespace lvs::ipvs
