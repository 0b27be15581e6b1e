// The gRPC edge of checkd: each RPC hops onto the loop thread and forwards to the
// CheckEngine. WatchHealth streams from a WatchHub fed by the engine.
#pragma once

#include "lib/event/event_loop.h"
#include "lib/rpc/watch_hub.h"
#include "lvs/v1/check.grpc.pb.h"
#include "services/checkd/check_engine.h"

namespace lvs::checkd {

class CheckerService final : public v1::CheckerService::Service {
 public:
  // `hub` is what the engine's listener publishes to. An ad-hoc ProbeOnce target
  // with a MISC_CHECK runs a command of the caller's choosing as checkd's user (root):
  // refused unless `allow_probe_scripts` (checkd --allow-probe-scripts).
  CheckerService(event::EventLoop* loop, CheckEngine* engine, rpc::WatchHub<v1::HealthEvent>* hub,
                 bool allow_probe_scripts = false)
      : loop_(loop), engine_(engine), hub_(hub), allow_probe_scripts_(allow_probe_scripts) {}

  grpc::Status SetTargets(grpc::ServerContext*, const v1::SetTargetsRequest* req,
                          v1::SetTargetsResponse* resp) override;
  grpc::Status WatchHealth(grpc::ServerContext* ctx, const v1::WatchHealthRequest*,
                           grpc::ServerWriter<v1::HealthEvent>* writer) override;
  grpc::Status ListChecks(grpc::ServerContext*, const v1::ListChecksRequest*,
                          v1::ListChecksResponse* resp) override;
  grpc::Status ProbeOnce(grpc::ServerContext* ctx, const v1::ProbeOnceRequest* req,
                         v1::ProbeOnceResponse* resp) override;
  grpc::Status CheckNow(grpc::ServerContext* ctx, const v1::CheckNowRequest* req,
                        v1::CheckNowResponse* resp) override;
  grpc::Status GetStats(grpc::ServerContext*, const v1::GetStatsRequest* req,
                        v1::CheckerStats* resp) override;

 private:
  event::EventLoop* loop_;
  CheckEngine* engine_;
  rpc::WatchHub<v1::HealthEvent>* hub_;
  const bool allow_probe_scripts_;
};

}  // namespace lvs::checkd
