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
    : channel_(std::move(channel)),
      run_(std::move(run)),
      on_connection_(std::move(on_connection)) {}

StreamFollower::~StreamFollower() { Stop(); }

void StreamFollower::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void StreamFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    if (context_) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void StreamFollower::Loop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    if (!channel_->WaitForConnected(In(kRetry))) continue;
    grpc::ClientContext context;
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      context_ = &context;
    }
    on_connection_(true);
    run_(&context);
    on_connection_(false);
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
    mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::FromChrono(kRetry));
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
          absl::MutexLock lock(&mu_);
          connected_ = connected;
          // A checkd that (re)appears knows nothing of ours: send the whole set again.
          if (connected) dirty_ = true;
        }
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
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  follower_->Stop();
  if (pusher_.joinable()) pusher_.join();
}

void CheckdLink::TargetsChanged() {
  auto targets = manager_->Targets();
  {
    absl::MutexLock lock(&mu_);
    targets_ = std::move(targets);
    dirty_ = true;
  }
}

void CheckdLink::CheckNow(const std::string& target_id, const std::string& reason) {
  {
    absl::MutexLock lock(&mu_);
    check_now_.emplace_back(target_id, reason);
  }
}

void CheckdLink::PushLoop() {
  auto log = runtime::Logger("ipvsd");
  absl::MutexLock lock(&mu_);
  for (;;) {
    mu_.Await(absl::Condition(this, &CheckdLink::PushDue));
    if (stop_) return;
    if (!dirty_) {
      auto asks = std::move(check_now_);
      check_now_.clear();
      mu_.Unlock();  // the RPCs must not hold up TargetsChanged() on the loop
      for (const auto& [id, reason] : asks) {
        grpc::ClientContext context;
        context.set_deadline(In(std::chrono::milliseconds(2000)));
        lvs::v1::CheckNowRequest req;
        req.set_target_id(id);
        req.set_reason(reason);
        lvs::v1::CheckNowResponse resp;
        grpc::Status s = stub_->CheckNow(&context, req, &resp);
        if (!s.ok())
          log->warn("CheckNow {} to checkd failed ({}); asked again later", id, s.error_message());
      }
      mu_.Lock();
      continue;
    }
    lvs::v1::SetTargetsRequest req;
    for (const auto& t : targets_) *req.add_targets() = t;
    dirty_ = false;
    mu_.Unlock();
    grpc::ClientContext context;
    context.set_deadline(In(std::chrono::milliseconds(5000)));
    lvs::v1::SetTargetsResponse resp;
    grpc::Status s = stub_->SetTargets(&context, req, &resp);
    if (s.ok()) {
      log->info("sent {} targets to checkd: {} added, {} removed, {} changed, {} unchanged",
                req.targets_size(), resp.added(), resp.removed(), resp.changed(), resp.unchanged());
      for (const auto& r : resp.rejected())
        log->error("checkd rejected target {}: {}", r.id(), std::string(r.message()));
    } else {
      log->warn("SetTargets to checkd failed ({}); retrying", s.error_message());
    }
    mu_.Lock();
    if (!s.ok()) {
      dirty_ = true;
      mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::FromChrono(kRetry));
    }
  }
}

VrrpLink::VrrpLink(const std::string& run_dir, event::EventLoop* loop, IpvsManager* manager,
                   const std::string& instance) {
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
