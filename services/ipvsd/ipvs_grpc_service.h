// The Ipvs gRPC service: a thin edge. Every call runs on the loop thread through the
// manager; absl::Status becomes the canonical gRPC code here and nowhere else.
#pragma once

#include "lib/event/event_loop.h"
#include "lib/rpc/watch_hub.h"
#include "lvs/v1/ipvs.grpc.pb.h"
#include "services/ipvsd/ipvs_manager.h"

namespace lvs::ipvs {

class IpvsGrpcService final : public lvs::v1::Ipvs::Service {
 public:
  IpvsGrpcService(event::EventLoop* loop, IpvsManager* manager,
                  rpc::WatchHub<lvs::v1::TableEvent>* hub)
      : loop_(loop), manager_(manager), hub_(hub) {}

  grpc::Status ListServices(grpc::ServerContext*, const lvs::v1::ListServicesRequest*,
                            lvs::v1::ListServicesResponse* response) override;
  grpc::Status GetService(grpc::ServerContext*, const lvs::v1::GetServiceRequest* request,
                          lvs::v1::IpvsService* response) override;
  grpc::Status SetOverride(grpc::ServerContext*, const lvs::v1::SetOverrideRequest* request,
                           lvs::v1::SetOverrideResponse*) override;
  grpc::Status Reload(grpc::ServerContext*, const lvs::v1::ReloadRequest* request,
                      lvs::v1::ReloadResponse* response) override;
  grpc::Status WatchTable(grpc::ServerContext* context, const lvs::v1::WatchTableRequest*,
                          grpc::ServerWriter<lvs::v1::TableEvent>* writer) override;
  grpc::Status Flush(grpc::ServerContext*, const lvs::v1::FlushRequest* request,
                     lvs::v1::FlushResponse* response) override;

 private:
  event::EventLoop* loop_;
  IpvsManager* manager_;
  rpc::WatchHub<lvs::v1::TableEvent>* hub_;
};

}  // namespace lvs::ipvs
