// The gRPC edge of vrrpd: each RPC hops onto the event loop, calls the router and
// converts its absl::Status to the canonical gRPC code.
#pragma once

#include <functional>

#include "lib/event/event_loop.h"
#include "lvs/v1/vrrp.grpc.pb.h"
#include "services/vrrpd/vrrp_router.h"

namespace lvs::vrrp {

class VrrpService final : public v1::Vrrp::Service {
 public:
  // Re-reads and applies the config (the same path as SIGHUP); runs on the loop.
  using ReloadFn = std::function<v1::ReloadResponse(bool dry_run)>;

  VrrpService(event::EventLoop* loop, VrrpRouter* router, ReloadFn reload)
      : loop_(loop), router_(router), reload_(std::move(reload)) {}

  grpc::Status GetStatus(grpc::ServerContext*, const v1::GetVrrpStatusRequest* req,
                         v1::VrrpStatus* resp) override;
  grpc::Status WatchState(grpc::ServerContext* ctx, const v1::WatchStateRequest* req,
                          grpc::ServerWriter<v1::VrrpStateEvent>* writer) override;
  grpc::Status RequestFailover(grpc::ServerContext*, const v1::RequestFailoverRequest* req,
                               v1::RequestFailoverResponse* resp) override;
  grpc::Status SetAdminState(grpc::ServerContext*, const v1::SetAdminStateRequest* req,
                             v1::SetAdminStateResponse* resp) override;
  grpc::Status Reload(grpc::ServerContext*, const v1::ReloadRequest* req,
                      v1::ReloadResponse* resp) override;

 private:
  event::EventLoop* loop_;
  VrrpRouter* router_;
  ReloadFn reload_;
};

}  // namespace lvs::vrrp
